"""What the chat/shows layer sees of the room socket: the connect request, the connection, the handler."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from livestall.errors import DomainError
from livestall.realtime import protocol
from livestall.realtime.audience import viewer_key
from livestall.realtime.hub import Conn
from livestall.realtime.ratelimit import Bucket, Strikes

if TYPE_CHECKING:
    from livestall.realtime.gateway import RealtimeGateway

# Close codes (4000-4999 are the application's): 4000 + the HTTP status of the refusal.
CLOSE_UNAUTHORIZED = 4401  # refused on join (bad token), or the login ended (reason `session_ended`)
CLOSE_FORBIDDEN = 4403  # refused on join, banned or kicked
CLOSE_NOT_FOUND = 4404
CLOSE_FLOODING = 4429
CLOSE_RESTART = 1012  # graceful stop: reconnect (to another node) after `retry_after_ms`


@dataclass(frozen=True)
class Limits:
    """Per-connection inbound limits: `frames` per `frames_window_s`, then `strikes` refusals and out."""

    frames: int = 30
    frames_window_s: float = 10.0
    strikes: int = 10
    strikes_window_s: float = 10.0
    anonymous_per_address: int = 0  # anonymous sockets per client address in one show; 0 = no cap


@dataclass(frozen=True, slots=True)
class Later:
    """A frame's answer still to come: the room reads the socket's next frames while `answer` is awaited, and
    acks (or refuses) the frame when it is done."""

    answer: Awaitable[dict[str, Any] | None]


@dataclass(frozen=True)
class ConnectRequest:
    """The opening handshake of a room socket, for `authenticate`."""

    show_id: int
    path: str
    headers: Mapping[str, str]  # case-insensitive
    cookies: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    remote_addr: str | None = None  # the client's: behind a trusted proxy, from X-Forwarded-For
    origin: str | None = None
    browser_id: str | None = None  # `?viewer=`: the per-browser id an anonymous viewer is counted by


def principal_id(principal: Any) -> str | None:
    """The principal's id as a string: `.id`, a mapping's ["id"], or the value itself."""
    if principal is None:
        return None
    if isinstance(principal, Mapping):
        value = principal.get("id")
    elif isinstance(principal, (str, int)):
        value = principal
    else:
        value = getattr(principal, "id", None)
    return None if value is None else str(value)


class RoomConnection(Conn):
    """One viewer's socket in one show's room on this process."""

    __slots__ = ("gateway", "ws", "principal", "user_id", "viewer_key", "request", "bucket", "strikes", "capped",
                 "__weakref__")

    def __init__(self, gateway: RealtimeGateway, ws: Any, conn_id: int, request: ConnectRequest,
                 principal: Any) -> None:
        super().__init__(conn_id, request.show_id, ws.transport, ws.protocol)
        self.gateway = gateway
        self.ws = ws
        self.request = request
        self.principal = principal
        self.user_id = principal_id(principal)  # None for anonymous viewers
        # Who this socket counts as (realtime/audience.py): the user, the browser, or itself.
        self.viewer_key = viewer_key(user_id=self.user_id, browser=request.browser_id, node_id=gateway.node_id,
                                     conn_id=conn_id)
        self.capped: bool | None = None  # admitted under the anonymous cap: True if counted in Redis too
        settings = gateway.limits
        self.bucket = Bucket(settings.frames, settings.frames_window_s)
        self.strikes = Strikes(settings.strikes, settings.strikes_window_s)

    def send(self, type: str, **fields: Any) -> bool:
        """Send a private frame to this socket only, without blocking; False if it was dropped."""
        return self.gateway.hub.send(self, protocol.encode({"type": type, **fields}))

    def send_error(self, exc: DomainError, ref: Any = None) -> bool:
        """Send a DomainError as an `error` frame (code = slug, message = detail, the field and the rule broken)."""
        problem = exc.errors[0] if exc.errors else None
        return self.gateway.hub.send(self, protocol.error(exc.slug, exc.detail, problem and problem.field, ref,
                                                          rule=problem and problem.rule))

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close this socket (in the background: the caller never waits on the peer)."""
        reason = reason.encode()[:120].decode(errors="ignore")  # a close reason is at most 123 bytes
        task = asyncio.get_running_loop().create_task(self.ws.close(code, reason))
        self.gateway.background(task)


class RoomHandler(Protocol):
    """What the chat/shows layer implements; BaseRoomHandler gives defaults for all of it."""

    async def authenticate(self, request: ConnectRequest) -> Any | None:
        """The principal behind the request (a user with `.id`), or None for an anonymous viewer.

        Raise Unauthorized to refuse (e.g. a bad token); anonymous viewers may watch.
        """
        ...

    async def on_join(self, show_id: int, principal: Any | None,
                      conn: RoomConnection) -> dict[str, Any] | protocol.EncodedState:
        """Admit the viewer and return the room's state (the `snapshot` frame's data), as a dict or
        already encoded (one encoding shared by many joiners).

        Raise NotFound (no such show) or Forbidden (banned) to refuse: the client gets an
        `error` frame, then a close with code 4000 + the error's HTTP status.
        """
        ...

    async def snapshot(self, show_id: int, principal: Any | None, conn: RoomConnection) -> dict[str, Any]:
        """The room's state again, for a client that sent `sync` after a `resync`."""
        ...

    async def on_frame(self, show_id: int, principal: Any | None, frame: dict[str, Any],
                       conn: RoomConnection) -> dict[str, Any] | Later | None:
        """Handle one client frame of a registered type; raise DomainError to refuse it.

        If the frame carried an `id`, the client gets `{"type": "ack", "ref": id, "data": <return>}`.
        Return `Later(awaitable)` for an answer that waits on other work (a bid on its tick): the socket's next
        frames are read meanwhile, and the ack (or the refusal it raises) goes out when the awaitable is done.
        """
        ...

    async def on_leave(self, show_id: int, principal: Any | None, conn: RoomConnection) -> None:
        """The viewer's socket closed (after a successful join)."""
        ...

    def on_event(self, event: Any) -> None:
        """An event for a show arrived on this process, just before its room's sockets get it (must not block)."""
        ...

    def on_room_closed(self, show_id: int) -> None:
        """The show's last socket on this process left: its events no longer arrive here (must not block)."""
        ...

    def on_session_end(self, user_id: str) -> None:
        """A login of this user ended (heard on every process, before their sockets close; must not block)."""
        ...

    def on_user_changed(self, user_id: str) -> None:
        """This user's profile or roles changed (heard on every process; must not block)."""
        ...


class BaseRoomHandler:
    """A RoomHandler where anyone may watch, state is empty and no client frame is accepted."""

    async def authenticate(self, request: ConnectRequest) -> Any | None:
        return None

    async def on_join(self, show_id: int, principal: Any | None, conn: RoomConnection) -> dict[str, Any]:
        return await self.snapshot(show_id, principal, conn)

    async def snapshot(self, show_id: int, principal: Any | None, conn: RoomConnection) -> dict[str, Any]:
        return {}

    async def on_frame(self, show_id: int, principal: Any | None, frame: dict[str, Any],
                       conn: RoomConnection) -> dict[str, Any] | None:
        raise DomainError.field("type", "unsupported", f"{frame.get('type')!r} is not handled here")

    async def on_leave(self, show_id: int, principal: Any | None, conn: RoomConnection) -> None:
        return None

    def on_event(self, event: Any) -> None:
        return None

    def on_room_closed(self, show_id: int) -> None:
        return None

    def on_session_end(self, user_id: str) -> None:
        return None

    def on_user_changed(self, user_id: str) -> None:
        return None
