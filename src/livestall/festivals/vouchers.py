"""Vouchers: issued by the platform or a shop, redeemed when a buyer pays an order, funded by the issuer.

Paying with a voucher is two balanced transfers in one transaction. First the buyer's wallet pays
what is left to pay and the issuer funds the discount, into the voucher clearing account (`do_redeem_voucher`);
then the order's ordinary payment moves the whole total from there to the shop and the platform's
commission (orders/payments.py).
The seller is paid as for any order; a shop's own voucher is funded from that shop's revenue, a
platform voucher from the platform's festival subsidy account.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Shop, ShopMember
from livestall.errors import Conflict, Forbidden, Invalid
from livestall.festivals.funding import PROVIDER, VOUCHERS, funder_account
from livestall.festivals.models import Festival, Voucher, VoucherRedemption
from livestall.festivals.schemas import VoucherCreate
from livestall.festivals.service import status_of, takes_part
from livestall.ledger import flows
from livestall.ledger.service import Account, post_transfer
from livestall.money import Money


def check_can_issue(user: User, shop: Shop | None) -> None:
    """Operators issue platform vouchers; a shop's members issue the shop's own."""
    if shop is None:
        if not user.has_role("operator"):
            raise Forbidden("only operators issue platform vouchers")
    elif shop.member_role(user.id) is None:
        raise Forbidden("only the shop's owners and staff issue its vouchers")


async def do_create_voucher(*, session: AsyncSession, festival: Festival, creator: User, shop: Shop | None,
                            voucher_in: VoucherCreate) -> Voucher:
    """A voucher of the festival, in the festival's currency (or the shop's, for a shop's voucher)."""
    if shop is not None and not await takes_part(session=session, festival_id=festival.id, shop_id=shop.id):
        raise Invalid.field("shop_id", "participating_shop", "the shop does not take part in this festival")
    code = voucher_in.code.upper()
    if await session.scalar(select(Voucher.id).where(Voucher.code == code)):
        raise Conflict.field("code", "unique", f"{code} is already a voucher code")
    voucher = Voucher(festival_id=festival.id, shop_id=shop.id if shop else None, code=code,
                      amount_off_minor=voucher_in.amount_off_minor, percent_off=voucher_in.percent_off,
                      currency=shop.currency if shop else festival.currency, min_spend_minor=voucher_in.min_spend_minor,
                      per_user_limit=voucher_in.per_user_limit, max_uses=voucher_in.max_uses, uses=0,
                      created_by_id=creator.id)
    session.add(voucher)
    await session.flush()
    return voucher


async def list_vouchers(*, session: AsyncSession, festival: Festival, user: User) -> list[Voucher]:
    """The festival's vouchers an operator sees (all) or a shop member sees (their shops')."""
    query = select(Voucher).where(Voucher.festival_id == festival.id)
    if not user.has_role("operator"):
        mine = select(ShopMember.shop_id).where(ShopMember.user_id == user.id)
        query = query.where(Voucher.shop_id.in_(mine))
    return list(await session.scalars(query.order_by(Voucher.id)))


def discount_of(voucher: Voucher, total_minor: int) -> int:
    """What the voucher takes off a total: never more than the total."""
    if voucher.amount_off_minor is not None:
        return min(voucher.amount_off_minor, total_minor)
    return total_minor * (voucher.percent_off or 0) // 100  # rounded down to the whole minor unit


async def find_voucher(session: AsyncSession, code: str) -> Voucher:
    """The voucher with this code (codes are not case-sensitive), or Invalid naming the code."""
    voucher = await session.scalar(select(Voucher).where(Voucher.code == code.strip().upper()))
    if voucher is None:
        raise Invalid.field("code", "known_voucher", "no such voucher")
    return voucher


def check_held(voucher: Voucher, buyer: User, now: datetime) -> None:
    """A personal voucher (a live coupon claimed, a giveaway prize) is its holder's only, until it expires."""
    if voucher.holder_id != buyer.id:
        raise Invalid.field("code", "voucher_holder", "this voucher belongs to another buyer")
    if voucher.expires_at is not None and now >= voucher.expires_at:
        raise Conflict.field("code", "voucher_expired", "this voucher has expired")


async def check_usable(session: AsyncSession, voucher: Voucher, *, shop_id: int, currency: str, total_minor: int,
                       buyer: User, now: datetime) -> None:
    """Raise the rule the voucher breaks for this buyer's order (its shop, currency and total), if any."""
    if voucher.festival_id is None:
        check_held(voucher, buyer, now)
    else:
        festival = await session.get(Festival, voucher.festival_id)
        status = status_of(festival, now)
        if status == "ended":
            raise Conflict.field("code", "voucher_expired", f"the festival {festival.name} has ended")
        if status != "running":
            raise Conflict.field("code", "festival_running", f"the festival is {status}")
        if not await takes_part(session=session, festival_id=festival.id, shop_id=shop_id):
            raise Invalid.field("code", "participating_shop", "the order's shop does not take part in this festival")
    if voucher.shop_id is not None and voucher.shop_id != shop_id:
        raise Invalid.field("code", "voucher_shop", "this voucher is only for another shop's orders")
    if voucher.currency != currency:
        raise Invalid.field("code", "voucher_currency", f"this voucher is for orders in {voucher.currency}")
    if total_minor < voucher.min_spend_minor:
        minimum = Money(voucher.min_spend_minor, voucher.currency).format()
        raise Invalid.field("code", "min_spend", f"needs an order of at least {minimum}")
    used = await session.scalar(select(func.count()).select_from(VoucherRedemption).where(
        VoucherRedemption.voucher_id == voucher.id, VoucherRedemption.user_id == buyer.id,
        VoucherRedemption.reversed_at.is_(None)))
    if (used or 0) >= voucher.per_user_limit:
        raise Conflict.field("code", "per_user_limit", f"used {used} times already, the most allowed per buyer")


async def quote_voucher(*, session: AsyncSession, buyer: User, code: str, shop_id: int, currency: str,
                        total_minor: int, now: datetime) -> tuple[Voucher, int]:
    """What the voucher would take off this order before it is paid: (voucher, discount), or the rule it breaks."""
    voucher = await find_voucher(session, code)
    await check_usable(session, voucher, shop_id=shop_id, currency=currency, total_minor=total_minor, buyer=buyer,
                       now=now)
    if voucher.max_uses is not None and voucher.uses >= voucher.max_uses:
        raise Conflict.field("code", "total_cap", "this voucher has been used up")
    return voucher, discount_of(voucher, total_minor)


async def do_redeem_voucher(*, session: AsyncSession, order, buyer: User, code: str,
                            now: datetime) -> tuple[Account, VoucherRedemption]:
    """Take a use of the voucher and fund the order's total in the voucher clearing: (clearing, redemption)."""
    voucher = await find_voucher(session, code)
    if order.status != "reserved":
        raise Conflict.field("status", "not_paid", f"a {order.status} order cannot be paid")
    # The conditional increment takes the voucher's row lock first: uses and the per-buyer count are
    # then read and changed by one payment at a time, so neither cap can be overrun by a race.
    taken = await session.execute(update(VOUCHERS).where(
        VOUCHERS.c.id == voucher.id, (VOUCHERS.c.max_uses.is_(None)) | (VOUCHERS.c.uses < VOUCHERS.c.max_uses))
        .values(uses=VOUCHERS.c.uses + 1))
    if taken.rowcount != 1:
        raise Conflict.field("code", "total_cap", "this voucher has been used up")
    await check_usable(session, voucher, shop_id=order.shop_id, currency=order.currency,
                       total_minor=order.total_minor, buyer=buyer, now=now)
    discount = discount_of(voucher, order.total_minor)
    paid = order.total_minor - discount
    clearing = await flows.clearing_account(session, PROVIDER, order.currency)
    wallet = await flows.wallet_account(session, buyer.id, order.currency)
    funder = await funder_account(session, voucher, order.currency)
    await post_transfer(session, kind="voucher_redemption", reference=f"order:{order.id}:voucher", order_id=order.id,
                        legs=[(wallet, -paid), (funder, -discount), (clearing, order.total_minor)],
                        memo=f"voucher {voucher.code} on order {order.ref}", created_by_id=buyer.id)
    return clearing, VoucherRedemption(voucher_id=voucher.id, order_id=order.id, user_id=buyer.id,
                                       discount_minor=discount, paid_minor=paid, currency=order.currency,
                                       created_at=now)
