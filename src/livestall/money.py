"""Money in integer minor units, display conversion between currencies, and prices as people type them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from livestall.errors import Invalid

# ISO 4217 minor-unit exponents of the currencies Livestall knows; others are refused.
MINOR_UNITS: dict[str, int] = {
    "CNY": 2, "USD": 2, "EUR": 2, "GBP": 2, "MXN": 2, "BRL": 2, "SAR": 2, "AED": 2,
    "JPY": 0, "KRW": 0, "SGD": 2, "MYR": 2, "HKD": 2, "TWD": 2, "THB": 2, "IDR": 2,
    "VND": 0, "PHP": 2, "INR": 2, "CAD": 2, "AUD": 2, "CHF": 2, "ARS": 2, "CLP": 0,
    "COP": 2, "PEN": 2, "EGP": 2, "MAD": 2, "TRY": 2,
}

MAX_AMOUNT_MINOR = 10**13  # a hundred billion in a two-decimal currency: beyond any real price


def check_currency(code: str, field: str = "currency") -> str:
    """The upper-cased ISO code, or Invalid naming the field."""
    upper = (code or "").upper()
    if upper not in MINOR_UNITS:
        raise Invalid.field(field, "known_currency", f"unknown currency {code!r}")
    return upper


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency's minor units (fen, cents): never a float."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise TypeError("amount_minor must be an int")
        if self.currency not in MINOR_UNITS:
            raise ValueError(f"unknown currency {self.currency!r}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __mul__(self, times: int) -> "Money":
        return Money(self.amount_minor * times, self.currency)

    def _same(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    @property
    def decimal(self) -> Decimal:
        """The amount in major units, exact."""
        return Decimal(self.amount_minor).scaleb(-MINOR_UNITS[self.currency])

    def format(self) -> str:
        """A plain, locale-free rendering such as 'CNY 1,500.00'."""
        # Integer arithmetic, not Decimal: every order, shelf and price answer formats a few of these.
        places = MINOR_UNITS[self.currency]
        sign = "-" if self.amount_minor < 0 else ""
        major, minor = divmod(abs(self.amount_minor), 10**places)
        return f"{self.currency} {sign}{major:,}" + (f".{minor:0{places}d}" if places else "")

    def as_dict(self) -> dict:
        return {"amount_minor": self.amount_minor, "currency": self.currency, "formatted": self.format()}


def convert(money: Money, to_currency: str, fx_per_usd: dict[str, Decimal]) -> Money | None:
    """`money` shown in another currency by the display table, or None when a rate is missing."""
    if to_currency == money.currency:
        return money
    if money.currency not in fx_per_usd or to_currency not in fx_per_usd:
        return None
    major = money.decimal / fx_per_usd[money.currency] * fx_per_usd[to_currency]
    minor = (major.scaleb(MINOR_UNITS[to_currency])).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return Money(int(minor), to_currency)


def parse_price(text: str, currency: str, field: str = "price") -> int:
    """'128.50' (or '128,50') in major units → minor units of `currency`, exactly."""
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise Invalid.field(field, "money_format", "must be an amount such as 12.50") from None
    places = MINOR_UNITS[currency]
    minor = amount.scaleb(places)
    if not amount.is_finite() or minor != minor.to_integral_value():
        raise Invalid.field(field, "money_format", f"must have at most {places} decimals")
    return int(minor)
