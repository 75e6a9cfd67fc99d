"""PostgreSQL's batch statements send lists as one space-separated string: a value holding a space
must be refused, never split into two."""

from __future__ import annotations

import pytest

from livestall.orders.bulk import _joined


def test_a_list_travels_as_one_string():
    assert _joined(["k1", "k-2", "k_3!"]) == "k1 k-2 k_3!"


def test_a_value_holding_a_space_is_refused():
    with pytest.raises(ValueError, match="holds a space"):
        _joined(["fine", "not fine"])
