"""RealtimeGateway: the in-process `websockets` server for show rooms, started from the app's lifespan."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import random
import threading
import uuid
from collections.abc import Iterable
from functools import partial
from typing import Any

from websockets.asyncio.server import Server, serve

from livestall import metrics
from livestall.events import Event
from livestall.realtime import config, protocol
from livestall.realtime.admission import AddressCap
from livestall.realtime.brokers import ALL_SHOWS, Broker, MemoryBroker, RedisBroker
from livestall.realtime.connection import CLOSE_FORBIDDEN, CLOSE_RESTART, Limits, RoomConnection, RoomHandler
from livestall.realtime.heap import HeapKeeper
from livestall.realtime.hub import Hub
from livestall.realtime.keepalive import RoomSocket
from livestall.realtime.presence import Counts, MemoryPresence, PresenceTracker
from livestall.realtime.presence_redis import RedisPresence
from livestall.realtime.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from livestall.realtime.serving import ConnectionServer
from livestall.settings import Settings, get_settings

log = logging.getLogger("livestall.realtime")


class RealtimeGateway(ConnectionServer):
    """Serves /ws/shows/{show_id}; fans events out through the hub; delegates the domain to a RoomHandler."""

    def __init__(self, handler: RoomHandler, settings: Settings | None = None, *, host: str | None = None,
                 port: int | None = None, redis_url: str | None = None, limits: Limits | None = None,
                 node_id: str | None = None) -> None:
        self.settings = settings or get_settings()
        self.handler = handler
        bind_host, bind_port = config.ws_bind(self.settings)
        self.host = host if host is not None else bind_host
        self._port = port if port is not None else bind_port  # 0 = any free port (tests)
        self.redis_url = redis_url if redis_url is not None else self.settings.redis_url
        self.limits = limits or Limits()
        self.node_id = node_id or f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.frame_types: set[str] = set()
        self.tap_types: set[str] = set()  # frames answered to their sender alone: a storm of them yields fan-out
        self.origins = config.allowed_origins(self.settings)
        self.origin_policy = None  # set by a room part that knows which websites each show allows
        self.proxies = config.TrustedProxies()
        self.cap = AddressCap(self.limits.anonymous_per_address, self.node_id)
        self.hub = Hub(tick_s=self.settings.realtime_tick_ms / 1000,
                       storm_taps_per_s=self.settings.realtime_storm_taps_per_s,
                       buffer_bytes=self.settings.realtime_buffer_kb * 1024,
                       on_open=self._room_opened, on_close=self._room_closed)
        self.broker: Broker = MemoryBroker(self.node_id)
        self.presence: PresenceTracker | None = None
        self.rate_limiter: RateLimiter = MemoryRateLimiter()
        self.redis: Any = None
        self._subscriber: Any = None
        self._server: Server | None = None
        self._accepting = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._background: set[asyncio.Task[Any]] = set()
        self._conns: dict[int, RoomConnection] = {}
        self._answering: set[asyncio.Future] = set()
        self._users: dict[str, set[RoomConnection]] = {}  # user id -> their sockets here, to end a login
        self._ended: dict[str, tuple[float, str, str]] = {}  # user id -> when (monotonic) and why a login ended
        self._ids = itertools.count(1)

    # -- public API ---------------------------------------------------------------------------

    def register(self, *frame_types: str, taps: Iterable[str] = ()) -> None:
        """Accept these client frame types (others get an `unknown-type` error frame); `taps` among them are
        answered to their sender alone (bids, purchases), and thousands a second make fan-out yield to them."""
        self.frame_types.update(frame_types)
        self.tap_types.update(taps)

    @property
    def port(self) -> int:
        """The port actually listened on."""
        if self._server is not None:
            return self._server.sockets[0].getsockname()[1]
        return self._port

    def ws_url(self, show_id: int) -> str:
        """The public URL of a show's room (for the show's JSON)."""
        return config.ws_url(self.settings, show_id)

    async def start(self) -> None:
        """Connect the broker (Redis if configured), start the ticker, presence and the server."""
        self._loop, self._thread = asyncio.get_running_loop(), threading.get_ident()
        if self.redis_url:
            import redis.asyncio as aioredis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            # Fail fast rather than stall a chat message on Redis: one immediate retry covers
            # a pooled connection that went stale (Redis restarted), nothing more.
            options: dict[str, Any] = dict(socket_connect_timeout=2, socket_timeout=2, health_check_interval=15)
            self.redis = aioredis.from_url(self.redis_url, retry=Retry(NoBackoff(), 1), **options)
            self._subscriber = aioredis.from_url(self.redis_url, retry=Retry(NoBackoff(), 0), **options)
            self.broker = RedisBroker(self.redis, self.node_id, subscriber=self._subscriber)
            ttl_s = self.settings.realtime_presence_interval_s * 5
            store: Any = RedisPresence(self.redis, self.node_id, ttl_s=ttl_s)
            self.rate_limiter = RedisRateLimiter(self.redis)
            self.cap = AddressCap(self.limits.anonymous_per_address, self.node_id, self.redis, ttl_s=ttl_s)
        else:
            store = MemoryPresence()
        self.broker.bind(self._arrived, self._on_control)
        self.presence = PresenceTracker(store, self.hub.publish, self.settings.realtime_presence_interval_s)
        await self.broker.start()
        metrics.track(metrics.ROOM_CONNECTIONS, lambda: len(self._conns))
        metrics.track(metrics.ROOMS, lambda: len(self.hub.rooms))
        metrics.track(metrics.BROKER_CONNECTED, lambda: float(getattr(self.broker, "connected", True)))
        self._tasks = [asyncio.create_task(self.hub.run(), name="realtime-ticker"),
                       asyncio.create_task(self.presence.run(), name="realtime-presence")]
        if self.settings.realtime_gc_freeze:
            keeper = HeapKeeper(lambda: len(self._conns))
            self.hub.on_storm = keeper.storm
            self._tasks.append(asyncio.create_task(keeper.run(), name="realtime-heap"))
        self._accepting = True
        # compression=None: frames are built once and written raw to every socket, which
        # needs a connection without extensions. max_size lets a too-big frame reach our
        # 4 KB check (error frame, connection kept) instead of closing the socket.
        self._server = await serve(
            self._serve, self.host, self._port, process_request=self._check_request, compression=None,
            max_size=64 * 1024, max_queue=8, write_limit=self.hub.buffer_bytes,
            ping_interval=self.settings.realtime_keepalive_s, ping_timeout=self.settings.realtime_keepalive_s,
            close_timeout=5, server_header=None, backlog=4096, create_connection=partial(RoomSocket, hub=self.hub))
        log.info("realtime gateway listening", extra={"host": self.host, "port": self.port,
                                                        "broker": type(self.broker).__name__})

    async def stop(self, drain: bool = True, timeout: float = 5.0) -> None:
        """Stop accepting; with `drain`, flush pending events and send `reconnect` before closing."""
        if self._server is None:
            return
        server, self._server, self._accepting = self._server, None, False
        server.close(close_connections=False)
        conns = list(self._conns.values())
        if drain:
            await self.hub.flush()
            for conn in conns:
                # Spread the reconnects so that a restarted node is not hit by all at once.
                self.hub.send(conn, protocol.reconnect(random.randint(500, 5000)))
        code, reason = (CLOSE_RESTART, "server restart") if drain else (1001, "going away")
        closing = [asyncio.create_task(c.ws.close(code, reason)) for c in conns]
        if closing:
            _, late = await asyncio.wait(closing, timeout=timeout)
            if late:  # peers that never answered the close: cut them, a stop must end
                log.warning("realtime gateway: aborting %d connections that did not close", len(late))
                for conn in conns:
                    conn.ws.transport.abort()
        try:
            await asyncio.wait_for(server.wait_closed(), 2.0)
        except TimeoutError:
            log.warning("realtime gateway: handlers still running after stop")
        for task in (*self._tasks, *self._answering):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._answering, return_exceptions=True)
        # Redis may be slow or gone: every step below is bounded.
        if self.presence is not None:
            try:  # report the rooms as empty now, rather than waiting for the TTL
                await asyncio.wait_for(self.presence.report_all(), 2.0)
            except Exception:
                pass
        await self.broker.stop()
        if self.redis is not None:
            for client in (self.redis, self._subscriber):
                try:
                    await asyncio.wait_for(client.aclose(), 1.0)
                except Exception:
                    pass

    def publish(self, event: Event) -> None:
        """Queue an event for its show's viewers on every process; never blocks, any thread."""
        loop = self._loop
        if loop is None:
            return
        if threading.get_ident() != self._thread:
            try:
                loop.call_soon_threadsafe(self.broker.publish, event)
            except RuntimeError:  # the loop is closed: the process is shutting down
                log.debug("event dropped after shutdown", extra={"show_id": event.show_id})
        else:
            self.broker.publish(event)

    def stats(self) -> dict[str, Any]:
        """Figures for metrics and health: rooms, sockets, fan-out rounds, drops, broker state."""
        return {"node_id": self.node_id, "rooms": len(self.hub.rooms), "connections": len(self._conns),
                "broker": type(self.broker).__name__, "broker_connected": getattr(self.broker, "connected", True),
                **self.hub.stats}

    def send(self, conn_id: int, type: str, **fields: Any) -> bool:
        """Send a private frame to one connection of this process; False if gone or dropped."""
        conn = self._conns.get(conn_id)
        return conn.send(type, **fields) if conn is not None else False

    def send_to_user(self, show_id: int, user_id: Any, type: str, **fields: Any) -> None:
        """Send a private frame to every socket of a user in a show, on every process."""
        self.broker.control(show_id, {"k": "user", "u": str(user_id), "f": {"type": type, **fields}})

    def disconnect_user(self, show_id: int, user_id: Any, *, code: int = CLOSE_FORBIDDEN,
                        reason: str = "banned") -> None:
        """Close every socket of a user in a show, on every process (a ban or kick)."""
        self.broker.control(show_id, {"k": "kick", "u": str(user_id), "c": code, "r": reason})

    def end_user_sessions(self, user_id: Any, reason: str, message: str) -> None:
        """Close every room socket of a user, in every show, on every process: their login ended.

        Each gets a `session_ended` notice, then close code 4401 with reason `session_ended`.
        Safe from any thread (it runs after a database commit).
        """
        self._control_all({"k": "end", "u": str(user_id), "r": reason, "m": message})

    def user_changed(self, user_id: Any) -> None:
        """Tell every process's room handler that a user's profile or roles changed. Safe from any thread."""
        self._control_all({"k": "changed", "u": str(user_id)})

    def _control_all(self, control: dict[str, Any]) -> None:
        loop = self._loop
        if loop is None:
            return
        try:
            loop.call_soon_threadsafe(self.broker.control_all, control)
        except RuntimeError:  # the loop is closed: the process is shutting down
            pass

    def viewer_counts(self, show_id: int) -> Counts:
        """The show's latest counts (concurrent, peak, unique), as pushed in `viewers` events."""
        return self._counts(show_id, joining=0)

    def viewer_sample(self) -> dict[int, int]:
        """Concurrent viewers per show that this process speaks for, by the audience rule (for insights samples)."""
        return self.presence.sample() if self.presence is not None else {}

    def _next_id(self) -> int:
        return next(self._ids)

    def _counts(self, show_id: int, joining: int) -> Counts:
        counts = self.presence.last(show_id) if self.presence else None
        if counts is None:  # no report yet: the distinct viewers this process holds are the best guess
            n = self.presence.local(show_id) if self.presence else 0
            counts = Counts(n, n, n)
        return counts

    def background(self, task: asyncio.Task[Any]) -> None:
        """Keep a fire-and-forget task referenced until it finishes."""
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- internals ----------------------------------------------------------------------------

    def _arrived(self, event: Event) -> None:
        # Every event for a show passes here, from this process or another: the handler hears it
        # first (it keeps the state joiners are sent), then the room's next tick carries it.
        self.handler.on_event(event)
        self.hub.publish(event)

    def _room_opened(self, show_id: int) -> None:
        if self.presence is not None:
            self.presence.opened(show_id)

    def _room_closed(self, show_id: int) -> None:
        self.broker.unwatch(show_id)
        self.handler.on_room_closed(show_id)  # its events stop arriving here: what it kept goes stale

    def _on_control(self, show_id: int, message: dict[str, Any]) -> None:
        kind = message.get("k")
        if show_id == ALL_SHOWS:
            if kind == "end":
                self._end_sessions(str(message.get("u")), str(message.get("r", "")), str(message.get("m", "")))
            elif kind == "changed":
                self.handler.on_user_changed(str(message.get("u")))
            return
        if kind == "resync":
            self.hub.resync_room(show_id, str(message.get("reason", "broker")))
            return
        if kind == "broker":  # Redis lost or back: viewers see that chat reaches only this server meanwhile
            self.hub.send_room(show_id, protocol.broker_notice(bool(message.get("up"))))
            return
        room = self.hub.rooms.get(show_id)
        if room is None:
            return
        # The user's own sockets, from the index by user: a tick's outbid notices are thousands of these, and
        # scanning the room for each was the auction's largest cost in a big room.
        conns = room.conns
        targets = [c for c in self._users.get(str(message.get("u")), ()) if c.show_id == show_id and c.id in conns]
        for conn in targets:
            if kind == "user":
                conn.send(**message["f"])
            elif kind == "kick":
                conn.send("error", code="forbidden", message=str(message.get("r", "")))
                conn.close(int(message.get("c", CLOSE_FORBIDDEN)), str(message.get("r", "")))
