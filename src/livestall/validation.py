"""Shared input rules: strict inputs, plain text, dates in range, ids, currencies, countries, languages."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from livestall.errors import Invalid
from livestall.money import MINOR_UNITS

MAX_ID = 2**31 - 1  # ids are PostgreSQL `integer` columns: a larger number names nothing
_ID_RANGE = f"must be an id from 1 to {MAX_ID}"
YEARS_AWAY = 100  # how far from today any date may lie: further is a typing slip, and breaks date arithmetic
COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries)  # ISO 3166-1 alpha-2, no user-assigned codes

# C0 and C1 controls but tab, newline and carriage return (which multi-line text keeps): NUL among them
# cannot be stored in PostgreSQL text, and the others only hide or garble what is shown.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Nothing shows for these: controls, format characters (zero-width, bidi), spaces and separators,
# combining marks with nothing to sit on, unassigned code points, and letters drawn as blanks.
_BLANK_CATEGORIES = frozenset(("Cc", "Cf", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"))
_BLANK_LETTERS = frozenset("\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")


def text_problem(value: str) -> tuple[str, str] | None:
    """The (rule, message) that user text breaks, or None: no control characters, something visible."""
    if _CONTROL.search(value):
        return "no_control_chars", "must not contain control characters such as NUL"
    if _SURROGATE.search(value):
        return "string_unicode", "must be valid Unicode text"
    if value and not any(c not in _BLANK_LETTERS and unicodedata.category(c) not in _BLANK_CATEGORIES
                         for c in value):
        return "visible_text", "must contain visible characters, not only spaces or invisible ones"
    return None


def check_text(value: str, field: str) -> str:
    """`value` if it is plain visible text, else Invalid naming `field` (for input outside a schema)."""
    problem = text_problem(value)
    if problem:
        raise Invalid.field(field, *problem)
    return value


def date_range() -> tuple[date, date]:
    """The first and last day any input date may be on."""
    year = datetime.now(timezone.utc).year
    return date(year - YEARS_AWAY, 1, 1), date(year + YEARS_AWAY, 12, 31)


def date_problem(value: date) -> tuple[str, str] | None:
    """The rule a date or time breaks by being too far away, or None."""
    first, last = date_range()
    if not first <= (value.date() if isinstance(value, datetime) else value) <= last:
        return "datetime_range", f"must be between {first.isoformat()} and {last.isoformat()}"
    return None


def check_id(value: object, field: str) -> int:
    """`value` as an id (a whole number from 1 to MAX_ID), else Invalid naming `field` (for room frames)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid.field(field, "int_type", "must be a whole number")
    if not 1 <= value <= MAX_ID:
        raise Invalid.field(field, "id_range", _ID_RANGE)
    return value


def _id(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise PydanticCustomError("id_range", _ID_RANGE)
    return value


def _values(value: Any):
    """The strings and dates inside a field's value (lists and dicts of them too)."""
    if isinstance(value, (str, date)):
        yield value
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _values(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _values(key)
            yield from _values(item)


class StrictInput(BaseModel):
    """Base of request bodies: unknown fields are refused, strings trimmed, text plain, dates in range."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_and_near(cls, value: Any) -> Any:
        # Every field of every body, so that no text field can forget the rule.
        for item in _values(value):
            problem = text_problem(item) if isinstance(item, str) else date_problem(item)
            if problem:
                raise PydanticCustomError(*problem)
        return value


def ahead_at_most(days: int, rule: str) -> AfterValidator:
    """A rule that a date and time lies at most `days` from now."""
    def check(value: datetime) -> datetime:
        if value > datetime.now(timezone.utc) + timedelta(days=days):
            raise PydanticCustomError(rule, "must be at most {days} days from now", {"days": days})
        return value
    return AfterValidator(check)


def _currency(value: str) -> str:
    upper = value.upper()
    if upper not in MINOR_UNITS:
        raise PydanticCustomError("known_currency", "unknown currency {value}", {"value": value})
    return upper


def _country(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", value) or value.upper() not in COUNTRIES:
        raise PydanticCustomError("iso_country", "must be an ISO 3166-1 alpha-2 country code, such as ES")
    return value.upper()


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise PydanticCustomError("email_format", "must be an email address like name@example.com")
    return value.lower()


CurrencyCode = Annotated[str, StringConstraints(min_length=3, max_length=3), AfterValidator(_currency)]
CountryCode = Annotated[str, AfterValidator(_country)]
Email = Annotated[str, StringConstraints(max_length=254, strip_whitespace=True), AfterValidator(_email)]
Id = Annotated[int, AfterValidator(_id)]
