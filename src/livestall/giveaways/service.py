"""Giveaways: the host starts one, viewers enter (each rule of who may, checked), and the draw picks the winners."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.follows import list_followed
from livestall.accounts.models import User
from livestall.catalog.models import Product, Shop, ShopMember
from livestall.chat.models import ChatMessage
from livestall.db import utcnow
from livestall.errors import Conflict, Forbidden, Invalid, NotFound
from livestall.events import Event, on_camera, publish_on_commit
from livestall.giveaways import draw
from livestall.giveaways.models import Giveaway, GiveawayEntry
from livestall.giveaways.prizes import deliver, shop_balance
from livestall.giveaways.schemas import GiveawayCreate
from livestall.money import Money
from livestall.orders.models import MONEY_IN, Order
from livestall.shows.models import Show

GIVEAWAYS = Giveaway.__table__
# Why a viewer may not enter, by the giveaway's rule: the error's message (the page translates the rule itself).
NOT_ELIGIBLE = {
    "followers": "only followers of the host or the shop may enter",
    "buyers": "only viewers who bought in this show may enter",
    "keyword": "type the keyword in the chat first",
}


def verify_url(giveaway_id: int) -> str:
    return f"/giveaways/{giveaway_id}/verify"


def giveaway_view(giveaway: Giveaway, *, entries: int, product_title: str | None = None,
                  winner_names: list[str] | None = None) -> dict:
    """A giveaway as everyone sees it (the seed only once drawn): the `giveaway.started` payload."""
    amount = Money(giveaway.amount_minor, giveaway.currency).as_dict() if giveaway.amount_minor else None
    drawn = giveaway.status == "drawn"
    return {
        "id": giveaway.id, "show_id": giveaway.show_id, "title": giveaway.title, "prize": giveaway.prize,
        "product_id": giveaway.product_id, "product_title": product_title, "amount": amount,
        "voucher_hours": giveaway.voucher_hours if giveaway.prize == "voucher" else None,
        "winners": giveaway.winners, "eligibility": giveaway.eligibility, "keyword": giveaway.keyword,
        "status": giveaway.status, "starts_at": giveaway.starts_at.isoformat(),
        "ends_at": giveaway.ends_at.isoformat(), "entries": entries, "seed_hash": giveaway.seed_hash,
        "seed": giveaway.seed if drawn else None,
        "drawn_at": giveaway.drawn_at.isoformat() if giveaway.drawn_at else None,
        "winner_names": winner_names or [], "verify_url": verify_url(giveaway.id),
    }


async def count_entries(session: AsyncSession, giveaway_id: int) -> int:
    return (await session.scalar(select(func.count()).select_from(GiveawayEntry)
                                 .where(GiveawayEntry.giveaway_id == giveaway_id))) or 0


async def list_winners(session: AsyncSession, giveaway_id: int) -> list[GiveawayEntry]:
    """The winning entries, in place order."""
    return list(await session.scalars(select(GiveawayEntry).where(
        GiveawayEntry.giveaway_id == giveaway_id, GiveawayEntry.won_place.is_not(None))
        .order_by(GiveawayEntry.won_place)))


async def view_of(session: AsyncSession, giveaway: Giveaway) -> dict:
    """The full view of one giveaway, read from the database."""
    title = await session.scalar(select(Product.title).where(Product.id == giveaway.product_id)) \
        if giveaway.product_id else None
    names = [w.display_name for w in await list_winners(session, giveaway.id)]
    return giveaway_view(giveaway, entries=await count_entries(session, giveaway.id), product_title=title,
                         winner_names=names)


async def get_giveaway(*, session: AsyncSession, giveaway_id: int) -> Giveaway:
    giveaway = await session.get(Giveaway, giveaway_id)
    if giveaway is None:
        raise NotFound(f"no giveaway {giveaway_id}")
    return giveaway


async def get_current(*, session: AsyncSession, show_id: int) -> Giveaway | None:
    """The show's giveaway to show: the running one, else the last drawn."""
    return await session.scalar(select(Giveaway).where(Giveaway.show_id == show_id, Giveaway.status != "cancelled")
                                .order_by((Giveaway.status == "running").desc(), Giveaway.id.desc()).limit(1))


async def list_giveaways(*, session: AsyncSession, show_id: int) -> list[Giveaway]:
    return list(await session.scalars(select(Giveaway).where(Giveaway.show_id == show_id).order_by(Giveaway.id)))


async def _check_prize(session: AsyncSession, show: Show, giveaway_in: GiveawayCreate, currency: str) -> Product | None:
    if giveaway_in.prize == "product":
        if giveaway_in.product_id is None:
            raise Invalid.field("product_id", "required", "a product prize names the product")
        product = await session.get(Product, giveaway_in.product_id)
        if product is None or product.shop_id != show.shop_id:
            raise Invalid.field("product_id", "shop_product", "the prize must be one of the show's shop's products")
        if product.stock < giveaway_in.winners:
            raise Invalid.field("product_id", "in_stock", f"{product.stock} in stock for {giveaway_in.winners} winners")
        return product
    if giveaway_in.amount_minor is None:
        raise Invalid.field("amount_minor", "required", "a voucher or credit prize needs an amount")
    if giveaway_in.prize == "credit":
        need = giveaway_in.amount_minor * giveaway_in.winners
        if await shop_balance(session, show.shop_id, currency) < need:
            raise Invalid.field("amount_minor", "shop_funds",
                                f"the shop's takings cannot fund {Money(need, currency).format()} of credit")
    return None


async def do_start_giveaway(*, session: AsyncSession, show: Show, user: User, giveaway_in: GiveawayCreate) -> dict:
    """Start a giveaway in the live show: its commitment is published now, the seed stays secret until the draw."""
    if show.status != "live":
        raise Conflict.field("status", "show_live", f"giveaways run in a live show; this one is {show.status}")
    keyword = (giveaway_in.keyword or "").strip() or None
    if giveaway_in.eligibility == "keyword" and keyword is None:
        raise Invalid.field("keyword", "required", "say which word viewers type in the chat to take part")
    shop = await session.get(Shop, show.shop_id)
    product = await _check_prize(session, show, giveaway_in, shop.currency)
    running = await session.scalar(select(Giveaway.id).where(Giveaway.show_id == show.id,
                                                             Giveaway.status == "running"))
    if running is not None:
        raise Conflict.field("status", "one_running", f"giveaway {running} is still running: draw it first")
    now = utcnow()
    seed = draw.new_seed()
    title = giveaway_in.title or (product.title if product else "")
    giveaway = Giveaway(show_id=show.id, shop_id=show.shop_id, created_by_id=user.id, title=title[:120],
                        prize=giveaway_in.prize, product_id=product.id if product else None,
                        amount_minor=giveaway_in.amount_minor if product is None else None, currency=shop.currency,
                        voucher_hours=giveaway_in.voucher_hours, winners=giveaway_in.winners,
                        eligibility=giveaway_in.eligibility, keyword=keyword if giveaway_in.eligibility == "keyword"
                        else None, seed=seed, seed_hash=draw.commitment(seed), status="running", starts_at=now,
                        ends_at=now + timedelta(seconds=giveaway_in.duration_s))
    session.add(giveaway)
    await session.flush()
    view = giveaway_view(giveaway, entries=0, product_title=product.title if product else None)
    publish_on_commit(session, Event(show.id, "giveaway.started", view, at=on_camera(now)))
    return view


async def check_eligible(session: AsyncSession, giveaway: Giveaway, user_id: int) -> None:
    """Raise `not_eligible` (with why) unless the viewer meets the giveaway's rule of who may enter."""
    rule = giveaway.eligibility
    if rule == "everyone":
        return
    if rule == "followers":
        show = await session.get(Show, giveaway.show_id)
        ok = bool(await list_followed(session=session, user_id=user_id, host_id=show.host_id, shop_id=show.shop_id))
    elif rule == "buyers":
        ok = await session.scalar(select(Order.id).where(Order.show_id == giveaway.show_id, Order.buyer_id == user_id,
                                                         Order.status.in_(MONEY_IN)).limit(1)) is not None
    else:  # keyword: said in this show's chat since the giveaway started, in any case
        ok = await session.scalar(select(ChatMessage.id).where(
            ChatMessage.show_id == giveaway.show_id, ChatMessage.user_id == user_id,
            ChatMessage.deleted_at.is_(None), ChatMessage.created_at >= giveaway.starts_at - timedelta(seconds=1),
            func.lower(ChatMessage.text).contains((giveaway.keyword or "").lower(), autoescape=True)).limit(1)) \
            is not None
    if not ok:
        raise Conflict.field(rule, "not_eligible", NOT_ELIGIBLE[rule])


async def check_not_running_it(session: AsyncSession, giveaway: Giveaway, user_id: int) -> None:
    """The show's host and the shop's owners and staff give the prize: they cannot win it."""
    show = await session.get(Show, giveaway.show_id)
    member = await session.get(ShopMember, (giveaway.shop_id, user_id))
    if user_id == show.host_id or member is not None:
        raise Forbidden("the show's host and the shop's people cannot enter its giveaways")


async def do_enter(*, session: AsyncSession, giveaway: Giveaway, user_id: int, name: str,
                   now: datetime | None = None) -> GiveawayEntry:
    """Enter the viewer once: `closed` after its time, `not_eligible` with why, `already_entered` the second time."""
    now = now or utcnow()
    if giveaway.status != "running" or now >= giveaway.ends_at:
        raise Conflict.field("giveaway_id", "closed", "this giveaway is closed")
    await check_not_running_it(session, giveaway, user_id)
    await check_eligible(session, giveaway, user_id)
    entry = GiveawayEntry(giveaway_id=giveaway.id, user_id=user_id, display_name=name[:80], created_at=now)
    try:
        async with session.begin_nested():  # a double tap racing itself: the second gets already_entered
            session.add(entry)
            await session.flush()
    except IntegrityError:
        raise Conflict.field("giveaway_id", "already_entered", "you have already entered") from None
    return entry


async def has_entered(session: AsyncSession, giveaway_id: int, user_id: int) -> bool:
    return await session.scalar(select(GiveawayEntry.id).where(GiveawayEntry.giveaway_id == giveaway_id,
                                                               GiveawayEntry.user_id == user_id)) is not None


async def list_entries(session: AsyncSession, giveaway_id: int) -> list[GiveawayEntry]:
    """The public list the draw picks from: every entry, in id order."""
    return list(await session.scalars(select(GiveawayEntry).where(GiveawayEntry.giveaway_id == giveaway_id)
                                      .order_by(GiveawayEntry.id)))


async def list_due(session: AsyncSession, now: datetime) -> list[int]:
    """Running giveaways whose time is up, to be drawn."""
    return list(await session.scalars(select(Giveaway.id).where(Giveaway.status == "running",
                                                                Giveaway.ends_at <= now).limit(100)))


async def do_draw(*, session: AsyncSession, giveaway: Giveaway) -> dict | None:
    """Close and draw the giveaway (one compare-and-set: a second drawer gets None), deliver each prize, and
    publish the winners with the seed; each winner is told privately what they won."""
    now = utcnow()
    closed = await session.execute(update(GIVEAWAYS).where(GIVEAWAYS.c.id == giveaway.id,
                                                           GIVEAWAYS.c.status == "running")
                                   .values(status="drawn", drawn_at=now))
    if closed.rowcount != 1:
        return None
    await session.refresh(giveaway)
    entries = await list_entries(session, giveaway.id)
    by_id = {entry.id: entry for entry in entries}
    picked = draw.winners_of(giveaway.seed, list(by_id), giveaway.winners)
    winners, private = [], {}
    for place, entry_id in enumerate(picked, start=1):
        entry = by_id[entry_id]
        entry.won_place = place
        entry.prize_status, entry.prize_ref = await deliver(session, giveaway, entry, now)
        winners.append({"place": place, "entry_id": entry.id, "name": entry.display_name})
        private[str(entry.user_id)] = {"giveaway_id": giveaway.id, "title": giveaway.title, "prize": giveaway.prize,
                                       "place": place, "status": entry.prize_status, "ref": entry.prize_ref}
    await session.flush()
    drawn = {"id": giveaway.id, "entries": len(entries), "seed": giveaway.seed, "seed_hash": giveaway.seed_hash,
             "winners": winners, "verify_url": verify_url(giveaway.id)}
    publish_on_commit(session, Event(giveaway.show_id, "giveaway.drawn", drawn, at=on_camera(now)))
    if private:
        publish_on_commit(session, Event(giveaway.show_id, "giveaway.won", {"id": giveaway.id, "users": private}))
    return drawn


async def get_verification(*, session: AsyncSession, giveaway: Giveaway) -> dict:
    """Everything needed to redo the draw: the commitment, the seed once drawn, the entries and the winners."""
    entries = await list_entries(session, giveaway.id)
    claimed = [e.id for e in sorted((e for e in entries if e.won_place), key=lambda e: e.won_place)]
    drawn = giveaway.status == "drawn"
    verified = draw.verify_winners(seed=giveaway.seed, seed_hash=giveaway.seed_hash, entry_ids=[e.id for e in entries],
                                   winners=giveaway.winners, claimed=claimed) if drawn else None
    return {"id": giveaway.id, "show_id": giveaway.show_id, "title": giveaway.title, "status": giveaway.status,
            "winners": giveaway.winners, "seed_hash": giveaway.seed_hash, "seed": giveaway.seed if drawn else None,
            "entries": [{"id": e.id, "name": e.display_name} for e in entries],
            "winner_entry_ids": claimed, "verified": verified}
