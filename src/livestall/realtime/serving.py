"""Serving one room socket: handshake checks, join, the receive loop, refusals and closes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State

from livestall import metrics
from livestall.errors import DomainError, FieldProblem, Forbidden, TooManyRequests
from livestall.realtime import admission, audience, config, protocol
from livestall.realtime.connection import CLOSE_FLOODING, CLOSE_UNAUTHORIZED, ConnectRequest, Later, RoomConnection

if TYPE_CHECKING:
    from livestall.realtime.admission import AddressCap
    from livestall.realtime.brokers import Broker
    from livestall.realtime.connection import RoomHandler
    from livestall.realtime.hub import Hub
    from livestall.realtime.presence import Counts, PresenceTracker

log = logging.getLogger("livestall.realtime")

OPEN = State.OPEN
ORIGIN_REFUSED = "origin_not_allowed"  # the close reason of a room opened from a website not allowed


class ConnectionServer:
    """The per-connection half of RealtimeGateway (a mixin: the gateway owns the state used here)."""

    handler: RoomHandler
    hub: Hub
    broker: Broker
    presence: PresenceTracker | None
    frame_types: set[str]
    tap_types: set[str]
    origins: set[str] | None
    # (show id, page origin) -> allowed: a domain's per-show list of websites (the shop's embed origins)
    origin_policy: Callable[[int, str], Awaitable[bool]] | None
    proxies: config.TrustedProxies
    cap: AddressCap
    _users: dict[str, set[RoomConnection]]
    _ended: dict[str, tuple[float, str, str]]
    _accepting: bool
    _conns: dict[int, RoomConnection]
    _answering: set[asyncio.Future]  # answers still to come (`Later`), held until they are sent

    def _counts(self, show_id: int, joining: int) -> Counts:
        raise NotImplementedError

    def _next_id(self) -> int:
        raise NotImplementedError

    def _track_user(self, conn: RoomConnection, started: float) -> None:
        if conn.user_id is None:
            return
        self._users.setdefault(conn.user_id, set()).add(conn)
        ended = self._ended.get(conn.user_id)
        if ended is not None and ended[0] >= started:  # the login ended while this socket was authenticating
            self._close_ended(conn, ended[1], ended[2])

    def _untrack_user(self, conn: RoomConnection) -> None:
        if conn.user_id is None:
            return
        conns = self._users.get(conn.user_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self._users[conn.user_id]

    def _end_sessions(self, user_id: str, reason: str, message: str) -> None:
        self.handler.on_session_end(user_id)
        now = time.monotonic()
        self._ended[user_id] = (now, reason, message)
        if len(self._ended) > 10_000:  # only sockets still authenticating need the record: a minute is plenty
            self._ended = {k: v for k, v in self._ended.items() if now - v[0] < 60}
        for conn in list(self._users.get(user_id, ())):
            self._close_ended(conn, reason, message)

    def _close_ended(self, conn: RoomConnection, reason: str, message: str) -> None:
        self.hub.send(conn, protocol.session_ended(reason, message))
        conn.close(CLOSE_UNAUTHORIZED, protocol.SESSION_ENDED)

    def _check_request(self, ws: ServerConnection, request: Request) -> Response | None:
        path = urlsplit(request.path).path
        if not config.ROOM_PATH.match(path):
            return ws.respond(HTTPStatus.NOT_FOUND, "no such room\n")
        if not config.origin_ok(request.headers.get("Origin"), self.origins) and self.origin_policy is None:
            return ws.respond(HTTPStatus.FORBIDDEN, "origin not allowed\n")  # else asked per show in _serve
        if not self._accepting:
            return ws.respond(HTTPStatus.SERVICE_UNAVAILABLE, "shutting down\n")
        return None

    def _connect_request(self, ws: ServerConnection) -> ConnectRequest:
        assert ws.request is not None
        parts = urlsplit(ws.request.path)
        match = config.ROOM_PATH.match(parts.path)
        assert match is not None
        cookies: dict[str, str] = {}
        for header in ws.request.headers.get_all("Cookie"):
            for item in header.split(";"):
                name, _, value = item.strip().partition("=")
                if name:
                    cookies.setdefault(name, value)
        peer = ws.remote_address[0] if ws.remote_address else None
        query = dict(parse_qsl(parts.query))
        return ConnectRequest(int(match.group(1)), parts.path, ws.request.headers, cookies, query,
                              self.proxies.client(peer, ws.request.headers.get_all("X-Forwarded-For")),
                              ws.request.headers.get("Origin"), query.get("viewer"))

    async def _serve(self, ws: ServerConnection) -> None:
        request = self._connect_request(ws)
        show_id = request.show_id
        started = time.monotonic()
        if not config.origin_ok(request.origin, self.origins) and not await self._origin_allowed(show_id, request):
            await self._refuse(ws, Forbidden("this website may not open this show's room", [FieldProblem(
                "origin", ORIGIN_REFUSED, f"{request.origin} is not among the shop's allowed websites")]))
            return
        try:
            audience.browser_id(request.browser_id)
            principal = await self.handler.authenticate(request)
        except Exception as exc:
            await self._refuse(ws, exc)
            return
        conn = RoomConnection(self, ws, self._next_id(), request, principal)  # type: ignore[arg-type]
        if conn.user_id is None and self.cap.limit:
            admitted, shared = await self.cap.admit(show_id, request.remote_addr or "")
            if not admitted:
                await self._refuse(ws, admission.refusal(self.cap.limit))
                return
            conn.capped = shared
        self._conns[conn.id] = conn
        self._track_user(conn, started)
        metrics.ROOM_CONNECTIONS_OPENED.inc()
        self.hub.add(conn)  # hold batches from now on, so that none fall between snapshot and join
        joined = False
        try:
            await self.broker.watch(show_id)
            try:
                state = await self.handler.on_join(show_id, principal, conn)
            except Exception as exc:
                self.hub.remove(conn)
                await self._refuse(ws, exc)
                return
            joined = True
            self.presence.joined(show_id, conn.viewer_key)  # type: ignore[union-attr]
            self.hub.ready(conn, protocol.snapshot(show_id, state, self._counts(show_id, joining=1).as_dict()))
            await self._receive(conn)
        except ConnectionClosed:
            pass
        finally:
            self.hub.remove(conn)
            self._conns.pop(conn.id, None)
            self._untrack_user(conn)
            if conn.capped is not None:
                self.cap.release(show_id, request.remote_addr or "", conn.capped)
            if joined:
                self.presence.left(show_id, conn.viewer_key)  # type: ignore[union-attr]
                try:
                    await self.handler.on_leave(show_id, principal, conn)
                except Exception:
                    log.exception("on_leave failed", extra={"show_id": show_id})

    async def _origin_allowed(self, show_id: int, request: ConnectRequest) -> bool:
        """Whether the show's own list admits a page origin the app does not allow everywhere."""
        try:
            return self.origin_policy is not None and await self.origin_policy(show_id, request.origin or "")
        except Exception:
            log.exception("origin check failed", extra={"show_id": show_id})
            return False

    async def _refuse(self, ws: ServerConnection, exc: BaseException) -> None:
        reason = getattr(exc, "slug", "internal")
        if isinstance(exc, DomainError):
            problem = exc.errors[0] if exc.errors else None
            frame = protocol.error(exc.slug, exc.detail, problem and problem.field, rule=problem and problem.rule)
            code, reason = 4000 + exc.status, problem.rule if problem else exc.slug  # the close names the rule
        else:
            log.error("room join failed", exc_info=exc)
            frame, code = protocol.error(protocol.INTERNAL, "internal error"), 1011
        try:
            await ws.send(frame.decode())
        except ConnectionClosed:
            return
        await _close_and_drain(ws, code, reason)

    async def _receive(self, conn: RoomConnection) -> None:
        hub, handler, show_id, principal = self.hub, self.handler, conn.show_id, conn.principal
        async for message in conn.ws:
            if conn.protocol.state is not OPEN:
                # Closing (kicked, flooding, stopping): keep reading, so that the peer's close
                # frame is not stuck behind a full receive queue, but act on nothing.
                continue
            hub.arrived()
            budget = conn.bucket.take()
            problem: protocol.FrameError | None = None
            try:
                frame = protocol.parse_client_frame(message, self.frame_types)
            except protocol.FrameError as exc:
                frame, problem = None, exc
            ref = frame.get("id") if frame is not None else problem.ref  # type: ignore[union-attr]
            if not budget.allowed:
                hub.send(conn, protocol.error(protocol.RATE_LIMITED,
                                              f"too many frames; retry in {budget.retry_after_s:.1f}s", ref=ref))
                if conn.strikes.add():
                    conn.close(CLOSE_FLOODING, "flooding")
                continue
            if problem is not None:
                hub.send(conn, protocol.error(problem.code, problem.message, problem.field, ref))
                continue
            assert frame is not None
            kind = frame["type"]
            if kind in self.tap_types and principal is not None:  # (one without a login is refused: no storm)
                hub.tapped()
            try:
                if kind == "ping":
                    conn.send("pong", ref=ref)
                elif kind == "sync":
                    state = await handler.snapshot(show_id, principal, conn)
                    hub.send(conn, protocol.snapshot(show_id, state, self._counts(show_id, joining=0).as_dict()))
                else:
                    result = await handler.on_frame(show_id, principal, frame, conn)
                    if isinstance(result, Later):
                        self._answer_later(conn, kind, ref, result)
                    elif ref is not None:
                        conn.send("ack", ref=ref, **({"data": result} if result is not None else {}))
            except ConnectionClosed:
                raise
            except Exception as exc:
                self._refuse_frame(conn, kind, ref, exc)

    def _answer_later(self, conn: RoomConnection, kind: str, ref: str | None, later: Later) -> None:
        """Ack or refuse a frame, as the receive loop would have, once its answer is done (a future costs no task:
        a burst of bids is thousands of them)."""
        answer = asyncio.ensure_future(later.answer)
        self._answering.add(answer)

        def answered(done: asyncio.Future) -> None:
            self._answering.discard(done)
            if done.cancelled():
                return
            exc = done.exception()
            if exc is None:
                if ref is not None:
                    result = done.result()
                    conn.send("ack", ref=ref, **({"data": result} if result is not None else {}))
            elif not isinstance(exc, ConnectionClosed):
                self._refuse_frame(conn, kind, ref, exc)

        answer.add_done_callback(answered)

    def _refuse_frame(self, conn: RoomConnection, kind: str, ref: str | None, exc: Exception) -> None:
        """The `error` frame for a frame its handler refused (or failed on); floods earn strikes."""
        if isinstance(exc, DomainError):
            conn.send_error(exc, ref)
            if isinstance(exc, TooManyRequests) and conn.strikes.add():
                conn.close(CLOSE_FLOODING, "flooding")
            return
        log.error("room frame handler failed", exc_info=exc, extra={"show_id": conn.show_id, "frame_type": kind})
        self.hub.send(conn, protocol.error(protocol.INTERNAL, "internal error", ref=ref))


async def _close_and_drain(ws: ServerConnection, code: int, reason: str) -> None:
    """Close `ws`, reading (and ignoring) what the client still sends until its close frame arrives."""
    closing = asyncio.create_task(ws.close(code, reason))
    try:
        async for _ in ws:
            pass
    except ConnectionClosed:
        pass
    await closing
