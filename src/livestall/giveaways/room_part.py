"""The room part for giveaways and coupons: entering and claiming over the socket, the counts merged per flush,
the due draws, the running giveaway and the shelf's coupons in the join snapshot, and each winner told privately."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.db import utcnow
from livestall.errors import Invalid
from livestall.events import Event
from livestall.giveaways import coupons, service
from livestall.giveaways.models import Giveaway, LiveCoupon
from livestall.per_show import PerShowMemo
from livestall.shows.models import Show

log = logging.getLogger("livestall.giveaways")
FLUSH_S = 0.5  # entry counts and coupon quotas go out at most this often; due draws are looked for as often


def _id_of(frame: dict[str, Any], field: str) -> int:
    value = frame.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise Invalid.field(field, "id_range", "must be a positive whole number")
    return value


def send_prizes(event: Event, send_to_user) -> None:
    """`giveaway.won` names the winners: each gets their own prize as a private frame, the room nothing."""
    for user_id, prize in event.data["users"].items():
        send_to_user(event.show_id, user_id, "giveaway.prize", **prize)


def keep_started(state: dict[str, Any], data: dict[str, Any]) -> None:
    state["giveaways"] = {**state["giveaways"], "current": dict(data)}


def keep_entries(state: dict[str, Any], data: dict[str, Any]) -> None:
    current = state["giveaways"].get("current")
    if current is not None and current["id"] == data["id"]:
        state["giveaways"] = {**state["giveaways"], "current": {**current, "entries": data["entries"]}}


def keep_drawn(state: dict[str, Any], data: dict[str, Any]) -> None:
    current = state["giveaways"].get("current")
    if current is not None and current["id"] == data["id"]:
        state["giveaways"] = {**state["giveaways"], "current": {
            **current, "status": "drawn", "entries": data["entries"], "seed": data["seed"],
            "winner_names": [w["name"] for w in data["winners"]]}}


def keep_coupon_pinned(state: dict[str, Any], data: dict[str, Any]) -> None:
    state["giveaways"] = {**state["giveaways"], "coupons": [*state["giveaways"]["coupons"], dict(data)]}


def keep_coupon_claimed(state: dict[str, Any], data: dict[str, Any]) -> None:
    state["giveaways"] = {**state["giveaways"], "coupons": [
        {**c, "remaining": data["remaining"]} if c["id"] == data["id"] else c for c in state["giveaways"]["coupons"]]}


def keep_coupon_unpinned(state: dict[str, Any], data: dict[str, Any]) -> None:
    state["giveaways"] = {**state["giveaways"], "coupons": [
        c for c in state["giveaways"]["coupons"] if c["id"] != data["id"]]}


class GiveawaysPart:
    """`enter_giveaway` and `claim_coupon`; `giveaway.entries` and `coupon.claimed` merged per flush; due draws."""

    name = "giveaways"
    private = {"giveaway.won": send_prizes}
    keeps = {"giveaway.started": keep_started, "giveaway.entries": keep_entries, "giveaway.drawn": keep_drawn,
             "coupon.pinned": keep_coupon_pinned, "coupon.claimed": keep_coupon_claimed,
             "coupon.unpinned": keep_coupon_unpinned}

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession] | None) -> None:
        self.sessionmaker = sessionmaker
        self.frames = {"enter_giveaway": self.enter, "claim_coupon": self.claim}
        self.taps = ("enter_giveaway", "claim_coupon")
        self.gateway = None
        self._entered: dict[int, int] = {}  # giveaway id -> show id, entered since the last flush
        self._claimed: dict[int, int] = {}  # coupon id -> show id
        self._task: asyncio.Task | None = None
        # (current giveaway id, whether the show ever had a coupon), so that a crowd joining a show with neither
        # does not ask, joiner by joiner, what they entered and claimed.
        self._activity: PerShowMemo[tuple[int | None, bool]] = PerShowMemo()

    def attach(self, gateway) -> None:
        self.gateway = gateway

    def start(self) -> None:
        self._task = asyncio.create_task(self._work_forever(), name="room-giveaways")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.flush()

    async def snapshot(self, session: AsyncSession, show: Show, principal) -> dict[str, Any]:
        current = await service.get_current(session=session, show_id=show.id)
        pinned = await coupons.list_pinned(session=session, show_id=show.id) if show.status == "live" else []
        return {"giveaways": {"current": await service.view_of(session, current) if current else None,
                              "coupons": [coupons.coupon_view(c) for c in pinned], "entered": [], "claimed": []}}

    async def personal(self, session: AsyncSession, show: Show, principal) -> dict[str, Any]:
        async def activity() -> tuple[int | None, bool]:
            current = await service.get_current(session=session, show_id=show.id)
            any_coupon = await session.scalar(select(LiveCoupon.id).where(LiveCoupon.show_id == show.id).limit(1))
            return (current.id if current is not None else None), any_coupon is not None

        current_id, had_coupons = await self._activity.get(show.id, activity)
        if current_id is None and not had_coupons:
            return {}  # the shared state's empty lists stand
        entered = await service.has_entered(session, current_id, principal.id) if current_id else False
        claimed = (await coupons.list_my_claims(session=session, show_id=show.id, user_id=principal.id)
                   if had_coupons else [])
        return {"giveaways": {"entered": [current_id] if entered else [], "claimed": claimed}}

    async def enter(self, ctx) -> dict[str, Any]:
        giveaway_id = _id_of(ctx.frame, "giveaway_id")
        async with ctx.sessionmaker() as session, session.begin():
            giveaway = await service.get_giveaway(session=session, giveaway_id=giveaway_id)
            if giveaway.show_id != ctx.show_id:
                raise Invalid.field("giveaway_id", "this_show", "this giveaway is in another show")
            entry = await service.do_enter(session=session, giveaway=giveaway, user_id=ctx.principal.id,
                                           name=ctx.principal.name)
        self._entered[giveaway_id] = ctx.show_id
        return {"giveaway_id": giveaway_id, "entry_id": entry.id}

    async def claim(self, ctx) -> dict[str, Any]:
        coupon_id = _id_of(ctx.frame, "coupon_id")
        async with ctx.sessionmaker() as session, session.begin():
            coupon = await coupons.get_coupon(session=session, coupon_id=coupon_id)
            if coupon.show_id != ctx.show_id:
                raise Invalid.field("coupon_id", "this_show", "this coupon is in another show")
            claimed = await coupons.do_claim(session=session, coupon=coupon, user_id=ctx.principal.id)
        self._claimed[coupon_id] = ctx.show_id
        return claimed

    async def flush(self) -> None:
        """Publish the entry counts and coupon quotas that changed in this process since the last flush."""
        entered, self._entered = self._entered, {}
        claimed, self._claimed = self._claimed, {}
        if not (entered or claimed) or self.sessionmaker is None or self.gateway is None:
            return
        async with self.sessionmaker() as session:
            for giveaway_id, show_id in entered.items():
                count = await service.count_entries(session, giveaway_id)
                self.gateway.publish(Event(show_id, "giveaway.entries", {"id": giveaway_id, "entries": count}))
            for coupon_id, show_id in claimed.items():
                left = await coupons.remaining(session, coupon_id)
                self.gateway.publish(Event(show_id, "coupon.claimed", {"id": coupon_id, "remaining": left}))

    async def draw_due(self) -> None:
        """Draw every giveaway whose time is up (any process may: the draw's compare-and-set picks one)."""
        async with self.sessionmaker() as session:
            due = await service.list_due(session, utcnow())
        for giveaway_id in due:
            async with self.sessionmaker() as session, session.begin():
                giveaway = await session.get(Giveaway, giveaway_id)
                await service.do_draw(session=session, giveaway=giveaway)

    async def _work_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_S)
            try:
                await self.flush()
                await self.draw_due()
            except Exception:
                log.exception("giveaways flush failed")
