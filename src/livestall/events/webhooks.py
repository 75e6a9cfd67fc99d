"""Webhook events: what a shop's or an agency's endpoint is told, as the `data` of each signed delivery."""

from __future__ import annotations

from typing import Any

from livestall.events.registry import Declarations, Payload, Timestamp

DECLARED = Declarations()


@DECLARED.webhook("show.started", "show.ended", when="a show went live; or ended")
class ShowHook(Payload):
    show_id: int
    shop_id: int
    host_id: int
    title: str
    status: str
    language: str
    market: str
    started_at: Timestamp | None
    ended_at: Timestamp | None


@DECLARED.webhook("order.paid", "order.refunded",
                  when="an order was paid (wallet or Stripe); or a paid order was cancelled or refunded")
class OrderHook(Payload):
    order_id: int
    ref: str
    shop_id: int
    show_id: int | None
    product_id: int
    quantity: int
    total_minor: int
    currency: str
    status: str
    payment_provider: str | None


@DECLARED.webhook("opening.result", when="a paid opening's outcome was recorded")
class OpeningHook(Payload):
    lot_id: int
    ticket_id: int
    show_id: int
    kind: str
    buyer_id: int
    outcome: dict[str, Any] | None
    opened_at: Timestamp | None
