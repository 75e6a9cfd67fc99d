"""Per-show rooms: events merged per tick, encoded once, the same bytes written to every socket."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from websockets.protocol import State

from livestall import metrics
from livestall.events import Event
from livestall.realtime import protocol
from livestall.realtime.precedence import Precedence

log = logging.getLogger("livestall.realtime.hub")

OPEN = State.OPEN
STORM_PROBE = 100  # every this many taps between rounds, whether a storm has begun is checked at once
MAX_HELD = 64  # frames kept for a socket whose snapshot is not out yet; beyond that it resyncs


class Conn:
    """One socket in one room as the hub sees it: a transport, its protocol state, its drop flag."""

    __slots__ = ("id", "show_id", "transport", "protocol", "dropping", "held")

    def __init__(self, id: int, show_id: int, transport: Any, protocol: Any) -> None:
        self.id = id
        self.show_id = show_id
        self.transport = transport  # asyncio.Transport: write(), get_write_buffer_size()
        self.protocol = protocol  # anything with .state (a websockets Protocol)
        self.dropping = False  # frames were dropped; a resync is owed once the buffer drains
        # Frames published between join and snapshot wait here, so that a joiner sees no gap.
        self.held: list[bytes] | None = []


class Room:
    """The sockets of one show on this process and the events waiting for the next tick."""

    __slots__ = ("show_id", "conns", "viewers", "pending", "seq", "dropping", "lost")

    def __init__(self, show_id: int) -> None:
        self.show_id = show_id
        self.conns: dict[int, Conn] = {}
        self.viewers = 0  # sockets past their snapshot: the ones presence counts
        self.pending: list[Event] = []
        self.seq = 0
        self.dropping: set[Conn] = set()
        self.lost = False  # pending overflowed: everyone must resync


class Hub:
    """All rooms of this process and the ticker that fans their events out."""

    def __init__(
        self,
        *,
        tick_s: float = 0.1,
        max_tick_s: float = 2.0,
        stretch: float = 1.5,
        crowd_stretch: float = 3.0,
        crowd_arrivals_per_s: float = 100.0,
        storm_stretch: float = 8.0,
        storm_taps_per_s: float = 1000.0,
        buffer_bytes: int = 256 * 1024,
        max_pending: int = 10_000,
        max_batch: int = 1_000,
        chunk: int = 2_000,
        coalesce: Iterable[str] = ("viewers",),
        on_open: Callable[[int], None] | None = None,
        on_close: Callable[[int], None] | None = None,
        on_storm: Callable[[bool], None] | None = None,
        longest_wait_s: float = 0.25,
    ) -> None:
        self.tick_s, self.max_tick_s, self.stretch = tick_s, max_tick_s, stretch
        self.crowd_stretch, self.crowd_arrivals_per_s = crowd_stretch, crowd_arrivals_per_s
        self.storm_stretch, self.storm_taps_per_s = storm_stretch, storm_taps_per_s
        # Sockets added and client frames received since the last round: a crowd arriving (a go-live
        # notification) or tapping at once (a flash sale opening) widens the tick.
        self.arrivals = 0
        # Of those frames, the taps (bids, purchases, claims): each is answered to its sender alone.
        self.taps = 0
        self.buffer_bytes = buffer_bytes
        self.max_pending, self.max_batch, self.chunk = max_pending, max_batch, chunk
        self.coalesce = frozenset(coalesce)
        self.on_open, self.on_close, self.on_storm = on_open, on_close, on_storm
        # Set while no storm of taps is on (see storming_at): keepalive pings wait for it, at most ping_hold_s
        # (realtime/keepalive.py).
        self.calm, self.ping_hold_s = asyncio.Event(), 30.0
        self.calm.set()
        self.counting_since = time.monotonic()  # when `arrivals` and `taps` were last reset
        # Merged writers' transactions go between two chunks of a round (realtime/precedence.py); a chunk waits
        # for them at most this long.
        self.precedence, self.longest_wait_s = Precedence(), longest_wait_s
        self.yielded_cpu_s = 0.0  # of this round's time, the CPU the loop gave those writers
        self.rooms: dict[int, Room] = {}
        self.stats = {"rounds": 0, "batches": 0, "writes": 0, "dropped": 0, "resyncs": 0, "last_round_s": 0.0,
                      "last_round_cpu_s": 0.0, "period_s": tick_s, "stretch": stretch}

    # -- membership ---------------------------------------------------------------------------

    def add(self, conn: Conn) -> None:
        """Put `conn` in its show's room; it receives batches once `ready()` is called."""
        room = self.rooms.get(conn.show_id)
        if room is None:
            room = self.rooms[conn.show_id] = Room(conn.show_id)
            if self.on_open:
                self.on_open(conn.show_id)
        room.conns[conn.id] = conn
        self.arrivals += 1

    def remove(self, conn: Conn) -> None:
        """Take `conn` out of its room; the room goes when its last socket does."""
        room = self.rooms.get(conn.show_id)
        if room is None or room.conns.pop(conn.id, None) is None:
            return
        if conn.held is None:
            room.viewers -= 1
        room.dropping.discard(conn)
        if not room.conns:
            del self.rooms[conn.show_id]
            if self.on_close:
                self.on_close(conn.show_id)

    def ready(self, conn: Conn, first: bytes | None = None) -> None:
        """Write `first` (the snapshot payload), then what was held for `conn` while it joined."""
        if conn.held is None:
            return
        held, conn.held = conn.held, None
        room = self.rooms.get(conn.show_id)
        if room is not None and conn.id in room.conns:
            room.viewers += 1
        if first is not None:
            self._deliver(conn, protocol.ws_text_frame(first))
        for frame in held:
            self._deliver(conn, frame)

    def count(self, show_id: int) -> int:
        """Viewers of the show on this process (joined sockets, not those still joining)."""
        room = self.rooms.get(show_id)
        return room.viewers if room else 0

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, event: Event) -> None:
        """Queue `event` for the next tick of its room; no I/O, O(1). Dropped if nobody watches here."""
        room = self.rooms.get(event.show_id)
        if room is None:
            return
        pending = room.pending
        if len(pending) >= self.max_pending:
            # The ticker cannot keep up with the publishers: shed the oldest half, and make
            # every viewer re-fetch state rather than silently miss events.
            del pending[: len(pending) // 2]
            room.lost = True
        pending.append(event)
        metrics.ROOM_EVENTS.inc()

    def send(self, conn: Conn, payload: bytes) -> bool:
        """Write one private frame payload to one socket, without blocking; False if dropped."""
        frame = protocol.ws_text_frame(payload)
        if conn.held is not None:
            return self._hold(conn, frame)
        return self._deliver(conn, frame)

    def send_room(self, show_id: int, payload: bytes) -> None:
        """Write one frame payload now to every socket of a room (resync, reconnect notices)."""
        room = self.rooms.get(show_id)
        if room is not None:
            frame = protocol.ws_text_frame(payload)
            for conn in list(room.conns.values()):
                if conn.held is not None:
                    self._hold(conn, frame)
                else:
                    self._deliver(conn, frame)

    def resync_room(self, show_id: int, reason: str) -> None:
        """Tell every socket of a room to re-fetch state (after lost events, e.g. a broker outage)."""
        self.stats["resyncs"] += self.count(show_id)
        metrics.ROOM_RESYNCS.inc(self.count(show_id))
        self.send_room(show_id, protocol.resync(show_id, reason))

    # -- the ticker ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Flush every room each tick; stretch the tick while write rounds cost more than 1/stretch of it."""
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            started, cpu_started, self.yielded_cpu_s = loop.time(), time.thread_time(), 0.0
            since = max(started - last, 1e-3)
            arrivals_per_s, taps_per_s, self.arrivals, self.taps = self.arrivals / since, self.taps / since, 0, 0
            last, self.counting_since = started, time.monotonic()
            try:
                await self.flush()
            except Exception:  # the ticker must outlive any one bad round
                log.exception("fan-out round failed")
            # The round's own CPU: not the ticks it let finish between its chunks.
            took, cpu = loop.time() - started, time.thread_time() - cpu_started - self.yielded_cpu_s
            # A round that costs more than 1/stretch of a tick means we are falling behind:
            # widen the window so that more events merge into each frame. Writes cost per
            # socket, not per event, so delivery stays whole at the price of some latency,
            # and fan-out never takes more than 1/stretch (2/3) of the loop, which keeps time
            # for reads and HTTP. The stretch follows the CPU the round used, not its wall
            # time: on a busy machine a round takes long because we were descheduled, and
            # sleeping longer then would only add latency. While a crowd is arriving (a go-live
            # notification just went out) or tapping (a flash sale just opened), fan-out takes at
            # most 1/crowd_stretch of the loop: the handshakes and snapshots of those coming in,
            # and the answers to the taps, get the rest, and everyone gets bigger, fewer frames
            # for those seconds. In a storm of taps (the last seconds of an auction: thousands of
            # bids a second) fan-out yields further, to 1/storm_stretch: each tap's answer and the
            # outbid notices are private frames written at once, not in these rounds, and they are
            # what the tappers wait for; the room's price and stock frames merge meanwhile.
            storming = self.storming_at(taps_per_s)
            self._storm(storming)
            stretch = self.stretch_for(arrivals_per_s, storming)
            period = self.period(cpu, stretch)
            self.stats.update(last_round_s=took, last_round_cpu_s=cpu, period_s=period, stretch=stretch)
            await asyncio.sleep(max(0.0, period - took))

    def arrived(self) -> None:
        """A client frame came in (a tap, a chat line): many at once widen the tick like a crowd joining."""
        self.arrivals += 1

    def tapped(self) -> None:
        """That frame was a tap (a bid, a purchase): a storm of them widens the tick further."""
        self.taps += 1
        if not self.storming and self.taps % STORM_PROBE == 0 and self.storming_at(
                self.taps / max(time.monotonic() - self.counting_since, 1e-3)):
            # A storm begins at once, not at the next round (up to two seconds away): the collector stops before
            # it walks the first thousand bids, the tick before the room's frame takes its share of the loop.
            self._storm(True)

    @property
    def storming(self) -> bool:
        """Whether a storm of taps is on."""
        return not self.calm.is_set()

    def _storm(self, on: bool) -> None:
        if on != self.storming:
            if on:
                self.calm.clear()
                metrics.ROOM_STORMS.inc()
            else:
                self.calm.set()
            if self.on_storm:
                self.on_storm(on)

    def storming_at(self, taps_per_s: float) -> bool:
        """Whether a storm of taps is on: it begins at `storm_taps_per_s` and lasts until the rate falls below half
        of it, so that a storm hovering at the threshold does not flap between two regimes."""
        return taps_per_s >= self.storm_taps_per_s * (0.5 if self.storming else 1.0)

    def stretch_for(self, arrivals_per_s: float, storming: bool = False) -> float:
        """How many times a round's CPU the next round waits: fan-out takes at most 1/stretch of the loop."""
        if storming:
            return self.storm_stretch
        if arrivals_per_s >= self.crowd_arrivals_per_s:
            return self.crowd_stretch
        return self.stretch

    def period(self, round_cpu_s: float, stretch: float) -> float:
        """The time from one round to the next, after a round that cost `round_cpu_s` of CPU."""
        return min(self.max_tick_s, max(self.tick_s, round_cpu_s * stretch))

    async def flush(self) -> None:
        """One round: merge each room's pending events into one frame and write it everywhere."""
        self.stats["rounds"] += 1
        for room in list(self.rooms.values()):
            if room.pending:
                if room.lost:
                    room.lost = False
                    self.resync_room(room.show_id, "overflow")
                await self._write_room(room, protocol.ws_text_frame(self._encode(room)))
            elif room.dropping:
                self._settle_dropping(room)

    def _encode(self, room: Room) -> bytes:
        pending = room.pending
        if len(pending) > self.max_batch:
            events, room.pending = pending[: self.max_batch], pending[self.max_batch :]
        else:
            events, room.pending = pending, []
        if self.coalesce and len(events) > 1:
            # Latest-wins event types (viewer counts): only the newest of each goes out.
            seen: set[str] = set()
            kept = []
            for ev in reversed(events):
                if ev.type in self.coalesce:
                    if ev.type in seen:
                        continue
                    seen.add(ev.type)
                kept.append(ev)
            kept.reverse()
            events = kept
        room.seq += 1
        self.stats["batches"] += 1
        return protocol.batch(room.show_id, room.seq, ((ev.type, ev.data, ev.at) for ev in events))

    async def _write_room(self, room: Room, frame: bytes) -> None:
        # The hot loop: the same bytes object to every transport, no per-socket encoding, no
        # per-socket task. A socket whose buffer is over the limit is skipped (not waited
        # for), so one slow viewer costs the others nothing.
        conns = list(room.conns.values())
        limit, step = self.buffer_bytes, self.chunk
        resync_frame = None
        writes = dropped = 0
        for start in range(0, len(conns), step):
            if start:
                await asyncio.sleep(0)  # let reads and HTTP in between chunks of a big room
            if self.precedence.open:
                waited_from = time.thread_time()
                await self.precedence.wait_clear(self.longest_wait_s)
                self.yielded_cpu_s += time.thread_time() - waited_from
            for conn in conns[start : start + step]:
                if conn.held is not None:
                    self._hold(conn, frame)
                    continue
                if conn.protocol.state is not OPEN:
                    continue
                transport = conn.transport
                try:
                    if transport.get_write_buffer_size() > limit:
                        if not conn.dropping:
                            conn.dropping = True
                            room.dropping.add(conn)
                        dropped += 1
                        continue
                    if conn.dropping:
                        resync_frame = resync_frame or protocol.ws_text_frame(protocol.resync(room.show_id))
                        conn.dropping = False
                        room.dropping.discard(conn)
                        transport.write(resync_frame)
                        self.stats["resyncs"] += 1
                        metrics.ROOM_RESYNCS.inc()
                    transport.write(frame)
                    writes += 1
                except Exception:  # a transport torn down under us; its handler cleans up
                    log.debug("write failed", exc_info=True)
        self.stats["writes"] += writes
        self.stats["dropped"] += dropped
        metrics.ROOM_FRAMES_SENT.inc(writes)  # once per round, not per socket: this loop is the hot path
        metrics.ROOM_FRAMES_DROPPED.inc(dropped)

    def _settle_dropping(self, room: Room) -> None:
        # No new batch, but some sockets owe a resync: send it as soon as their buffer drains.
        for conn in list(room.dropping):
            if conn.transport.get_write_buffer_size() <= self.buffer_bytes:
                conn.dropping = False
                room.dropping.discard(conn)
                self._deliver(conn, protocol.ws_text_frame(protocol.resync(room.show_id)))
                self.stats["resyncs"] += 1
                metrics.ROOM_RESYNCS.inc()

    def _hold(self, conn: Conn, frame: bytes) -> bool:
        held = conn.held
        assert held is not None
        if len(held) >= MAX_HELD:
            conn.dropping = True
            self.stats["dropped"] += 1
            metrics.ROOM_FRAMES_DROPPED.inc()
            return False
        held.append(frame)
        return True

    def _deliver(self, conn: Conn, frame: bytes) -> bool:
        if conn.protocol.state is not OPEN:
            return False
        transport = conn.transport
        try:
            if transport.get_write_buffer_size() > self.buffer_bytes:
                if not conn.dropping:
                    conn.dropping = True
                    room = self.rooms.get(conn.show_id)
                    if room is not None and conn.id in room.conns:
                        room.dropping.add(conn)
                self.stats["dropped"] += 1
                metrics.ROOM_FRAMES_DROPPED.inc()
                return False
            if conn.dropping:
                conn.dropping = False
                room = self.rooms.get(conn.show_id)
                if room is not None:
                    room.dropping.discard(conn)
                transport.write(protocol.ws_text_frame(protocol.resync(conn.show_id)))
                self.stats["resyncs"] += 1
                metrics.ROOM_RESYNCS.inc()
            transport.write(frame)
            metrics.ROOM_FRAMES_SENT.inc()
            return True
        except Exception:
            log.debug("write failed", exc_info=True)
            return False
