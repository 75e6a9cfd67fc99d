"""The demo's shipping fees: Mei's Wardrobe ships across China cheaply, to Europe and the rest of the world for more,
and free from CNY 500 in one parcel, so that a demo viewer sees the fee on the buy sheet and combined shipping."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Shop
from livestall.orders.parcel_models import ShippingSettings
from livestall.orders.shipping_fees import ShippingRulesIn, ZoneIn, do_save_rules

DEMO_SHOP = "Mei's Wardrobe"
DEMO_RULES = ShippingRulesIn(
    zones=[ZoneIn(name="China", countries=["CN", "HK", "MO", "TW"], fee_minor=1000),
           ZoneIn(name="Europe", countries=["ES", "FR", "DE", "IT", "GB", "NL", "PT"], fee_minor=6000)],
    rest_of_world_fee_minor=9000, free_over_minor=50000, combine_hours=24)


async def ensure_demo_shipping(session: AsyncSession) -> None:
    """The demo shop's zones and fees, set once (a seller's later changes stand)."""
    shop_id = await session.scalar(select(Shop.id).where(Shop.name == DEMO_SHOP).limit(1))
    if shop_id is None or await session.get(ShippingSettings, shop_id) is not None:
        return
    await do_save_rules(session=session, shop_id=shop_id, rules_in=DEMO_RULES)
