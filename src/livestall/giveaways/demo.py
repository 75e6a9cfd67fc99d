"""The demo's lucky bag and live-only coupon in Mei's live show, set up once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Shop
from livestall.db import utcnow
from livestall.giveaways import draw
from livestall.giveaways.models import Giveaway, LiveCoupon
from livestall.shows.models import Show


async def ensure_giveaways(session: AsyncSession, users: dict[str, User]) -> None:
    """A running giveaway (a voucher for three viewers who say "lucky" in the chat) and a coupon on the shelf."""
    show = await session.scalar(select(Show).where(Show.status == "live", Show.host_id ==
                                                   users["mei@demo.livestall.org"].id).limit(1))
    if show is None or await session.scalar(select(Giveaway.id).where(Giveaway.show_id == show.id).limit(1)):
        return
    shop = await session.get(Shop, show.shop_id)
    now = utcnow()
    seed = draw.new_seed()
    session.add(Giveaway(show_id=show.id, shop_id=shop.id, created_by_id=show.host_id, title="Lucky bag",
                         prize="voucher", amount_minor=1500, currency=shop.currency, voucher_hours=72, winners=3,
                         eligibility="keyword", keyword="lucky", seed=seed, seed_hash=draw.commitment(seed),
                         status="running", starts_at=now, ends_at=now + timedelta(hours=1)))
    session.add(LiveCoupon(show_id=show.id, shop_id=shop.id, created_by_id=show.host_id, amount_off_minor=1000,
                           currency=shop.currency, min_spend_minor=9900, quota=200, claimed=0, valid_hours=24,
                           status="pinned", pinned_at=now))
    await session.flush()
