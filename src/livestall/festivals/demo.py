"""The demo festival: Double 12 (12.12) for the demo shops, with festival prices and two vouchers."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Product, Shop
from livestall.db import utcnow
from livestall.festivals.models import Festival, FestivalPrice, FestivalShop, Voucher

NAME = "Double 12 · 12.12"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# sku, fixed festival price in fen or None, percentage off or None
PRICES = [("MW-SCARF-01", 9900, None), ("MW-CARD-03", None, 20), ("ZP-STUDS", 7900, None), ("JP-DOWN-700", None, 25),
          ("JP-GLOVE-TH", 8900, None)]


def next_double_twelve(now: datetime) -> datetime:
    """The next 12 December, midnight in China."""
    local = now.astimezone(SHANGHAI)
    start = datetime(local.year, 12, 12, tzinfo=SHANGHAI)
    return start if start > local else datetime(local.year + 1, 12, 12, tzinfo=SHANGHAI)


async def ensure_festival(session: AsyncSession, users: dict[str, User]) -> None:
    """The demo festival, created once (matched by name), with every demo shop taking part."""
    if await session.scalar(select(Festival.id).where(Festival.name == NAME)):
        return
    operator = users["operator@demo.livestall.org"]
    starts = next_double_twelve(utcnow())
    shops = list(await session.scalars(select(Shop).where(Shop.name.in_(
        ["Mei's Wardrobe", "Zhuji Pearl Farm", "Jade Peak Outdoor"])).order_by(Shop.id)))
    festival = Festival(name=NAME, starts_at=starts, ends_at=starts + timedelta(days=1), currency="CNY",
                        description="One day of festival prices across the shops of Livestall. Vouchers: "
                                    "DOUBLE12 takes 20 CNY off 199 CNY, MEI12 takes 10% off at Mei's Wardrobe.",
                        created_by_id=operator.id)
    session.add(festival)
    await session.flush()
    shop_ids = [s.id for s in shops]
    session.add_all([FestivalShop(festival_id=festival.id, shop_id=shop_id) for shop_id in shop_ids])
    for sku, price, pct in PRICES:
        product = await session.scalar(select(Product).where(Product.sku == sku, Product.shop_id.in_(shop_ids)))
        if product is not None:
            session.add(FestivalPrice(festival_id=festival.id, shop_id=product.shop_id, product_id=product.id,
                                      price_minor=price, discount_pct=pct, starts_at=festival.starts_at,
                                      ends_at=festival.ends_at, created_by_id=operator.id))
    mei = next((s for s in shops if s.name == "Mei's Wardrobe"), None)
    session.add(Voucher(festival_id=festival.id, code="DOUBLE12", amount_off_minor=2000, currency="CNY",
                        min_spend_minor=19900, per_user_limit=1, max_uses=10_000, uses=0, created_by_id=operator.id))
    if mei is not None:
        session.add(Voucher(festival_id=festival.id, shop_id=mei.id, code="MEI12", percent_off=10, currency="CNY",
                            min_spend_minor=0, per_user_limit=2, max_uses=500, uses=0,
                            created_by_id=mei.members[0].user_id))
    await session.flush()
