"""Show request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from livestall.validation import CountryCode, Id, StrictInput, ahead_at_most

Language = Literal["en", "es", "fr", "zh", "ar"]
ShowStatus = Literal["scheduled", "live", "ended", "cancelled"]
ShowWhen = Literal["live", "upcoming", "past"]
MAX_DAYS_AHEAD = 365
ScheduledAt = Annotated[AwareDatetime, ahead_at_most(MAX_DAYS_AHEAD, "scheduled_within")]


class ShowCreate(StrictInput):
    shop_id: Id
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    host_id: Id | None = Field(None, description="The presenter; yourself when omitted")
    language: Language
    market: CountryCode = Field(description="Target market, an ISO country code such as ES")
    category: str = Field("", max_length=64)
    scheduled_at: ScheduledAt


class ShowUpdate(StrictInput):
    title: str | None = Field(None, min_length=1, max_length=200)
    host_id: Id | None = Field(None, description="A new presenter: someone outside the shop is asked first")
    description: str | None = Field(None, max_length=2000)
    language: Language | None = None
    market: CountryCode | None = None
    category: str | None = Field(None, max_length=64)
    scheduled_at: ScheduledAt | None = None


class ShowRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    host_id: int = Field(description="Who presents the show: someone who said yes, or the shop itself")
    host_invited: bool = Field(False, description="A host was asked and has not answered yet (never named)")
    title: str
    description: str
    language: str
    market: str
    category: str
    scheduled_at: datetime
    cover_url: str | None
    status: ShowStatus
    stream_state: str
    started_at: datetime | None
    ended_at: datetime | None
    slow_mode_seconds: int
    followers_only: bool
    peak_viewers: int
    unique_viewers: int
    likes: int
    ws_url: str = ""
    hls_url: str = ""


class ShowPage(BaseModel):
    items: list[ShowRead]
    total: int
    page: int
    per_page: int


class StreamKeyRead(BaseModel):
    hint: str = Field(description="The last characters of the key, to recognise it")
    created_at: datetime
    rtmp_url: str = Field(description="Publish to this URL with ?key=YOUR_KEY, after the show id")


class StreamKeyCreated(StreamKeyRead):
    key: str = Field(description="Shown only this once; rotating makes a new one and retires this")


class HostInvitationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    show_id: int
    user_id: int
    status: Literal["proposed", "accepted", "declined", "cancelled"]
    created_at: datetime
    answered_at: datetime | None
    answerable: bool = Field(False, description="The invited user can still accept or decline")
    show_title: str = ""
    scheduled_at: datetime | None = None
    shop_id: int | None = None
    shop_name: str = ""
    host_name: str = Field("", description="The invited user's name")
