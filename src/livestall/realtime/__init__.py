"""Live rooms: per-show fan-out (hub), brokers (memory, Redis), the WebSocket gateway, presence, rate limits."""

from __future__ import annotations

from livestall.realtime.config import ws_url
from livestall.realtime.connection import (BaseRoomHandler, ConnectRequest, Later, Limits, RoomConnection,
                                          RoomHandler)
from livestall.realtime.gateway import RealtimeGateway
from livestall.realtime.presence import Counts
from livestall.realtime.ratelimit import RateLimiter, RateResult

__all__ = ["BaseRoomHandler", "ConnectRequest", "Counts", "Later", "Limits", "RateLimiter", "RateResult",
           "RealtimeGateway", "RoomConnection", "RoomHandler", "ws_url"]
