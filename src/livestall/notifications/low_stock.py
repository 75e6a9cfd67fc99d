"""Low-stock alerts: a sale that brings a variant's stock (or a product's, without variants) to the threshold or
below tells the shop's owners and staff, in the feed and by email as each one's settings say.

Once per crossing, with no state of its own: the sale's own decrement says where the stock was and where it is
(before = left + sold). Decrements of one row are serialized by the database, so exactly one sale crosses the
line; selling on below it tells nobody, and a restock above it arms the next alert.
"""

from __future__ import annotations

import logging

from sqlalchemy import insert, select

from livestall.catalog.models import Product, ProductVariant, Shop, ShopMember
from livestall.db import utcnow
from livestall.notifications.fanout import setting_of
from livestall.notifications.models import Notification
from livestall.settings import get_settings

log = logging.getLogger("livestall.notifications")
LOW_STOCK = "low_stock"
N = Notification.__table__


def crossed(*, left: int, sold: int, threshold: int) -> bool:
    """Whether selling `sold` units brought the stock from above the threshold to it or below."""
    return sold > 0 and left <= threshold < left + sold


async def after_sale(bind, offer, sold: int, left: int, *, threshold: int | None = None) -> None:
    """A sale of `sold` units of an offer left `left`: tell the shop if that crossed its low-stock line.

    Runs in the sale's transaction (a rolled-back sale tells nobody); a failure here is logged and undone alone.
    A flash sale's units are set aside for it, so only the product's or variant's own stock counts."""
    threshold = get_settings().low_stock_threshold if threshold is None else threshold
    if offer.flash_sale_id is not None or not crossed(left=left, sold=sold, threshold=threshold):
        return
    try:
        async with bind.begin_nested():
            await tell_shop(bind, shop_id=offer.shop_id, product_id=offer.product_id,
                            variant_id=getattr(offer, "variant_id", None), left=left, threshold=threshold)
    except Exception:
        log.exception("could not write the low-stock alert of product %s", offer.product_id)


async def tell_shop(bind, *, shop_id: int, product_id: int, variant_id: int | None, left: int,
                    threshold: int) -> int:
    """Write one low-stock notification for each owner and staff member of the shop; how many were written."""
    product = (await bind.execute(select(Product.title, Product.sku).where(Product.id == product_id))).first()
    if product is None:
        return 0
    item, sku = product.title, product.sku
    if variant_id is not None:
        V = ProductVariant
        variant = (await bind.execute(select(V.sku, V.option1, V.option2, V.option3).where(V.id == variant_id))).first()
        if variant is not None:
            label = " / ".join(v for v in (variant.option1, variant.option2, variant.option3) if v is not None)
            item, sku = f"{product.title} ({label})", variant.sku
    shop_name = (await bind.execute(select(Shop.name).where(Shop.id == shop_id))).scalar() or ""
    members = list((await bind.execute(select(ShopMember.user_id).where(ShopMember.shop_id == shop_id)
                                       .order_by(ShopMember.user_id))).scalars())
    data = {"shop_id": shop_id, "shop_name": shop_name, "product_id": product_id, "variant_id": variant_id,
            "item": item, "sku": sku, "units_left": left, "threshold": threshold,
            "path": f"/manage/products/{product_id}"}
    now = utcnow()
    for user_id in members:
        in_app = (await bind.execute(select(setting_of("in_app", LOW_STOCK, user_id)))).scalar()
        # Left undispatched: the notification worker queues its email and push as the user's settings say.
        await bind.execute(insert(N).values(user_id=user_id, kind=LOW_STOCK, data=data, in_app=bool(in_app),
                                            created_at=now))
    return len(members)
