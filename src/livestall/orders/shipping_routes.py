"""HTTP routes of combined shipping: a shop's zones and fees, the fee quoted before buying, parcels to ship."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from livestall.accounts.deps import CurrentUser, OptionalUser
from livestall.catalog.models import Product
from livestall.catalog.service import check_shop_member, get_shop
from livestall.db import SessionDep, get_or_404
from livestall.errors import Invalid
from livestall.money import Money
from livestall.orders import combined, parcels
from livestall.orders.addresses import get_default_shipping
from livestall.orders.schemas import ShipIn
from livestall.orders.shipping_fees import ShippingRulesIn, do_save_rules, get_rules
from livestall.shows.models import Show
from livestall.validation import COUNTRIES

router = APIRouter(tags=["shipping"])


def money(amount: int | None, currency: str) -> dict | None:
    return None if amount is None else Money(amount, currency).as_dict()


def rules_read(rules, currency: str) -> dict:
    body = rules.as_dict()
    body["currency"] = currency
    for zone in body["zones"]:
        zone["fee"] = money(zone["fee_minor"], currency)
    body["rest_of_world_fee"] = money(rules.rest_of_world_fee_minor, currency)
    body["free_over"] = money(rules.free_over_minor, currency)
    return body


@router.get("/shops/{shop_id}/shipping")
async def read_shipping(shop_id: int, session: SessionDep) -> dict:
    """Anyone: the shop's zones, fees and free-shipping threshold, in the shop's currency."""
    shop = await get_shop(session=session, shop_id=shop_id)
    return rules_read(await get_rules(session=session, shop_id=shop.id), shop.currency)


@router.put("/shops/{shop_id}/shipping")
async def save_shipping(shop_id: int, rules_in: ShippingRulesIn, user: CurrentUser, session: SessionDep) -> dict:
    """The shop: replace its zones (name, ISO countries, fee), the rest of the world's fee (null: not shipped),
    the free-shipping threshold and the combining window after a show."""
    shop = await get_shop(session=session, shop_id=shop_id)
    check_shop_member(shop, user)
    return rules_read(await do_save_rules(session=session, shop_id=shop.id, rules_in=rules_in), shop.currency)


@router.get("/shows/{show_id}/shipping-quote")
async def shipping_quote(show_id: int, session: SessionDep, user: OptionalUser,
                         product_id: Annotated[int, Query(ge=1)], quantity: Annotated[int, Query(ge=1, le=99)] = 1,
                         country: Annotated[str | None, Query(max_length=2)] = None) -> dict:
    """The shipping fee buying `quantity` of a product in this show would add, given what the buyer already
    has in the parcel: to `country`, else to the buyer's default address."""
    show = await get_or_404(session, Show, show_id)
    product = await session.get(Product, product_id)
    if product is None or product.shop_id != show.shop_id:
        raise Invalid.field("product_id", "sold_in_show", "is not sold in this show")
    shipping = await get_default_shipping(session=session, user_id=user.id) if user is not None else None
    country = (country or (shipping or {}).get("country") or "").upper()
    if not country:
        raise Invalid.field("country", "required", "say where the parcel goes (an ISO country code such as ES)")
    if country not in COUNTRIES:
        raise Invalid.field("country", "iso_country", "must be an ISO 3166-1 alpha-2 country code, such as ES")
    q = await combined.quote(session, shop_id=show.shop_id, show_id=show.id, buyer_id=user.id if user else None,
                             shipping=shipping, country=country, adding_minor=product.price_minor * quantity)
    currency = product.currency
    return {"country": country, "fee": money(q.fee_minor, currency), "zone": q.zone, "fee_paid": q.fee_paid,
            "in_parcel": money(q.items_in_parcel_minor, currency), "free_over": money(q.free_over_minor, currency),
            "configured": q.configured}


def parcel_read(pack: parcels.ParcelToPack) -> dict:
    p = pack.parcel
    return {"id": p.id, "show_id": p.show_id, "buyer_id": p.buyer_id, "country": p.country, "status": p.status,
            "fee": money(p.fee_minor, p.currency), "fee_status": p.fee_status, "ship_to": pack.ship_to,
            "items": money(pack.items_minor, p.currency),
            "orders": [{"id": o.id, "ref": o.ref, "product_id": o.product_id, "title": pack.titles.get(o.product_id, ""),
                        "option": o.option, "quantity": o.quantity, "total": money(o.total_minor, o.currency)}
                       for o in pack.orders]}


class ParcelList(BaseModel):
    items: list[dict]


@router.get("/shops/{shop_id}/parcels", response_model=ParcelList)
async def list_parcels(shop_id: int, user: CurrentUser, session: SessionDep, show_id: int | None = None):
    """The shop: its parcels waiting to ship (of one show with `show_id`), each with every paid order in it."""
    shop = await get_shop(session=session, shop_id=shop_id)
    check_shop_member(shop, user)
    packs = await parcels.list_parcels(session=session, shop_id=shop.id, show_id=show_id)
    return ParcelList(items=[parcel_read(pack) for pack in packs])


@router.post("/shops/{shop_id}/parcels/{parcel_id}/ship")
async def ship_parcel(shop_id: int, parcel_id: int, ship_in: ShipIn, user: CurrentUser, session: SessionDep) -> dict:
    """The shop: the parcel left with this tracking number; every paid order in it is shipped."""
    shop = await get_shop(session=session, shop_id=shop_id)
    check_shop_member(shop, user)
    parcel = await parcels.get_parcel(session=session, parcel_id=parcel_id, shop_id=shop.id)
    shipped = await parcels.do_ship_parcel(session=session, parcel=parcel, tracking_number=ship_in.tracking_number,
                                           carrier=ship_in.carrier)
    return {"id": parcel.id, "status": parcel.status, "tracking_number": parcel.tracking_number,
            "carrier": parcel.carrier, "orders": [{"id": o.id, "ref": o.ref, "status": o.status} for o in shipped]}
