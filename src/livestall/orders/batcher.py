"""The purchase batcher: attempts for a hot offer queue up and one writer settles them in batches."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from livestall import metrics
from livestall.db import utcnow
from livestall.events import Event
from livestall.orders.settle import DUPLICATE, Attempt, Outcome, Settled, settle_batch

log = logging.getLogger("livestall.orders.batcher")

IDLE_S = 5.0  # a lane's writer stops after this long without attempts


def lane_of(attempt: Attempt) -> tuple[int, int]:
    """The lane an attempt queues in: its show's product, whatever variant or flash sale it buys."""
    return attempt.offer.show_id, attempt.offer.product_id


def _lock_order(offer_key: tuple) -> tuple:
    """Offers settled in one transaction take their rows in this order in every process (no deadlock)."""
    return tuple(-1 if part is None else part for part in offer_key)


class Lane:
    """The queue and writer task of one product in a show: its variants' and flash sales' attempts are
    settled together, one conditional decrement per stock row, in one transaction per batch."""

    __slots__ = ("pending", "wake", "task", "units_left")

    def __init__(self) -> None:
        self.pending: deque[tuple[Attempt, asyncio.Future]] = deque()
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.units_left: dict[tuple, int] = {}  # offer key -> after its last batch: a hint, the row stays the truth


class PurchaseBatcher:
    """Merges concurrent attempts per offer: while one batch commits, the next one gathers."""

    def __init__(self, engine: AsyncEngine, *, reservation: timedelta, max_batch: int = 2000,
                 publish: Callable[[Event], None] | None = None) -> None:
        self.engine = engine
        self.reservation = reservation
        self.max_batch = max_batch
        self.publish = publish or (lambda event: None)
        self.lanes: dict[tuple, Lane] = {}
        # The same (buyer, key) in flight twice in this process shares one answer.
        self.inflight: dict[tuple[int, str], asyncio.Future] = {}
        self.stats = {"batches": 0, "attempts": 0, "largest": 0}
        self.closed = False

    async def submit(self, attempt: Attempt) -> Outcome:
        """Queue one attempt and wait for its own answer."""
        if self.closed:
            raise RuntimeError("the purchase batcher is closed")
        key = (attempt.buyer_id, attempt.idempotency_key)
        twin = self.inflight.get(key)
        if twin is not None:
            outcome: Outcome = await asyncio.shield(twin)
            if outcome.order is not None:
                return Outcome(DUPLICATE, outcome.units_left, existing_order_id=outcome.order["id"],
                               existing_hash=outcome.order["request_hash"])
            return outcome
        future = asyncio.get_running_loop().create_future()
        self.inflight[key] = future
        try:
            lane_key = lane_of(attempt)
            lane = self.lanes.get(lane_key)
            if lane is None:
                lane = self.lanes[lane_key] = Lane()
                lane.task = asyncio.create_task(self._write(lane_key, lane))
            lane.pending.append((attempt, future))
            lane.wake.set()
            return await future
        finally:
            if self.inflight.get(key) is future:
                del self.inflight[key]

    async def _write(self, key: tuple, lane: Lane) -> None:
        while True:
            if not lane.pending:
                lane.wake.clear()
                try:
                    await asyncio.wait_for(lane.wake.wait(), IDLE_S)
                except TimeoutError:
                    if not lane.pending:
                        self.lanes.pop(key, None)
                        return
            batch = [lane.pending.popleft() for _ in range(min(self.max_batch, len(lane.pending)))]
            try:
                outcomes = await self._settle([a for a, _ in batch], lane.units_left)
            except Exception as exc:  # the transaction rolled back: nobody got anything
                log.exception("purchase batch failed", extra={"offer": key, "attempts": len(batch)})
                metrics.PURCHASE_ATTEMPTS.labels("failed").inc(len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), outcome in zip(batch, outcomes):
                if not future.done():
                    future.set_result(outcome)

    async def _settle(self, attempts: list[Attempt], units_left: dict[tuple, int]) -> list[Outcome]:
        """Settle a lane's batch in one transaction, offer by offer (each stock row decremented once); the
        outcomes in the attempts' order."""
        started = time.perf_counter()
        by_offer: dict[tuple, list[int]] = {}
        for index, attempt in enumerate(attempts):
            by_offer.setdefault(attempt.offer.key, []).append(index)
        outcomes: list[Outcome | None] = [None] * len(attempts)
        done: list[tuple[Attempt, Settled]] = []
        async with self.engine.begin() as conn:
            now = utcnow()
            for offer_key in sorted(by_offer, key=_lock_order):
                indexes = by_offer[offer_key]
                group = [attempts[i] for i in indexes]
                settled = await settle_batch(conn, group, now=now, reservation=self.reservation,
                                             units_left_before=units_left.get(offer_key))
                for i, outcome in zip(indexes, settled.outcomes):
                    outcomes[i] = outcome
                done.append((group[0], settled))
        took = time.perf_counter() - started
        for first, settled in done:  # committed: the hints move on, the room hears each offer's sale
            units_left[first.offer.key] = settled.units_left
            metrics.observe_batch((o.result for o in settled.outcomes), took, settled.units_sold, settled.units_left)
            if settled.units_sold:
                self._announce(first, settled)
        self.stats["batches"] += 1
        self.stats["attempts"] += len(attempts)
        self.stats["largest"] = max(self.stats["largest"], len(attempts))
        return outcomes

    def _announce(self, attempt: Attempt, settled: Settled) -> None:
        """After commit: the room hears one merged sale per batch, and the sell-out."""
        offer = attempt.offer
        data = {"product_id": offer.product_id, "flash_sale_id": offer.flash_sale_id, "units": settled.units_sold,
                "orders": settled.orders, "units_left": settled.units_left}
        which = {"product_id": offer.product_id, "flash_sale_id": offer.flash_sale_id}
        if offer.variant_id is not None:  # the units left are the variant's (or its flash sale's)
            data["variant_id"] = which["variant_id"] = offer.variant_id
        try:
            self.publish(Event(offer.show_id, "sale.made", data))
            if settled.units_left == 0:
                self.publish(Event(offer.show_id, "product.sold_out", which))
        except Exception:  # a room that cannot hear must not undo a committed sale
            log.exception("publishing a sale failed")

    async def close(self, grace_s: float = 5.0) -> None:
        """Stop the writers once their queues are empty: a shutdown lets queued buyers have their answer."""
        self.closed = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        while any(lane.pending for lane in self.lanes.values()) and loop.time() < deadline:
            await asyncio.sleep(0.01)
        tasks = [lane.task for lane in self.lanes.values() if lane.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for lane in self.lanes.values():
            while lane.pending:
                _, future = lane.pending.popleft()
                if not future.done():
                    future.set_exception(RuntimeError("the server is shutting down"))
