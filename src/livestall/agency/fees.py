"""Per-show fees and commissions, statements per host per period, and payouts brand → agency → host."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.agency.models import Booking, HostProfile
from livestall.catalog.models import Shop
from livestall.errors import Conflict, Invalid
from livestall.ledger.flows import commission_of
from livestall.ledger.models import LedgerAccount, LedgerEntry, LedgerTransfer
from livestall.ledger.service import get_account, post_transfer, shop_key, transfer_exists
from livestall.money import Money, convert
from livestall.orders.models import Order
from livestall.shows.models import Show
from livestall.validation import date_range

PAID_STATUSES = ("paid", "shipped", "delivered")  # orders that count towards a show's GMV
BOOKINGS = Booking.__table__


class StatementLine(BaseModel):
    booking_id: int
    show_id: int
    show_title: str
    starts_at: datetime
    fee: dict
    gmv: dict
    commission_bp: int
    commission: dict
    earned: list[dict]  # fee and commission, one amount per currency
    paid: bool


class Statement(BaseModel):
    host_id: int
    period: str
    currency: str
    lines: list[StatementLine]
    totals: list[dict]
    totals_in_host_currency: dict | None
    paid: list[dict]  # what the ledger holds as paid to the host for these lines


def agency_key(agency_id: int) -> str:
    return f"agency:{agency_id}"


def host_key(host_id: int) -> str:
    return f"host:{host_id}"


def _reference(booking_id: int, currency: str, leg: str) -> str:
    return f"booking:{booking_id}:{currency}:{leg}"


async def show_gmv(session: AsyncSession, show: Show) -> Money:
    """The show's GMV: its paid (and later shipped or delivered) orders, in the shop's currency."""
    rows = (await session.execute(
        select(Order.currency, func.coalesce(func.sum(Order.total_minor), 0))
        .where(Order.show_id == show.id, Order.status.in_(PAID_STATUSES)).group_by(Order.currency))).all()
    if not rows:
        shop = await session.get(Shop, show.shop_id)
        return Money(0, shop.currency if shop else "CNY")
    currency, total = rows[0]  # a shop sells in one currency
    return Money(int(total), currency)


def earned_by_currency(fee: Money, commission: Money) -> dict[str, int]:
    """Fee and commission added up per currency."""
    out: dict[str, int] = defaultdict(int)
    for money in (fee, commission):
        out[money.currency] += money.amount_minor
    return {c: a for c, a in out.items() if a}


async def _line(session: AsyncSession, booking: Booking) -> tuple[StatementLine, dict[str, int]]:
    show = await session.get(Show, booking.show_id)
    gmv = await show_gmv(session, show)
    fee = Money(booking.fee_minor, booking.fee_currency)
    commission = Money(commission_of(gmv.amount_minor, booking.commission_bp), gmv.currency)
    earned = earned_by_currency(fee, commission)
    paid = bool(earned) and all([await transfer_exists(session, _reference(booking.id, c, "host")) for c in earned])
    line = StatementLine(booking_id=booking.id, show_id=show.id, show_title=show.title, starts_at=booking.starts_at,
                         fee=fee.as_dict(), gmv=gmv.as_dict(), commission_bp=booking.commission_bp,
                         commission=commission.as_dict(), paid=paid,
                         earned=[Money(a, c).as_dict() for c, a in sorted(earned.items())])
    return line, earned


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of next month) of a YYYY-MM period, in UTC."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        raise Invalid.field("period", "year_month", "must be a month as YYYY-MM")
    year, month = int(period[:4]), int(period[5:])
    first, last = date_range()
    if not first.year <= year <= last.year:  # year 0 or 9999-12 would not even make a date
        raise Invalid.field("period", "datetime_range", f"must be a month from {first:%Y-%m} to {last:%Y-%m}")
    start = datetime(year, month, 1, tzinfo=timezone.utc)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)
    return start, end


async def _earning_bookings(session: AsyncSession, host_id: int, start: datetime, end: datetime) -> list[Booking]:
    """Accepted bookings of the host whose show has ended, starting within the period."""
    return list(await session.scalars(
        select(Booking).join(Show, Show.id == Booking.show_id)
        .where(Booking.host_id == host_id, Booking.status == "accepted", Show.status == "ended",
               Booking.starts_at >= start, Booking.starts_at < end).order_by(Booking.starts_at)))


async def get_statement(*, session: AsyncSession, host: HostProfile, period: str,
                        fx_per_usd: dict[str, Decimal]) -> Statement:
    """The host's statement for a month: each held show's fee and commission, totals, and what was paid."""
    start, end = period_bounds(period)
    lines, totals = [], defaultdict(int)
    for booking in await _earning_bookings(session, host.id, start, end):
        line, earned = await _line(session, booking)
        lines.append(line)
        for currency, amount in earned.items():
            totals[currency] += amount
    converted = [convert(Money(a, c), host.currency, fx_per_usd) for c, a in totals.items()]
    in_host = Money(sum(m.amount_minor for m in converted), host.currency) \
        if converted and all(m is not None for m in converted) else None
    paid = await _paid_to_host(session, host.id, [line.booking_id for line in lines])
    return Statement(host_id=host.id, period=period, currency=host.currency, lines=lines,
                     totals=[Money(a, c).as_dict() for c, a in sorted(totals.items())],
                     totals_in_host_currency=in_host.as_dict() if in_host else None,
                     paid=[Money(a, c).as_dict() for c, a in sorted(paid.items())])


async def _paid_to_host(session: AsyncSession, host_id: int, booking_ids: list[int]) -> dict[str, int]:
    """Sums of the host's payout entries for these bookings, read from the ledger itself."""
    if not booking_ids:
        return {}
    rows = (await session.execute(
        select(LedgerEntry.currency, LedgerEntry.amount_minor, LedgerTransfer.reference)
        .join(LedgerTransfer, LedgerTransfer.id == LedgerEntry.transfer_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.kind == "host_payout", LedgerAccount.owner_key == host_key(host_id)))).all()
    wanted = {str(b) for b in booking_ids}
    out: dict[str, int] = defaultdict(int)
    for currency, amount, reference in rows:
        if reference.split(":")[1] in wanted:
            out[currency] += int(amount)
    return dict(out)


async def do_pay_booking(*, session: AsyncSession, booking: Booking, paid_by_id: int) -> StatementLine:
    """Pay a held show: the brand's revenue to the agency, then the agency to the host, per currency."""
    # The booking's row lock first: a second payout of the same booking waits here, then finds it paid.
    await session.execute(update(BOOKINGS).where(BOOKINGS.c.id == booking.id).values(status=BOOKINGS.c.status))
    await session.refresh(booking)
    show = await session.get(Show, booking.show_id)
    if booking.status != "accepted" or show is None or show.status != "ended":
        raise Conflict.field("booking_id", "show_held", "only an accepted booking of an ended show is paid")
    line, earned = await _line(session, booking)
    if line.paid:
        raise Conflict.field("booking_id", "not_paid", f"booking {booking.id} is already paid")
    for currency, amount in sorted(earned.items()):
        brand = await get_account(session, "shop_revenue", shop_key(show.shop_id), currency)
        agency = await get_account(session, "agency_payout", agency_key(booking.agency_id), currency)
        host = await get_account(session, "host_payout", host_key(booking.host_id), currency)
        memo = f"show {show.id}: fee and commission"
        await post_transfer(session, kind="agency_fee", reference=_reference(booking.id, currency, "brand"),
                            legs=[(brand, -amount), (agency, amount)], memo=memo, created_by_id=paid_by_id)
        await post_transfer(session, kind="host_payout", reference=_reference(booking.id, currency, "host"),
                            legs=[(agency, -amount), (host, amount)], memo=memo, created_by_id=paid_by_id)
    line.paid = True
    return line
