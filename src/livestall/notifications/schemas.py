"""Notification request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from livestall.notifications.models import KINDS
from livestall.validation import StrictInput


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    show_id: int | None  # a show's kinds
    order_id: int | None  # order_*
    booking_id: int | None  # booking_*
    ticket_id: int | None  # opening_*
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


# One field per kind (models.KINDS): a kind left out of a PUT keeps its channels.
NotificationSettingsIn = create_model("NotificationSettingsIn", __base__=StrictInput,
                                      **{kind: (Channels | None, None) for kind in KINDS})
NotificationSettingsRead = create_model("NotificationSettingsRead", user_id=(int, ...),
                                        **{kind: (Channels, ...) for kind in KINDS},
                                        push_available=(bool, ...), email_available=(bool, ...))


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
