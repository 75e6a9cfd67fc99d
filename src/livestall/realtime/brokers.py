"""Brokers carry room events between app processes: in-process by default, Redis pub/sub to scale out."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from livestall.events import Event

log = logging.getLogger("livestall.realtime.broker")

OnEvent = Callable[[Event], None]
OnControl = Callable[[int, dict[str, Any]], None]
ALL_SHOWS = 0  # the show id of control messages for every process (no show has id 0)


class Broker(Protocol):
    """What the gateway needs from a broker; `publish` and `control` never block the caller."""

    node_id: str

    def bind(self, on_event: OnEvent, on_control: OnControl) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def publish(self, event: Event) -> None: ...
    def control(self, show_id: int, message: dict[str, Any]) -> None: ...
    def control_all(self, message: dict[str, Any]) -> None: ...
    async def watch(self, show_id: int) -> None: ...
    def unwatch(self, show_id: int) -> None: ...


class MemoryBroker:
    """One process: publishing is delivering."""

    def __init__(self, node_id: str = "local") -> None:
        self.node_id = node_id
        self._on_event: OnEvent = lambda event: None
        self._on_control: OnControl = lambda show_id, message: None

    def bind(self, on_event: OnEvent, on_control: OnControl) -> None:
        """Set where delivered events and control messages go."""
        self._on_event, self._on_control = on_event, on_control

    async def start(self) -> None:
        """Nothing to start in process."""

    async def stop(self) -> None:
        """Nothing to stop in process."""

    def publish(self, event: Event) -> None:
        """Deliver `event` to this process's room."""
        self._on_event(event)

    def control(self, show_id: int, message: dict[str, Any]) -> None:
        """Deliver a control message (kick, private send) to this process."""
        self._on_control(show_id, message)

    def control_all(self, message: dict[str, Any]) -> None:
        """Deliver a control message about no one show (a user's login ended) to this process."""
        self._on_control(ALL_SHOWS, message)

    async def watch(self, show_id: int) -> None:
        """Nothing to subscribe to in process."""

    def unwatch(self, show_id: int) -> None:
        """Nothing to unsubscribe from in process."""


class RedisBroker:
    """Redis pub/sub, one channel per show watched here; local delivery never waits on Redis."""

    def __init__(self, client: Any, node_id: str, *, subscriber: Any = None, prefix: str = "livestall:rt",
                 max_queue: int = 20_000) -> None:
        self.client = client  # redis.asyncio.Redis, for PUBLISH
        # The pub/sub client should not retry on its own: redis-py would reconnect and
        # resubscribe silently, and we would never tell the rooms that they missed events.
        self.subscriber = subscriber or client
        self.node_id = node_id
        self.prefix = prefix
        self.connected = False
        self._on_event: OnEvent = lambda event: None
        self._on_control: OnControl = lambda show_id, message: None
        # Bounded: during an outage the oldest messages go first, and rooms resync afterwards.
        self._outbox: deque[tuple[int, bytes]] = deque(maxlen=max_queue)
        self._wake = asyncio.Event()
        self._watched: set[int] = set()
        self._subscribed: set[int] = set()
        self._waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._lost_shows: set[int] = set()

    def bind(self, on_event: OnEvent, on_control: OnControl) -> None:
        """Set where delivered events and control messages go."""
        self._on_event, self._on_control = on_event, on_control

    def _channel(self, show_id: int) -> str:
        # Every process listens to the nodes channel, whatever shows it serves.
        return f"{self.prefix}:show:{show_id}" if show_id != ALL_SHOWS else f"{self.prefix}:nodes"

    async def start(self) -> None:
        """Start the sender and the listener; they reconnect on their own."""
        self._wake = asyncio.Event()
        self._tasks = [asyncio.create_task(self._send_loop(), name="redis-broker-send"),
                       asyncio.create_task(self._listen_loop(), name="redis-broker-listen")]

    async def stop(self) -> None:
        """Stop both loops, then flush what is still queued (briefly)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        try:
            await asyncio.wait_for(self._flush(), 1.0)
        except Exception:
            log.warning("dropped %d queued messages on stop", len(self._outbox))

    async def _flush(self) -> None:
        while self._outbox:
            await self._send_batch()

    def publish(self, event: Event) -> None:
        """Deliver locally now, and queue `event` for the other processes."""
        self._on_event(event)
        message = {"k": "e", "t": event.type, "d": event.data}
        if event.at is not None:
            message["a"] = event.at
        self._enqueue(event.show_id, message)

    def control(self, show_id: int, message: dict[str, Any]) -> None:
        """Apply a control message locally now, and queue it for the other processes."""
        self._on_control(show_id, message)
        self._enqueue(show_id, message)

    def control_all(self, message: dict[str, Any]) -> None:
        """Apply a control message about no one show locally now, and queue it for every other process."""
        self._on_control(ALL_SHOWS, message)
        self._enqueue(ALL_SHOWS, message)

    def _enqueue(self, show_id: int, message: dict[str, Any]) -> None:
        try:
            payload = json.dumps({"o": self.node_id, "s": show_id, **message}, separators=(",", ":"), default=str)
        except (TypeError, ValueError):
            log.exception("unencodable message for show %s", show_id)
            return
        if len(self._outbox) == self._outbox.maxlen:
            self._lost_shows.add(self._outbox[0][0])
        self._outbox.append((show_id, payload.encode()))
        self._wake.set()

    async def watch(self, show_id: int) -> None:
        """Subscribe to the show's channel; returns once subscribed, or after 1 s if Redis is down."""
        self._watched.add(show_id)
        if show_id in self._subscribed:
            return
        fut = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(show_id, []).append(fut)
        try:
            await asyncio.wait_for(asyncio.shield(fut), 1.0)
        except TimeoutError:
            log.warning("joined show %s before its Redis subscription was confirmed", show_id)

    def unwatch(self, show_id: int) -> None:
        """Stop receiving the show's channel (its last local viewer left)."""
        self._watched.discard(show_id)

    # -- sending ------------------------------------------------------------------------------

    async def _send_loop(self) -> None:
        backoff = 0.2
        while True:
            if not self._outbox:
                self._wake.clear()
                await self._wake.wait()
            try:
                await self._send_batch()
                if self._lost_shows:
                    # Other processes missed messages for these shows: make their viewers resync.
                    lost, self._lost_shows = self._lost_shows, set()
                    for show_id in lost:
                        self._enqueue(show_id, {"k": "resync", "reason": "broker"})
                backoff = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("redis publish failed (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff * (1 + random.random()))
                backoff = min(backoff * 2, 10.0)

    async def _send_batch(self) -> None:
        items = [self._outbox.popleft() for _ in range(min(len(self._outbox), 1000))]
        if not items:
            return
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for show_id, payload in items:
                    pipe.publish(self._channel(show_id), payload)
                await pipe.execute()
        except BaseException:
            self._lost_shows.update(show_id for show_id, _ in items)
            raise

    # -- receiving ----------------------------------------------------------------------------

    async def _listen_loop(self) -> None:
        backoff, failed = 0.2, False
        node_channel = self._channel(ALL_SHOWS)
        while True:
            pubsub = self.subscriber.pubsub()
            try:
                # Copy first: shows watched while SUBSCRIBE is in flight are picked up below.
                initial = set(self._watched)
                await pubsub.subscribe(node_channel, *(self._channel(s) for s in initial))
                self._subscribed = initial
                self.connected, backoff = True, 0.2
                if failed:
                    failed = False
                    log.info("redis broker reconnected")
                    for show_id in self._subscribed:  # we may have missed events while away
                        self._on_control(show_id, {"k": "broker", "up": True})
                        self._on_control(show_id, {"k": "resync", "reason": "broker"})
                while True:
                    await self._sync_subscriptions(pubsub)
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.05)
                    while message is not None:
                        self._receive(message)
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0)
            except asyncio.CancelledError:
                await _quietly(pubsub.aclose())
                raise
            except Exception as exc:
                if not failed:  # tell this process's viewers once per outage that chat is degraded
                    for show_id in self._watched:
                        self._on_control(show_id, {"k": "broker", "up": False})
                self.connected, failed = False, True
                self._subscribed = set()
                log.warning("redis subscription lost (%s); reconnecting in %.1fs", exc, backoff)
                await _quietly(pubsub.aclose())
                await asyncio.sleep(backoff * (1 + random.random()))
                backoff = min(backoff * 2, 10.0)

    async def _sync_subscriptions(self, pubsub: Any) -> None:
        add, drop = self._watched - self._subscribed, self._subscribed - self._watched
        if add:
            await pubsub.subscribe(*(self._channel(s) for s in add))
            self._subscribed |= add
        if drop:
            self._subscribed -= drop  # before the await: a re-watch meanwhile must wait for SUBSCRIBE
            await pubsub.unsubscribe(*(self._channel(s) for s in drop))
        # Redis handles a connection's commands in order, so once SUBSCRIBE is written every
        # later PUBLISH reaches us: the joiner may take its snapshot now.
        for show_id in [s for s in self._waiters if s in self._subscribed]:
            for fut in self._waiters.pop(show_id):
                if not fut.done():
                    fut.set_result(None)

    def _receive(self, message: dict[str, Any]) -> None:
        try:
            body = json.loads(message["data"])
            if body.get("o") == self.node_id:
                return  # delivered locally when published
            show_id = int(body["s"])
            if body.get("k") == "e":
                self._on_event(Event(show_id, body["t"], body.get("d") or {}, body.get("a")))
            else:
                self._on_control(show_id, body)
        except Exception:
            log.exception("bad broker message on %s", message.get("channel"))


async def _quietly(awaitable: Any) -> None:
    try:
        await awaitable
    except Exception:
        pass
