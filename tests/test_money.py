"""Money is integer minor units; display conversion rounds half to even."""

from __future__ import annotations

from decimal import Decimal

import pytest

from livestall.errors import Invalid
from livestall.money import Money, check_currency, convert
from livestall.settings import DEFAULT_FX_PER_USD


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(12.5, "CNY")
    with pytest.raises(ValueError):
        Money(1, "CNY") + Money(1, "EUR")
    assert Money(150000, "CNY").format() == "CNY 1,500.00"
    assert (Money(100, "CNY") * 3 - Money(50, "CNY")).amount_minor == 250


def test_conversion_across_exponents():
    assert convert(Money(150000, "CNY"), "USD", DEFAULT_FX_PER_USD) == Money(22590, "USD")
    assert convert(Money(100, "USD"), "JPY", DEFAULT_FX_PER_USD) == Money(150, "JPY")
    assert convert(Money(150, "JPY"), "USD", DEFAULT_FX_PER_USD) == Money(100, "USD")
    assert convert(Money(5, "CNY"), "CNY", DEFAULT_FX_PER_USD) == Money(5, "CNY")
    assert convert(Money(5, "CNY"), "HKD", DEFAULT_FX_PER_USD) is None  # no display rate: show CNY only


def test_check_currency_names_the_field():
    assert check_currency("eur") == "EUR"
    with pytest.raises(Invalid) as raised:
        check_currency("EURO", field="display_currency")
    assert raised.value.errors[0].field == "display_currency"


def test_settings_rates_are_decimals_from_the_environment(monkeypatch):
    from livestall.settings import Settings

    monkeypatch.setenv("LIVESTALL_FX_PER_USD", '{"usd": "1", "cny": "7.00"}')
    assert Settings().fx_per_usd == {"USD": Decimal("1"), "CNY": Decimal("7.00")}
