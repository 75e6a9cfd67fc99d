"""Serving the rooms: the live room behind the realtime gateway, for as long as the process runs."""

from __future__ import annotations

from contextlib import asynccontextmanager

from livestall.accounts.ending import serve_session_ends
from livestall.live.room import LiveRoom
from livestall.realtime import Limits, RealtimeGateway


def _ignore_session_end(user_id, reason, message) -> None:
    return None


def _ignore_change(user_id) -> None:
    return None


@asynccontextmanager
async def serve_rooms(room: LiveRoom, settings, sessionmaker):
    """Start the gateway with `room` behind it; yield the gateway; drain and stop both at the end."""
    limits = Limits(anonymous_per_address=settings.realtime_anonymous_per_address)
    gateway = RealtimeGateway(room, settings, limits=limits)
    room.serve_with(gateway)
    await gateway.start()
    # A logout closes the user's sockets; a changed profile is forgotten by every process's token cache.
    serve_session_ends(sessionmaker, gateway.end_user_sessions, gateway.user_changed)
    try:
        yield gateway
    finally:
        serve_session_ends(sessionmaker, _ignore_session_end, _ignore_change)
        await gateway.stop(drain=True)
        await room.stop()
