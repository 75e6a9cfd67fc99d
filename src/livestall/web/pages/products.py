"""The product page (photos, description, options, stock, price, buy, the shows featuring it), and the offers that
the buy sheet of the shop, product and replay pages reads: products at their normal price, never a flash price."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exists, or_, select

from livestall.catalog import service as catalog
from livestall.catalog.models import Product
from livestall.db import SessionDep, utcnow
from livestall.errors import Invalid
from livestall.festivals.pricing import effective_unit_price
from livestall.money import Money
from livestall.orders.flash import display_prices
from livestall.orders.models import FlashSale
from livestall.orders.shelf import variants_view
from livestall.orders.stock import OPEN_FLASH
from livestall.shows.models import Show, ShowPin
from livestall.web.pages.common import PageDep, PageRoute, login_url, render
from livestall.web.pages.discover import show_cards

router = APIRouter(route_class=PageRoute, include_in_schema=False)

LOW_STOCK = 5  # "only N left" from here down
MAX_OFFERS = 50  # a replay has at most a few dozen products
MAX_SHOWS = 12


async def offer_view(session, product: Product, fx_per_usd: dict[str, Decimal]) -> dict:
    """What the buy sheet needs of a product: its price now (in the shop's and every display currency), stock,
    options and first photo."""
    now = utcnow()
    price = await effective_unit_price(session, product, now)
    money = Money(price.amount_minor, product.currency)
    return {"product_id": product.id, "shop_id": product.shop_id, "title": product.title,
            "url": f"/products/{product.id}", "image_url": product.images[0].url if product.images else None,
            "options": [] if product.variants else product.options or [], "stock": product.stock,
            "on_sale": product.status == "active", "price": money.as_dict(),
            "display_prices": display_prices(money, fx_per_usd), "option_axes": list(product.option_axes or []),
            "variants": variants_view(product, price.amount_minor, price.festival_id is not None, {}, fx_per_usd, now)}


def parse_ids(text: str) -> list[int]:
    """'3,5,8' as ids, in order, each once."""
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise Invalid.field("ids", "id_list", "must be product ids separated by commas") from None
    if len(ids) > MAX_OFFERS:
        raise Invalid.field("ids", "max_items", f"at most {MAX_OFFERS} products")
    return list(dict.fromkeys(ids))


@router.get("/products/offers")
async def offers(page: PageDep, session: SessionDep, ids: str = Query("", max_length=1000)) -> JSONResponse:
    """The offers of these products that are on sale (others are left out): {"items": [...]}."""
    wanted = parse_ids(ids)
    found = {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(wanted)))} if wanted else {}
    fx = page.settings.fx_per_usd
    items = [await offer_view(session, found[i], fx) for i in wanted if i in found and found[i].status == "active"]
    return JSONResponse({"items": items}, headers={"Cache-Control": "private, no-cache"})


async def list_featuring_shows(session, product: Product) -> list[Show]:
    """The shop's live and upcoming shows with this product on their shelf or in a flash sale, live first."""
    pinned = exists().where(ShowPin.show_id == Show.id, ShowPin.product_id == product.id,
                            ShowPin.unpinned_at.is_(None))
    on_flash = exists().where(FlashSale.show_id == Show.id, FlashSale.product_id == product.id,
                              FlashSale.status.in_(OPEN_FLASH))
    found = await session.scalars(select(Show).where(Show.shop_id == product.shop_id,
                                                     Show.status.in_(("live", "scheduled")), or_(pinned, on_flash))
                                  .order_by(Show.status.desc(), Show.scheduled_at).limit(MAX_SHOWS))
    return list(found)  # "scheduled" sorts after "live" descending: live first, then soonest


@router.get("/products/{product_id}")
async def product_page(product_id: int, page: PageDep, request: Request, session: SessionDep):
    """One product: photos, description, options or variants, stock, price, buy, and the shop's shows featuring it."""
    # Active products for everybody; a draft or archived one for its shop's members only.
    product = await catalog.get_visible_product(session=session, product_id=product_id, user=page.user)
    shop = await catalog.get_shop(session=session, shop_id=product.shop_id)
    offer = await offer_view(session, product, page.settings.fx_per_usd)
    shows = await list_featuring_shows(session, product)
    data = {"currency": page.currency, "user_id": page.user.id if page.user else None,
            "login_url": login_url(request)}
    if offer["variants"]:
        data["offer"] = offer  # product_variants.js draws the chips, price and stock of the variant picked
    return render(page, "product.html", {
        "product": product, "shop": shop, "offer": offer, "low_stock": LOW_STOCK, "data": data,
        "shown_price": offer["display_prices"].get(page.currency),
        "shows": await show_cards(request, session, shows, page.user)})
