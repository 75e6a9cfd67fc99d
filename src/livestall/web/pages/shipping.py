"""Shipping pages for the shop: packing slips to print, one page a parcel, in the buyer's language and the seller's."""

from __future__ import annotations

from fastapi import APIRouter, Query

from livestall.catalog.models import Shop
from livestall.catalog.service import check_shop_member, get_shop
from livestall.db import SessionDep
from livestall.orders.parcels import Slip, list_slips
from livestall.web import i18n
from livestall.web.i18n import N_
from livestall.web.pages.common import PageDep, PageRoute, render, require_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# A slip's headings, each printed in the buyer's language with the seller's beside it.
SLIP_HEADINGS = {
    "slip": N_("Packing slip"),
    "order": N_("Order"),
    "ordered": N_("Ordered on"),
    "from": N_("From"),
    "ship_to": N_("Ship to"),
    "item": N_("Item"),
    "option": N_("Option"),
    "quantity": N_("Quantity"),
    "thanks": N_("Thank you for your order!"),
}


def headings(buyer_lang: str, seller_lang: str) -> dict[str, list[tuple[str, str]]]:
    """Each heading as (language, text) pairs: the buyer's first, then the seller's when it is another language."""
    langs = [buyer_lang] if buyer_lang == seller_lang else [buyer_lang, seller_lang]
    return {key: [(lang, i18n.translations(lang).gettext(text)) for lang in langs]
            for key, text in SLIP_HEADINGS.items()}


def slip_view(slip: Slip, page, shop: Shop) -> dict:
    """What the template prints for one slip."""
    lang = slip.buyer_language if slip.buyer_language in i18n.LANGUAGES else "en"
    return {"order": slip.order, "title": slip.product_title, "lang": lang,
            "dir": "rtl" if lang in i18n.RTL else "ltr", "headings": headings(lang, page.lang),
            "ordered": i18n.Localizer(lang, page.l10n.tz).date(slip.order.created_at, "medium")}


@router.get("/manage/shops/{shop_id}/packing-slips")
async def packing_slips(shop_id: int, page: PageDep, session: SessionDep,
                        order: list[int] = Query(default=[]), show: int | None = None):
    """The packing slips of the given orders (`?order=1&order=2`), else of every paid order not shipped yet
    (`?show=ID`: of one show), one printed page each."""
    user = require_user(page)
    shop = await get_shop(session=session, shop_id=shop_id)
    check_shop_member(shop, user)
    slips = await list_slips(session=session, shop_id=shop.id, order_ids=order or None, show_id=show)
    return render(page, "manage/packing_slips.html", {
        "shop": shop, "slips": [slip_view(s, page, shop) for s in slips]})
