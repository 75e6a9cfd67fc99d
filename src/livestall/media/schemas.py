"""Replay response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class Chapter(BaseModel):
    at_s: float = Field(description="Seconds into the replay")
    kind: Literal["product", "question", "opening", "giveaway", "auction"]
    title: str
    product_id: int | None = None
    question_id: int | None = None
    ticket_id: int | None = None
    giveaway_id: int | None = None
    auction_id: int | None = None


class ReplayRead(BaseModel):
    show_id: int
    playlist_url: str
    thumbnail_url: str | None
    duration_s: float
    segments: int
    expires_at: datetime | None
    chapters: list[Chapter]
