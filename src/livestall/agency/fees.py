"""Per-show fees and commissions, statements per host per period, and payouts brand → agency → host."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.agency.attendance import AttendanceRead, get_attendance
from livestall.agency.models import SHORT_SHOW_RULES, Agency, Booking, HostProfile
from livestall.agency.payables import charge_brand
from livestall.catalog.models import Shop
from livestall.errors import Conflict, Invalid
from livestall.ledger.flows import commission_of
from livestall.ledger.models import LedgerAccount, LedgerEntry, LedgerTransfer
from livestall.ledger.service import get_account, post_transfer, transfer_exists
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
    earned: list[dict]  # fee (after the short-show rule) and commission, one amount per currency
    paid: bool
    attendance: AttendanceRead | None = None
    booked_minutes: int = 0
    fee_due: dict | None = None  # the fee the payout pays: the booked fee, or less under the pro rata rule
    rule: str | None = None  # the short-show rule applied (or to apply) to this line; None for a full show
    payout_state: str = "open"  # open, held (for the agency's review), paid or cancelled


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


def fee_due(booking: Booking, attendance: AttendanceRead | None, rule: str) -> tuple[int, str | None]:
    """The fee a payout pays and the rule behind it: the booked fee unless a short show is paid pro rata."""
    if booking.payout_fee_minor is not None:  # paid already: what was paid stands, whatever the rule is now
        return booking.payout_fee_minor, booking.payout_rule
    if booking.payout_state == "cancelled":
        return 0, booking.payout_rule
    if attendance is None or not (attendance.short or attendance.no_show):
        return booking.fee_minor, None
    if rule == "prorata":
        booked = max(1, int((booking.ends_at - booking.starts_at).total_seconds() // 60))
        return booking.fee_minor * min(attendance.streamed_minutes, booked) // booked, rule
    return booking.fee_minor, rule


async def _line(session: AsyncSession, booking: Booking, attendance: AttendanceRead | None = None,
                rule: str = "full") -> tuple[StatementLine, dict[str, int]]:
    show = await session.get(Show, booking.show_id)
    gmv = await show_gmv(session, show)
    due, applied = fee_due(booking, attendance, rule)
    fee = Money(booking.fee_minor, booking.fee_currency)
    commission = Money(commission_of(gmv.amount_minor, booking.commission_bp), gmv.currency)
    earned = {} if booking.payout_state == "cancelled" else earned_by_currency(Money(due, fee.currency), commission)
    paid = booking.payout_state == "paid" or (bool(earned) and all(
        [await transfer_exists(session, _reference(booking.id, c, "host")) for c in earned]))
    line = StatementLine(booking_id=booking.id, show_id=show.id, show_title=show.title, starts_at=booking.starts_at,
                         fee=fee.as_dict(), gmv=gmv.as_dict(), commission_bp=booking.commission_bp,
                         commission=commission.as_dict(), paid=paid,
                         earned=[Money(a, c).as_dict() for c, a in sorted(earned.items())],
                         attendance=attendance, fee_due=Money(due, fee.currency).as_dict(), rule=applied,
                         booked_minutes=int((booking.ends_at - booking.starts_at).total_seconds() // 60),
                         payout_state="paid" if paid else booking.payout_state)
    return line, earned


async def _rule_of(session: AsyncSession, agency_id: int) -> str:
    agency = await session.get(Agency, agency_id)
    return agency.short_show_rule if agency else "full"


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
    held = await _earning_bookings(session, host.id, start, end)
    rule = await _rule_of(session, host.agency_id)
    for booking, attendance in zip(held, await get_attendance(session=session, bookings=held), strict=True):
        line, earned = await _line(session, booking, attendance, rule)
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


async def _locked(session: AsyncSession, booking: Booking) -> Show:
    """The booking's row locked (a second payout of it waits here, then sees the first), and its held show."""
    await session.execute(update(BOOKINGS).where(BOOKINGS.c.id == booking.id).values(status=BOOKINGS.c.status))
    await session.refresh(booking)
    show = await session.get(Show, booking.show_id)
    if booking.status != "accepted" or show is None or show.status != "ended":
        raise Conflict.field("booking_id", "show_held", "only an accepted booking of an ended show is paid")
    if booking.payout_state == "cancelled":
        raise Conflict.field("booking_id", "payout_open", f"the payout of booking {booking.id} was cancelled")
    return show


async def do_pay_booking(*, session: AsyncSession, booking: Booking, paid_by_id: int,
                         release: bool = False) -> StatementLine:
    """Pay a held show under the agency's short-show rule: the brand to the agency, then the agency to the host.

    A short show under the "hold" rule is held for the agency's review instead (nothing moves);
    `release` pays a held one in full.
    """
    show = await _locked(session, booking)
    [attendance] = await get_attendance(session=session, bookings=[booking])
    rule = await _rule_of(session, booking.agency_id)
    line, earned = await _line(session, booking, attendance, rule)
    if line.paid:
        raise Conflict.field("booking_id", "not_paid", f"booking {booking.id} is already paid")
    if release:
        if booking.payout_state != "held":
            raise Conflict.field("booking_id", "is_held", f"the payout of booking {booking.id} is not held")
        line, earned = await _line(session, booking, attendance, "full")
        line.rule = "released"
    elif booking.payout_state == "held":
        raise Conflict.field("booking_id", "held_payout",
                             f"the payout of booking {booking.id} is held for review: release or cancel it")
    elif line.rule == "hold":
        booking.payout_state, booking.payout_rule = "held", "hold"
        await session.flush()
        line.payout_state = "held"
        return line
    for currency, amount in sorted(earned.items()):
        agency = await get_account(session, "agency_payout", agency_key(booking.agency_id), currency)
        host = await get_account(session, "host_payout", host_key(booking.host_id), currency)
        memo = f"show {show.id}: fee and commission"
        # the brand pays from the revenue it has; what it lacks it owes the agency (agency/payables.py)
        await charge_brand(session, shop_id=show.shop_id, agency_id=booking.agency_id, agency=agency, amount=amount,
                           reference=_reference(booking.id, currency, "brand"), memo=memo, created_by_id=paid_by_id)
        await post_transfer(session, kind="host_payout", reference=_reference(booking.id, currency, "host"),
                            legs=[(agency, -amount), (host, amount)], memo=memo, created_by_id=paid_by_id)
    booking.payout_state, booking.payout_rule = "paid", line.rule
    booking.payout_fee_minor = line.fee_due["amount_minor"]
    await session.flush()
    line.paid, line.payout_state = True, "paid"
    return line


async def do_cancel_held(*, session: AsyncSession, booking: Booking) -> StatementLine:
    """The agency cancels a held payout: nothing is paid for the show, and the line says so."""
    await _locked(session, booking)
    if booking.payout_state != "held":
        raise Conflict.field("booking_id", "is_held", f"the payout of booking {booking.id} is not held")
    booking.payout_state = "cancelled"
    await session.flush()
    [attendance] = await get_attendance(session=session, bookings=[booking])
    line, _ = await _line(session, booking, attendance, await _rule_of(session, booking.agency_id))
    return line


async def do_set_short_show_rule(*, session: AsyncSession, agency: Agency, rule: str) -> Agency:
    """The agency's rule for paying a short show: in full, pro rata to the minutes streamed, or held for review."""
    if rule not in SHORT_SHOW_RULES:
        raise Invalid.field("short_show_rule", "known_rule", f"must be one of {', '.join(SHORT_SHOW_RULES)}")
    agency.short_show_rule = rule
    await session.flush()
    return agency
