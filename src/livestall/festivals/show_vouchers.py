"""The voucher pinned in a live show: the host pins an existing voucher of the show's shop (its own or a platform
voucher of a festival the shop takes part in), and the room is told, so that viewers can use its code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.db import utcnow
from livestall.errors import Conflict, Invalid
from livestall.events import Event, publish_on_commit
from livestall.festivals.models import Festival, FestivalShop, ShowVoucher, Voucher
from livestall.festivals.service import status_of, takes_part
from livestall.festivals.vouchers import find_voucher
from livestall.money import Money
from livestall.shows.models import Show

MAX_PINNABLE = 100


def voucher_view(voucher: Voucher, festival: Festival, pinned_at: datetime | None = None) -> dict:
    """A voucher as the room shows it (the `voucher.pinned` payload)."""
    amount_off = voucher.amount_off_minor
    return {
        "code": voucher.code, "shop_id": voucher.shop_id, "festival": festival.name,
        "amount_off": Money(amount_off, voucher.currency).as_dict() if amount_off is not None else None,
        "percent_off": voucher.percent_off, "min_spend": Money(voucher.min_spend_minor, voucher.currency).as_dict(),
        "ends_at": festival.ends_at.isoformat(), "pinned_at": (pinned_at or utcnow()).isoformat(),
    }


async def get_pinned_voucher(*, session: AsyncSession, show_id: int) -> dict | None:
    """The voucher pinned in the show while its festival runs, or None."""
    row = (await session.execute(
        select(ShowVoucher, Voucher, Festival).join(Voucher, Voucher.id == ShowVoucher.voucher_id)
        .join(Festival, Festival.id == Voucher.festival_id).where(ShowVoucher.show_id == show_id))).first()
    if row is None or status_of(row.Festival) == "ended":
        return None
    return voucher_view(row.Voucher, row.Festival, row.ShowVoucher.pinned_at)


async def list_pinnable(*, session: AsyncSession, show: Show) -> list[dict]:
    """The vouchers the host may pin in this show: the shop's own and the platform's, of festivals that run now
    (or are about to) and that the shop takes part in, not used up."""
    now = utcnow()
    rows = (await session.execute(
        select(Voucher, Festival).join(Festival, Festival.id == Voucher.festival_id)
        .join(FestivalShop, (FestivalShop.festival_id == Festival.id) & (FestivalShop.shop_id == show.shop_id))
        .where(Festival.ends_at > now, or_(Voucher.shop_id.is_(None), Voucher.shop_id == show.shop_id),
               or_(Voucher.max_uses.is_(None), Voucher.uses < Voucher.max_uses))
        .order_by(Festival.starts_at, Voucher.id).limit(MAX_PINNABLE))).all()
    return [voucher_view(voucher, festival) for voucher, festival in rows]


def _check_live(show: Show) -> None:
    if show.status != "live":
        raise Conflict.field("status", "show_live", f"vouchers are pinned in a live show; this one is {show.status}")


async def do_pin_voucher(*, session: AsyncSession, show: Show, user: User, code: str) -> dict:
    """Pin the voucher with this code in the show, in place of the one pinned before; the room is told."""
    _check_live(show)
    voucher = await find_voucher(session, code)
    if voucher.festival_id is None:  # a buyer's own voucher is not for the whole room
        raise Invalid.field("code", "festival_voucher", "only a festival voucher can be pinned")
    festival = await session.get(Festival, voucher.festival_id)
    if voucher.shop_id is not None and voucher.shop_id != show.shop_id:
        raise Invalid.field("code", "voucher_shop", "this voucher is only for another shop's orders")
    if not await takes_part(session=session, festival_id=festival.id, shop_id=show.shop_id):
        raise Invalid.field("code", "participating_shop", "the show's shop does not take part in this festival")
    if status_of(festival) == "ended":
        raise Conflict.field("code", "voucher_expired", f"the festival {festival.name} has ended")
    now = utcnow()
    try:
        # In a savepoint: a second host pinning at the same moment gets a 409, not a broken transaction.
        async with session.begin_nested():
            await session.execute(delete(ShowVoucher).where(ShowVoucher.show_id == show.id))
            session.add(ShowVoucher(show_id=show.id, voucher_id=voucher.id, pinned_by_id=user.id, pinned_at=now))
            await session.flush()
    except IntegrityError:
        raise Conflict.field("code", "pinned_once", "another voucher was pinned at the same moment") from None
    view = voucher_view(voucher, festival, now)
    publish_on_commit(session, Event(show.id, "voucher.pinned", view))
    return view


async def do_unpin_voucher(*, session: AsyncSession, show: Show) -> None:
    """Take the show's voucher down (nothing to do when none is pinned); the room is told."""
    pinned = await session.get(ShowVoucher, show.id)
    if pinned is None:
        return
    voucher = await session.get(Voucher, pinned.voucher_id)
    await session.delete(pinned)
    await session.flush()
    publish_on_commit(session, Event(show.id, "voucher.unpinned", {"code": voucher.code}))
