"""Where the room WebSocket server listens, the URL clients use, and which page origins may connect."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from livestall.settings import Settings

ROOM_PATH = re.compile(r"^/ws/shows/(\d{1,18})/?$")


def ws_bind(settings: Settings) -> tuple[str, int]:
    """(host, port) the room server listens on: `ws_port`, or the app port + 1."""
    return settings.ws_host or settings.host, settings.ws_port or settings.port + 1


def ws_base_url(settings: Settings) -> str:
    """The public ws:// or wss:// base of the room server, without a trailing slash."""
    if settings.ws_public_url:
        return settings.ws_public_url.rstrip("/")
    public = urlsplit(settings.public_url)
    scheme = "wss" if public.scheme == "https" else "ws"
    return f"{scheme}://{public.hostname or settings.host}:{ws_bind(settings)[1]}"


def ws_url(settings: Settings, show_id: int) -> str:
    """The URL of a show's room, for the show's JSON (`ws_url`)."""
    return f"{ws_base_url(settings)}/ws/shows/{show_id}"


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower-cased, as browsers send it in Origin."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins(settings: Settings) -> set[str] | None:
    """Page origins allowed to open a room (the app's own, plus configured ones); None = any."""
    if "*" in settings.ws_allowed_origins:
        return None
    return {origin_of(settings.public_url)} | {origin_of(o) for o in settings.ws_allowed_origins}


def origin_ok(origin: str | None, allowed: set[str] | None) -> bool:
    """Whether a handshake's Origin is acceptable.

    Browsers always send Origin, so checking it stops other sites from opening rooms with a
    viewer's cookies (cross-site WebSocket hijacking). Clients that send none are not
    browsers and carry no victim's cookies, so they pass.
    """
    if origin is None or allowed is None:
        return True
    return origin.strip().rstrip("/").lower() in allowed
