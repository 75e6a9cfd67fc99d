"""The shows tests' actors: a seller who hosts, and their shop."""

from __future__ import annotations

import pytest

from tests.helpers import make_shop, register


@pytest.fixture()
def seller(api):
    return register(api, roles=["seller", "host"])


@pytest.fixture()
def shop(api, seller):
    return make_shop(api, seller)
