"""Every declared event type, in three registries: what an Event may carry, private frames, webhook events."""

from __future__ import annotations

from livestall.events import openings, room, selling, vouchers, webhooks
from livestall.events import auctions
from livestall.events import giveaways
from livestall.events.registry import Registry

_MODULES = (room.DECLARED, selling.DECLARED, vouchers.DECLARED, openings.DECLARED, webhooks.DECLARED,
            auctions.DECLARED, giveaways.DECLARED)

# What `Event(show_id, type, data)` may carry: the room's events, and those a room part routes to single viewers.
ROOM_EVENTS = Registry("room event", ("room", "routed"), *_MODULES)
PRIVATE_FRAMES = Registry("private frame", ("frame",), *_MODULES)
WEBHOOK_EVENTS = Registry("webhook event", ("webhook",), *_MODULES)
