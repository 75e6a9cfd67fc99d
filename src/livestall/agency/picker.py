"""The shows an agency can book a host onto, searchable by brand, day and language (no typed show numbers)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.agency.models import Booking
from livestall.catalog.models import Shop
from livestall.db import utcnow
from livestall.shows.models import Show

LIVE_STATUSES = ("proposed", "accepted")  # bookings that hold a show
PICKER_LIMIT = 50


async def list_bookable_shows(*, session: AsyncSession, brand: str = "", day: date | None = None,
                              languages: list[str] | None = None, tz: tzinfo,
                              shop_id: int | None = None) -> list[tuple[Show, Shop]]:
    """Upcoming shows with no host booked yet, soonest first: of a brand whose name holds `brand`, on `day` (in `tz`),
    in one of `languages`."""
    taken = select(Booking.show_id).where(Booking.status.in_(LIVE_STATUSES))
    query = (select(Show, Shop).join(Shop, Shop.id == Show.shop_id)
             .where(Show.status == "scheduled", Show.scheduled_at > utcnow(), Show.id.not_in(taken)))
    if brand.strip():
        query = query.where(func.lower(Shop.name).contains(brand.strip().lower(), autoescape=True))
    if day is not None:
        start = datetime.combine(day, time(), tzinfo=tz)
        query = query.where(Show.scheduled_at >= start, Show.scheduled_at < start + timedelta(days=1))
    if languages:
        query = query.where(Show.language.in_(languages))
    if shop_id is not None:
        query = query.where(Show.shop_id == shop_id)
    rows = await session.execute(query.order_by(Show.scheduled_at, Show.id).limit(PICKER_LIMIT))
    return [(show, shop) for show, shop in rows]
