"""Webhook request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from livestall.events.catalog import WEBHOOK_EVENTS
from livestall.validation import StrictInput

# The webhook events an endpoint may ask for: exactly those declared (livestall.events.webhooks).
EventName = Literal[tuple(declared.name for declared in WEBHOOK_EVENTS)]


class WebhookCreate(StrictInput):
    url: str = Field(min_length=8, max_length=2000)
    events: list[EventName] = Field(min_length=1, max_length=len(WEBHOOK_EVENTS))
    description: str = Field("", max_length=200)


class WebhookUpdate(StrictInput):
    events: list[EventName] | None = Field(None, min_length=1, max_length=len(WEBHOOK_EVENTS))
    active: bool | None = None
    description: str | None = Field(None, max_length=200)


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_kind: str
    owner_id: int
    url: str
    events: list[str]
    active: bool
    description: str
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str  # shown once: it signs every delivery


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    endpoint_id: int
    event: str
    event_id: str
    payload: dict
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    log: list[dict]
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    total: int
    page: int
    per_page: int
