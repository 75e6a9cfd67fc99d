"""Where the room WebSocket server listens, the URL clients use, and which page origins may connect."""

from __future__ import annotations

import ipaddress
import os
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


class TrustedProxies:
    """The peers whose X-Forwarded-For is believed: `FORWARDED_ALLOW_IPS`, as uvicorn reads it for HTTP."""

    def __init__(self, spec: str | None = None) -> None:
        spec = spec if spec is not None else os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
        items = [item.strip() for item in spec.split(",") if item.strip()]
        self.any = "*" in items
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self.literals: set[str] = set()
        self._known: dict[str, bool] = {}
        for item in items:
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                self.literals.add(item)

    def __contains__(self, host: object) -> bool:
        if not isinstance(host, str):
            return False
        known = self._known.get(host)
        if known is None:
            known = self._trusted(host)
            if len(host) <= 64:  # every join asks: parse each address once, in bounded memory
                if len(self._known) >= 4096:
                    self._known.clear()
                self._known[host] = known
        return known

    def _trusted(self, host: str) -> bool:
        if self.any or host in self.literals:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def client(self, peer: str | None, forwarded_for: list[str]) -> str | None:
        """The client's address: the peer's, or behind a trusted proxy the nearest untrusted X-Forwarded-For hop."""
        if peer is None or not forwarded_for or peer not in self:
            return peer
        hosts = [host.strip() for value in forwarded_for for host in value.split(",") if host.strip()]
        if not hosts:
            return peer
        if self.any:
            return hosts[0]
        for host in reversed(hosts):  # the hops our own proxies added are on the right
            if host not in self:
                return host
        return hosts[0]
