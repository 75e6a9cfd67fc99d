"""Show request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from livestall.validation import CountryCode, StrictInput

Language = Literal["en", "es", "fr", "zh", "ar"]
ShowStatus = Literal["scheduled", "live", "ended", "cancelled"]
ShowWhen = Literal["live", "upcoming", "past"]


class ShowCreate(StrictInput):
    shop_id: int
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    host_id: int | None = Field(None, description="The presenter; yourself when omitted")
    language: Language
    market: CountryCode = Field(description="Target market, an ISO country code such as ES")
    category: str = Field("", max_length=64)
    scheduled_at: AwareDatetime


class ShowUpdate(StrictInput):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    language: Language | None = None
    market: CountryCode | None = None
    category: str | None = Field(None, max_length=64)
    scheduled_at: AwareDatetime | None = None


class ShowRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    host_id: int
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
