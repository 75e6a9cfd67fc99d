"""Shared input rules for Pydantic schemas: strict inputs, currencies, countries, languages."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError

from livestall.money import MINOR_UNITS


class StrictInput(BaseModel):
    """Base of request bodies: unknown fields are refused, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _currency(value: str) -> str:
    upper = value.upper()
    if upper not in MINOR_UNITS:
        raise PydanticCustomError("known_currency", "unknown currency {value}", {"value": value})
    return upper


def _country(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", value):
        raise PydanticCustomError("iso_country", "must be a two-letter ISO 3166 country code")
    return value.upper()


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise PydanticCustomError("email_format", "must be an email address like name@example.com")
    return value.lower()


CurrencyCode = Annotated[str, StringConstraints(min_length=3, max_length=3), AfterValidator(_currency)]
CountryCode = Annotated[str, AfterValidator(_country)]
Email = Annotated[str, StringConstraints(max_length=254, strip_whitespace=True), AfterValidator(_email)]
