"""Starts the live rooms with the app: the chat room handler behind the realtime gateway."""

from __future__ import annotations

from contextlib import asynccontextmanager

from livestall.accounts.ending import serve_session_ends
from livestall.chat.room import FRAME_TYPES, ChatRoomHandler
from livestall.realtime import Limits, RealtimeGateway


@asynccontextmanager
async def live_rooms(app):
    """Serve the show rooms for the app's lifetime; the app's events then reach the rooms."""
    settings = app.state.settings
    handler = ChatRoomHandler(app.state.sessionmaker, settings)
    limits = Limits(anonymous_per_address=settings.realtime_anonymous_per_address)
    gateway = RealtimeGateway(handler, settings, limits=limits)
    gateway.register(*FRAME_TYPES)
    handler.gateway = gateway
    await gateway.start()
    handler.start()
    app.state.gateway, app.state.room_handler = gateway, handler
    app.state.publish = gateway.publish
    serve_session_ends(app.state.sessionmaker, gateway.end_user_sessions)  # a logout closes the user's sockets
    hls_url_for = getattr(app.state, "hls_url_for", None)
    app.state.show_links = lambda request, show: (gateway.ws_url(show.id), hls_url_for(show) if hls_url_for else "")
    try:
        yield
    finally:
        app.state.publish = lambda event: None
        serve_session_ends(app.state.sessionmaker, lambda user_id, reason, message: None)
        await gateway.stop(drain=True)
        await handler.stop()
