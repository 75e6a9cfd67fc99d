"""Where a login token is read from: a Bearer header, then a `?token=` query, then the session cookie."""

from __future__ import annotations

import pytest

from livestall.accounts.tokens import token_from


def test_the_bearer_header_wins_then_the_query_then_the_cookie():
    assert token_from("Bearer h", query_token="q", cookie="c") == "h"
    assert token_from(None, query_token="q", cookie="c") == "q"
    assert token_from(None, cookie="c") == "c"
    assert token_from(None) is None


@pytest.mark.parametrize("header", ["bearer h", "BEARER h", "Bearer  h ", " Bearer h"])
def test_the_scheme_is_read_in_any_case_and_spacing(header):
    assert token_from(header, cookie="c") == "h"


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer   ", "Basic dXNlcjpwdw==", "Token h"])
def test_a_header_without_a_bearer_token_falls_back(header):
    assert token_from(header, query_token="q", cookie="c") == "q"
    assert token_from(header, cookie="c") == "c"


def test_empty_values_count_as_absent():
    assert token_from("", query_token="", cookie="") is None
    assert token_from(None, query_token="", cookie="c") == "c"
