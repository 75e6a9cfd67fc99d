"""Agency request and response bodies."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from livestall.shows.schemas import Language
from livestall.validation import CountryCode, CurrencyCode, Email, StrictInput

Stage = Literal["applied", "screening", "training", "active", "paused", "left"]


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError("iana_timezone", "must be an IANA time zone such as Europe/Madrid") from None
    return value


def _hhmm(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise PydanticCustomError("hh_mm", "must be a time of day as HH:MM")
    return value


TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_timezone)]
TimeOfDay = Annotated[str, AfterValidator(_hhmm)]


class Availability(StrictInput):
    """When a host works, in their own time zone; `to` before `from` spans midnight, equal means all day."""

    days: list[Annotated[int, Field(ge=0, le=6)]] = Field([0, 1, 2, 3, 4, 5, 6], description="0 is Monday")
    from_: TimeOfDay = Field("00:00", alias="from")
    to: TimeOfDay = "00:00"

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Social(StrictInput):
    network: str = Field(min_length=1, max_length=32)
    handle: str = Field(min_length=1, max_length=100)
    followers: int = Field(0, ge=0)


class AgencyCreate(StrictInput):
    name: str = Field(min_length=1, max_length=120)
    city: str = Field("", max_length=80)
    country: CountryCode


class AgencyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    city: str
    country: str
    short_show_rule: str = "hold"
    created_at: datetime


class PayoutRuleUpdate(StrictInput):
    short_show_rule: Literal["full", "prorata", "hold"] = Field(
        description="a short show (or no-show) is paid in full, pro rata to the minutes streamed, or held for review")


class SettleCreate(StrictInput):
    currency: CurrencyCode


class HostFields(StrictInput):
    """Profile fields shared by the public form and the agency's own entry."""

    display_name: str = Field(min_length=1, max_length=80)
    email: Email
    country: CountryCode
    languages: list[Language] = Field(min_length=1, max_length=5)
    markets: list[CountryCode] = Field([], max_length=30)
    socials: list[Social] = Field([], max_length=10)
    timezone: TimeZone = "UTC"
    note: str = Field("", max_length=2000)


class HostRates(StrictInput):
    fee_minor: int | None = Field(None, ge=0, description="Fee per show in minor units of fee_currency")
    fee_currency: CurrencyCode | None = None
    commission_bp: int | None = Field(None, ge=0, le=10_000, description="Commission on GMV, basis points")
    currency: CurrencyCode | None = Field(None, description="The host's own currency, for display")
    availability: Availability | None = None


class HostCreate(HostFields, HostRates):
    pass


class HostUpdate(HostRates):
    display_name: str | None = Field(None, min_length=1, max_length=80)
    languages: list[Language] | None = Field(None, min_length=1, max_length=5)
    markets: list[CountryCode] | None = Field(None, max_length=30)
    socials: list[Social] | None = Field(None, max_length=10)
    timezone: TimeZone | None = None
    note: str | None = Field(None, max_length=2000)


class StageMove(StrictInput):
    stage: Stage


class HostRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    agency_id: int
    user_id: int | None
    display_name: str
    email: str
    country: str
    languages: list[str]
    markets: list[str]
    socials: list[dict]
    fee_minor: int
    fee_currency: str
    commission_bp: int
    currency: str
    timezone: str
    availability: dict
    stage: str
    source: str
    note: str
    certified_at: datetime | None
    created_at: datetime


class CourseCreate(StrictInput):
    title: str = Field(min_length=1, max_length=200)
    modules: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=1, max_length=50)


class ModuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    position: int


class CourseRead(BaseModel):
    id: int
    agency_id: int
    title: str
    modules: list[ModuleRead]


class CompletionCreate(StrictInput):
    module_id: int


class TrainingRead(BaseModel):
    host_id: int
    completed_module_ids: list[int]
    total_modules: int
    certified_at: datetime | None


class RequestCreate(StrictInput):
    shop_id: int
    language: Language
    market: CountryCode
    date: date
    show_id: int | None = None
    host_id: int | None = Field(None, description="the agency's host the brand asks for, from its roster")
    note: str = Field("", max_length=2000)


class RequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    agency_id: int
    language: str
    market: str
    date: str
    show_id: int | None
    host_id: int | None = None
    note: str
    status: str
    created_at: datetime


class BookingCreate(StrictInput):
    host_id: int
    show_id: int
    duration_minutes: int = Field(120, ge=15, le=12 * 60)
    request_id: int | None = None


class BookingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    agency_id: int
    host_id: int
    show_id: int
    request_id: int | None
    starts_at: datetime
    ends_at: datetime
    fee_minor: int
    fee_currency: str
    commission_bp: int
    status: str
    accepted_at: datetime | None
    created_at: datetime
    host_local_start: str | None = None
