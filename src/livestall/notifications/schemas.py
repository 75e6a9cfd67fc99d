"""Notification request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from livestall.validation import StrictInput


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    show_id: int
    data: dict
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationRead]
    total: int
    unread: int
    page: int
    per_page: int


class UnreadCount(BaseModel):
    unread: int


class MarkRead(StrictInput):
    ids: list[int] | None = Field(None, max_length=500)  # None = all


class Channels(StrictInput):
    in_app: bool = True
    push: bool = True
    email: bool = False


class NotificationSettingsIn(StrictInput):
    go_live: Channels | None = None
    reminder: Channels | None = None


class NotificationSettingsRead(BaseModel):
    user_id: int
    go_live: Channels
    reminder: Channels
    push_available: bool
    email_available: bool


class PushKeys(StrictInput):
    p256dh: str = Field(min_length=1, max_length=200)
    auth: str = Field(min_length=1, max_length=100)


class PushSubscriptionIn(StrictInput):
    endpoint: str = Field(min_length=8, max_length=1000)
    keys: PushKeys


class PushKey(BaseModel):
    enabled: bool
    public_key: str


class Profile(BaseModel):
    kind: Literal["host", "shop"]
    id: int
    name: str
    followers: int
    following: bool | None  # None for an anonymous caller
