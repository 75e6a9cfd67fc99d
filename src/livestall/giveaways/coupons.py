"""Live-only coupons: pinned to a live show's shelf, claimed once per buyer within a quota, spent as a voucher."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Shop
from livestall.db import utcnow
from livestall.errors import Conflict, Invalid, NotFound
from livestall.events import Event, publish_on_commit
from livestall.festivals.models import Voucher, VoucherRedemption
from livestall.giveaways.models import CouponClaim, Giveaway, GiveawayEntry, LiveCoupon
from livestall.giveaways.personal_vouchers import issue_voucher
from livestall.giveaways.schemas import CouponCreate
from livestall.money import Money
from livestall.shows.models import Show

COUPONS = LiveCoupon.__table__
MAX_PINNED = 3  # coupons on one shelf at once


def coupon_view(coupon: LiveCoupon) -> dict:
    """A coupon as the shelf shows it: the `coupon.pinned` payload."""
    amount = Money(coupon.amount_off_minor, coupon.currency).as_dict() if coupon.amount_off_minor else None
    return {"id": coupon.id, "show_id": coupon.show_id, "shop_id": coupon.shop_id, "amount_off": amount,
            "percent_off": coupon.percent_off, "min_spend": Money(coupon.min_spend_minor, coupon.currency).as_dict(),
            "quota": coupon.quota, "remaining": coupon.quota - coupon.claimed, "valid_hours": coupon.valid_hours,
            "pinned_at": coupon.pinned_at.isoformat()}


def claim_view(claim: CouponClaim, voucher: Voucher) -> dict:
    """A buyer's claim: the voucher code to use at checkout, and until when."""
    return {"coupon_id": claim.coupon_id, "code": voucher.code, "expires_at": claim.expires_at.isoformat()}


async def list_pinned(*, session: AsyncSession, show_id: int) -> list[LiveCoupon]:
    return list(await session.scalars(select(LiveCoupon).where(LiveCoupon.show_id == show_id,
                                                               LiveCoupon.status == "pinned").order_by(LiveCoupon.id)))


async def get_coupon(*, session: AsyncSession, coupon_id: int) -> LiveCoupon:
    coupon = await session.get(LiveCoupon, coupon_id)
    if coupon is None:
        raise NotFound(f"no coupon {coupon_id}")
    return coupon


async def list_my_claims(*, session: AsyncSession, show_id: int, user_id: int) -> list[dict]:
    rows = await session.execute(select(CouponClaim, Voucher).join(Voucher, Voucher.id == CouponClaim.voucher_id)
                                 .join(LiveCoupon, LiveCoupon.id == CouponClaim.coupon_id)
                                 .where(LiveCoupon.show_id == show_id, CouponClaim.user_id == user_id))
    return [claim_view(claim, voucher) for claim, voucher in rows.all()]


async def do_pin_coupon(*, session: AsyncSession, show: Show, user: User, coupon_in: CouponCreate) -> dict:
    """Pin a new coupon to the live show's shelf; the room is told."""
    if show.status != "live":
        raise Conflict.field("status", "show_live", f"coupons are pinned in a live show; this one is {show.status}")
    if (coupon_in.amount_off_minor is None) == (coupon_in.percent_off is None):
        raise Invalid.field("amount_off_minor", "amount_or_percent", "give either an amount off or a percentage off")
    pinned = await session.scalar(select(func.count()).select_from(LiveCoupon).where(
        LiveCoupon.show_id == show.id, LiveCoupon.status == "pinned"))
    if pinned >= MAX_PINNED:
        raise Conflict.field("status", "max_pinned", f"at most {MAX_PINNED} coupons on the shelf: unpin one first")
    shop = await session.get(Shop, show.shop_id)
    coupon = LiveCoupon(show_id=show.id, shop_id=show.shop_id, created_by_id=user.id,
                        amount_off_minor=coupon_in.amount_off_minor, percent_off=coupon_in.percent_off,
                        currency=shop.currency, min_spend_minor=coupon_in.min_spend_minor, quota=coupon_in.quota,
                        claimed=0, valid_hours=coupon_in.valid_hours, status="pinned", pinned_at=utcnow())
    session.add(coupon)
    await session.flush()
    view = coupon_view(coupon)
    publish_on_commit(session, Event(show.id, "coupon.pinned", view))
    return view


async def do_unpin_coupon(*, session: AsyncSession, coupon: LiveCoupon) -> None:
    """Take the coupon off the shelf (claims already made stay good); the room is told."""
    done = await session.execute(update(COUPONS).where(COUPONS.c.id == coupon.id, COUPONS.c.status == "pinned")
                                 .values(status="unpinned", unpinned_at=utcnow()))
    if done.rowcount == 1:
        publish_on_commit(session, Event(coupon.show_id, "coupon.unpinned", {"id": coupon.id}))


async def do_claim(*, session: AsyncSession, coupon: LiveCoupon, user_id: int,
                   now: datetime | None = None) -> dict:
    """Claim the coupon for the buyer: it becomes their voucher for the shop, good for `valid_hours`.

    Refused while the show is not live (`show_live`), once unpinned (`pinned`), a second time (`already_claimed`)
    or when the quota is gone (`quota`): the quota is taken by one conditional increment, so it is never exceeded.
    """
    now = now or utcnow()
    show = await session.get(Show, coupon.show_id)
    if show.status != "live":
        raise Conflict.field("coupon_id", "show_live", "coupons are claimed only while the show is live")
    if await session.scalar(select(CouponClaim.id).where(CouponClaim.coupon_id == coupon.id,
                                                         CouponClaim.user_id == user_id)) is not None:
        raise Conflict.field("coupon_id", "already_claimed", "you have already claimed this coupon")
    try:
        async with session.begin_nested():  # the same buyer twice at once: one claim, the other already_claimed
            taken = await session.execute(update(COUPONS).where(
                COUPONS.c.id == coupon.id, COUPONS.c.status == "pinned", COUPONS.c.claimed < COUPONS.c.quota)
                .values(claimed=COUPONS.c.claimed + 1))
            if taken.rowcount != 1:
                await session.refresh(coupon)
                if coupon.status != "pinned":
                    raise Conflict.field("coupon_id", "pinned", "this coupon is no longer on the shelf")
                raise Conflict.field("coupon_id", "quota", "all of this coupon's claims are taken")
            expires = now + timedelta(hours=coupon.valid_hours)
            voucher = await issue_voucher(session, prefix="LIVE", shop_id=coupon.shop_id, holder_id=user_id,
                                          currency=coupon.currency, amount_off_minor=coupon.amount_off_minor,
                                          percent_off=coupon.percent_off, min_spend_minor=coupon.min_spend_minor,
                                          expires_at=expires, created_by_id=coupon.created_by_id)
            claim = CouponClaim(coupon_id=coupon.id, user_id=user_id, voucher_id=voucher.id, claimed_at=now,
                                expires_at=expires)
            session.add(claim)
            await session.flush()
    except IntegrityError:
        raise Conflict.field("coupon_id", "already_claimed", "you have already claimed this coupon") from None
    return claim_view(claim, voucher)


async def remaining(session: AsyncSession, coupon_id: int) -> int:
    quota, claimed = (await session.execute(select(LiveCoupon.quota, LiveCoupon.claimed)
                                            .where(LiveCoupon.id == coupon_id))).one()
    return quota - claimed


async def show_figures(session: AsyncSession, show_id: int) -> dict:
    """A show's giveaways and their entries, and its coupons claimed against coupons used."""
    giveaways = await session.scalar(select(func.count()).select_from(Giveaway).where(Giveaway.show_id == show_id))
    entries = await session.scalar(select(func.count()).select_from(GiveawayEntry).join(
        Giveaway, Giveaway.id == GiveawayEntry.giveaway_id).where(Giveaway.show_id == show_id))
    return {"show_id": show_id, "giveaways": giveaways or 0, "entries": entries or 0,
            **await coupon_figures(session, show_id)}


async def coupon_figures(session: AsyncSession, show_id: int) -> dict:
    """Claims and redemptions (orders paid with a claimed coupon, not given back) of the show's coupons."""
    claimed = await session.scalar(select(func.count()).select_from(CouponClaim).join(
        LiveCoupon, LiveCoupon.id == CouponClaim.coupon_id).where(LiveCoupon.show_id == show_id)) or 0
    used = await session.scalar(select(func.count()).select_from(VoucherRedemption)
                                .join(CouponClaim, CouponClaim.voucher_id == VoucherRedemption.voucher_id)
                                .join(LiveCoupon, LiveCoupon.id == CouponClaim.coupon_id)
                                .where(LiveCoupon.show_id == show_id, VoucherRedemption.reversed_at.is_(None))) or 0
    coupons = await session.scalar(select(func.count()).select_from(LiveCoupon)
                                   .where(LiveCoupon.show_id == show_id)) or 0
    return {"coupons": coupons, "claimed": claimed, "used": used}
