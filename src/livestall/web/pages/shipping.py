"""Shipping pages for the shop: packing slips to print, one page a parcel, in the buyer's language and the seller's;
the parcels waiting to ship (one tracking number each); and the shop's zones, fees and free-shipping threshold."""

from __future__ import annotations

import re
from types import SimpleNamespace

from fastapi import APIRouter, Query
from pydantic import ValidationError

from livestall.catalog.models import Shop
from livestall.catalog.service import check_shop_member, get_shop
from livestall.db import SessionDep
from livestall.errors import DomainError, FieldProblem, Invalid
from livestall.money import MINOR_UNITS, parse_price
from livestall.orders.parcels import ParcelToPack, Slip, do_ship_parcel, get_parcel, list_parcels, list_slips
from livestall.orders.schemas import ShipIn
from livestall.orders.shipping_fees import ShippingRulesIn, do_save_rules, get_rules
from livestall.web import i18n
from livestall.web.i18n import N_
from livestall.web.messages import error_message
from livestall.web.pages.common import FormDep, Page, PageDep, PageRoute, problems_of, redirect, render, require_user

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
            "ordered": i18n.Localizer(lang, page.l10n.tz).date(slip.order.created_at, "medium"),
            "items": [SimpleNamespace(title=slip.product_title, option=slip.order.option,
                                      quantity=slip.order.quantity)], "parcel": None}


def parcel_slip_view(pack: ParcelToPack, page, shop: Shop) -> dict:
    """One slip for a whole parcel: every paid order in it, as lines of one packing list."""
    first = pack.orders[0]
    view = slip_view(Slip(first, pack.titles.get(first.product_id, ""), pack.buyer_language), page, shop)
    view["items"] = [SimpleNamespace(title=pack.titles.get(o.product_id, ""), option=o.option, quantity=o.quantity)
                     for o in pack.orders]
    view["parcel"] = pack.parcel
    return view


@router.get("/manage/shops/{shop_id}/packing-slips")
async def packing_slips(shop_id: int, page: PageDep, session: SessionDep,
                        order: list[int] = Query(default=[]), show: int | None = None,
                        parcel: list[int] = Query(default=[])):
    """The packing slips of the given orders (`?order=1&order=2`) or parcels (`?parcel=3`: one list of every
    item in it), else of every paid order not shipped yet (`?show=ID`: of one show), one printed page each."""
    user = require_user(page)
    shop = await get_shop(session=session, shop_id=shop_id)
    check_shop_member(shop, user)
    if parcel:
        packs = await list_parcels(session=session, shop_id=shop.id, parcel_ids=parcel)
        views = [parcel_slip_view(pack, page, shop) for pack in packs]
    else:
        slips = await list_slips(session=session, shop_id=shop.id, order_ids=order or None, show_id=show)
        views = [slip_view(s, page, shop) for s in slips]
    return render(page, "manage/packing_slips.html", {"shop": shop, "slips": views})


# -- parcels waiting to ship --------------------------------------------------------------------

async def _member_shop(session, page: Page, shop_id: int) -> Shop:
    user = require_user(page)
    shop = await get_shop(session=session, shop_id=shop_id)
    check_shop_member(shop, user)
    return shop


async def _parcels_page(page: Page, session, shop: Shop, *, errors: dict | None = None, values: dict | None = None,
                        status: int = 200):
    packs = await list_parcels(session=session, shop_id=shop.id)
    return render(page, "manage/parcels.html", {"shop": shop, "parcels": packs, "errors": errors or {},
                                                "values": values or {}, "failed": (values or {}).get("parcel")},
                  status=status)


@router.get("/manage/shops/{shop_id}/parcels")
async def parcels_page(shop_id: int, page: PageDep, session: SessionDep):
    """The shop's parcels waiting to ship: each buyer's paid orders combined, a packing list and one ship form."""
    shop = await _member_shop(session, page, shop_id)
    return await _parcels_page(page, session, shop)


@router.post("/manage/shops/{shop_id}/parcels/{parcel_id}/ship")
async def ship_parcel_form(shop_id: int, parcel_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Ship a parcel with one tracking number: every paid order in it is shipped."""
    shop = await _member_shop(session, page, shop_id)
    parcel = await get_parcel(session=session, parcel_id=parcel_id, shop_id=shop.id)
    values = form.values("tracking_number", "carrier")
    try:
        ship_in = ShipIn(**values)
        await do_ship_parcel(session=session, parcel=parcel, tracking_number=ship_in.tracking_number,
                             carrier=ship_in.carrier)
    except (ValidationError, DomainError) as exc:
        errors = {p.field.split(".")[0]: error_message(page, p) for p in problems_of(exc)}
        return await _parcels_page(page, session, shop, errors=errors, values={**values, "parcel": parcel.id},
                                   status=422 if isinstance(exc, ValidationError | Invalid) else 409)
    return redirect(page, f"/manage/shops/{shop.id}/parcels?shipped={parcel.id}")


# -- zones, fees and the free-shipping threshold --------------------------------------------------

# What the page says of the rules only the shipping form names.
RULES = {
    "one_zone_per_country": N_("A country can be in one zone only."),
    "unique_zone_name": N_("Two zones cannot have the same name."),
    "iso_country": N_("Use two-letter country codes, such as ES or CN, separated by commas."),
    "zone_complete": N_("Give the zone a name, its countries and a fee."),
}
FORM_FIELDS = {"name": "zone_name", "countries": "zone_countries", "fee_minor": "zone_fee"}


def _form_field(api_field: str) -> str:
    """The form's field for an API field: zones.1.countries.0 is zone_countries_1."""
    parts = api_field.split(".")
    if parts[0] == "zones" and len(parts) >= 3 and parts[1].isdigit():
        return f"{FORM_FIELDS.get(parts[2], 'zone_name')}_{parts[1]}"
    return {"rest_of_world_fee_minor": "rest_fee", "free_over_minor": "free_over"}.get(parts[0], parts[0])


def _zone_rows(rules, currency: str) -> list[dict]:
    return [{"name": z.name, "countries": ", ".join(z.countries), "fee": _major(z.fee_minor, currency)}
            for z in rules.zones]


def _major(amount: int | None, currency: str) -> str:
    """An amount as the seller types it back: 12.50, no currency, no grouping."""
    if amount is None:
        return ""
    places = MINOR_UNITS[currency]
    major, minor = divmod(amount, 10**places)
    return f"{major}.{minor:0{places}d}" if places else str(major)


def _settings_context(page: Page, shop: Shop, values: dict, rows: list[dict], errors: dict) -> dict:
    return {"shop": shop, "values": values, "rows": [*rows, {"name": "", "countries": "", "fee": ""}],
            "errors": errors}


@router.get("/manage/shops/{shop_id}/shipping")
async def shipping_settings(shop_id: int, page: PageDep, session: SessionDep):
    """The shop's shipping fees: zones of countries with a fee each, the rest of the world, free over a total."""
    shop = await _member_shop(session, page, shop_id)
    rules = await get_rules(session=session, shop_id=shop.id)
    values = {"rest": "no" if rules.configured and rules.rest_of_world_fee_minor is None else "yes",
              "rest_fee": _major(rules.rest_of_world_fee_minor, shop.currency) if rules.configured else "",
              "free_over": _major(rules.free_over_minor, shop.currency), "combine_hours": str(rules.combine_hours)}
    return render(page, "manage/shipping_settings.html",
                  _settings_context(page, shop, values, _zone_rows(rules, shop.currency), {}))


def _parse_rules(form, shop: Shop) -> tuple[list[FieldProblem], list[dict], dict, ShippingRulesIn | None]:
    """The typed rules, or every problem with them at once (by the form's field names)."""
    problems: list[FieldProblem] = []
    names, countries, fees = form.getlist("zone_name"), form.getlist("zone_countries"), form.getlist("zone_fee")
    rows = [{"name": n.strip(), "countries": c.strip(), "fee": f.strip()} for n, c, f in zip(names, countries, fees)]
    rows = [row for row in rows if row["name"] or row["countries"] or row["fee"]]
    zones = []
    for i, row in enumerate(rows):
        if not (row["name"] and row["countries"] and row["fee"]):
            missing = next(k for k in ("name", "countries", "fee") if not row[k])
            problems.append(FieldProblem(f"zone_{missing}_{i}", "zone_complete", "a zone needs a name, countries, a fee"))
            continue
        zone = {"name": row["name"], "countries": [c.upper() for c in re.split(r"[\s,;]+", row["countries"]) if c]}
        try:
            zone["fee_minor"] = parse_price(row["fee"], shop.currency, f"zone_fee_{i}")
        except Invalid as exc:
            problems.extend(exc.errors)
            zone["fee_minor"] = 0
        zones.append(zone)
    values = form.values("rest", "rest_fee", "free_over", "combine_hours")
    body: dict = {"zones": zones, "rest_of_world_fee_minor": None}
    if values["rest"] != "no":
        try:
            body["rest_of_world_fee_minor"] = parse_price(values["rest_fee"] or "0", shop.currency, "rest_fee")
        except Invalid as exc:
            problems.extend(exc.errors)
    if values["free_over"]:
        try:
            body["free_over_minor"] = parse_price(values["free_over"], shop.currency, "free_over")
        except Invalid as exc:
            problems.extend(exc.errors)
    if values["combine_hours"]:
        if not values["combine_hours"].isdigit():
            problems.append(FieldProblem("combine_hours", "int_parsing", "must be a whole number of hours"))
        else:
            body["combine_hours"] = int(values["combine_hours"])
    rules_in = None
    if not problems:
        try:
            rules_in = ShippingRulesIn(**body)
        except ValidationError as exc:
            problems.extend(FieldProblem(_form_field(p.field), p.rule, p.message) for p in problems_of(exc))
    return problems, rows, values, rules_in


def _errors(page: Page, problems: list[FieldProblem]) -> dict:
    errors: dict = {}
    for p in problems:
        errors.setdefault(p.field, page.gettext(RULES[p.rule]) if p.rule in RULES else error_message(page, p))
    return errors


@router.post("/manage/shops/{shop_id}/shipping")
async def save_shipping_settings(shop_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Save the shop's zones and fees; errors beside their fields, and nothing saved, when any is wrong."""
    shop = await _member_shop(session, page, shop_id)
    problems, rows, values, rules_in = _parse_rules(form, shop)
    if rules_in is not None:
        try:
            await do_save_rules(session=session, shop_id=shop.id, rules_in=rules_in)
        except DomainError as exc:
            problems = [FieldProblem(_form_field(p.field), p.rule, p.message) for p in exc.errors]
    if problems:
        return render(page, "manage/shipping_settings.html",
                      _settings_context(page, shop, values, rows, _errors(page, problems)), status=422)
    return redirect(page, f"/manage/shops/{shop.id}/shipping?saved=1")
