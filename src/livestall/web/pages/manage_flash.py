"""Shop admin: flash sales set up ahead for the shop's scheduled and live shows (product, sale price, units, limit per
buyer, start and length), and the list of those to come; the studio then shows and runs them."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import ValidationError

from livestall.catalog import service as catalog
from livestall.catalog.models import Shop
from livestall.db import SessionDep, utcnow
from livestall.errors import DomainError, FieldProblem, Invalid
from livestall.money import Money, parse_price
from livestall.orders import flash as flash_sales
from livestall.orders.schemas import FlashSaleCreate
from livestall.runtime import get_runtime
from livestall.shows import service as shows
from livestall.shows.models import Show
from livestall.web.i18n import N_
from livestall.web.pages.common import (
    FormDep, FormErrors, Page, PageDep, PageRoute, problems_of, redirect, render, require_user,
)
from livestall.web.pages.manage import parse_int, product_titles

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FIELDS = ("show_id", "product_id", "sale_price", "units", "per_buyer_limit", "starts_at", "duration_min", "countdown_s")
DURATIONS_MIN = (1, 2, 3, 5, 10, 15, 20)
COUNTDOWNS_S = (0, 10, 30, 60)
# The form's names for the API's fields, and what the page says of the rules only the flash-sale service names.
FIELD_NAMES = {"sale_price_minor": "sale_price", "duration_s": "duration_min", "variant_id": "product_id"}
RULES = {
    "not_in_past": N_("Pick a start from now on."),
    "no_overlap": N_("This product already has a flash sale at that time."),
    "in_stock": N_("Not enough left in stock."),
    "active_product": N_("This product is not on sale."),
    "product_of_show_shop": N_("Pick one of this shop's products."),
    "show_not_over": N_("This show is over: pick a scheduled or live show."),
    "after_show_start": N_("Pick a start at or after the show's start."),
    "required": N_("This field is required."),
    "show_of_shop": N_("Pick one of this shop's shows."),
}


async def _shows_of(session, shop: Shop) -> list[Show]:
    live, _ = await shows.list_shows(session=session, shop_id=shop.id, when="live", per_page=20)
    upcoming, _ = await shows.list_shows(session=session, shop_id=shop.id, when="upcoming", per_page=50)
    return live + upcoming


async def _context(page: Page, session, shop: Shop, values: dict, errors: dict) -> dict:
    """The form's choices and the sales to come (or running) in the shop's shows."""
    show_list = await _shows_of(session, shop)
    products, _ = await catalog.list_products(session=session, shop_id=shop.id, per_page=200)
    sales = [sale for show in show_list for sale in await flash_sales.list_flash_sales(session=session, show_id=show.id)
             if sale.status in ("scheduled", "live")]
    l10n = page.l10n
    return {"shop": shop, "shows": show_list, "show_titles": {s.id: s.title for s in show_list},
            "titles": await product_titles(session, {s.product_id for s in sales}), "sales": sales,
            "show_options": [(str(s.id), f"{s.title} · " + (page.gettext(N_("LIVE")) if s.status == "live"
                                                               else l10n.datetime(s.scheduled_at, "short")))
                             for s in show_list],
            "product_options": [option for p in products for option in _product_options(page, p)],
            "duration_options": [(str(m), page.ngettext("%(num)s minute", "%(num)s minutes", m))
                                 for m in DURATIONS_MIN],
            "countdown_options": [(str(c), page.gettext(N_("No countdown")) if c == 0 else
                                   page.ngettext("%(num)s second", "%(num)s seconds", c))
                                  for c in COUNTDOWNS_S],
            "values": {"duration_min": "5", "countdown_s": "10", **values}, "errors": errors}


def _product_options(page: Page, product) -> list[tuple[str, str]]:
    """The product as the form offers it: once, or once per variant ("<product id>:<variant id>", "Title · M / Grey")."""
    l10n = page.l10n
    if not product.variants:
        return [(str(product.id), f"{product.title} · {l10n.money(Money(product.price_minor, product.currency))} · "
                 + page.gettext(N_("In stock: %(num)s"), num=l10n.number(product.stock)))]
    return [(f"{product.id}:{v.id}", f"{product.title} · {v.label} · "
             + l10n.money(Money(v.price_minor if v.price_minor is not None else product.price_minor, product.currency))
             + " · " + page.gettext(N_("In stock: %(num)s"), num=l10n.number(v.stock))) for v in product.variants]


def _translated(page: Page, problems: list[FieldProblem]) -> list[FieldProblem]:
    """The problems under the form's field names, in the page's language where the page knows the rule."""
    return [FieldProblem(FIELD_NAMES.get(p.field, p.field), p.rule,
                         page.gettext(RULES[p.rule]) if p.rule in RULES else p.message) for p in problems]


def _parse(page: Page, values: dict, shop: Shop,
           show: Show | None) -> tuple[list[FieldProblem], FlashSaleCreate | None]:
    """The typed sale, or every problem with it at once."""
    problems: list[FieldProblem] = []
    typed: dict = {}
    for name, field in (("product_id", "product_id"), ("units", "units"), ("per_buyer_limit", "per_buyer_limit"),
                        ("duration_min", "duration_s"), ("countdown_s", "countdown_s")):
        text = values[name]
        if not text:
            if name != "per_buyer_limit":  # no limit when left empty
                problems.append(FieldProblem(name, "required", "is required"))
            continue
        try:
            typed[field] = parse_int(text, name) * (60 if name == "duration_min" else 1)
        except Invalid as exc:
            problems.extend(exc.errors)
    if values["sale_price"]:
        try:
            typed["sale_price_minor"] = parse_price(values["sale_price"], shop.currency, "sale_price")
        except Invalid as exc:
            problems.extend(exc.errors)
    else:
        problems.append(FieldProblem("sale_price", "required", "is required"))
    if values["starts_at"]:
        try:
            naive = datetime.fromisoformat(values["starts_at"])
            typed["starts_at"] = naive.replace(tzinfo=page.l10n.tz) if naive.tzinfo is None else naive
        except ValueError:
            problems.append(FieldProblem("starts_at", "datetime_format", "must be a date and time"))
    else:
        problems.append(FieldProblem("starts_at", "required", "is required"))
    # A sale that opens before its show goes on air would sell to nobody: a live buy needs the show live.
    starts_at = typed.get("starts_at")
    if show is not None and starts_at is not None and show.status == "scheduled" \
            and starts_at < show.scheduled_at - timedelta(seconds=59):
        problems.append(FieldProblem("starts_at", "after_show_start", "must be at or after the show's start"))
    sale_in = None
    try:
        sale_in = FlashSaleCreate(**{"product_id": 0, "duration_s": 60, "sale_price_minor": 0, "units": 1, **typed})
    except ValidationError as exc:
        problems.extend(p for p in problems_of(exc) if p.field not in {q.field for q in problems})
    return problems, None if problems else sale_in


@router.get("/manage/shops/{shop_id}/flash-sales")
async def flash_sales_page(shop_id: int, page: PageDep, session: SessionDep, show: int | None = None):
    """The flash sales to come in the shop's shows, and the form to set one up."""
    user = require_user(page)
    shop = await catalog.get_shop(session=session, shop_id=shop_id)
    catalog.check_shop_member(shop, user)
    values = {"show_id": str(show)} if show else {}
    return render(page, "manage/flash.html", await _context(page, session, shop, values, {}))


@router.post("/manage/shops/{shop_id}/flash-sales")
async def schedule_flash_sale(shop_id: int, page: PageDep, request: Request, form: FormDep, session: SessionDep):
    """Set up a flash sale in one of the shop's scheduled or live shows; its units leave the stock at once."""
    user = require_user(page)
    shop = await catalog.get_shop(session=session, shop_id=shop_id)
    catalog.check_shop_member(shop, user)
    values = form.values(*FIELDS)
    problems: list[FieldProblem] = []
    detail = ""
    try:
        show = await shows.get_show(session=session, show_id=parse_int(values["show_id"], "show_id"))
    except DomainError:
        show = None
    if show is None or show.shop_id != shop.id:
        show = None
        problems.append(FieldProblem("show_id", "show_of_shop", "is not a show of this shop"))
    product_text, _, variant_text = values["product_id"].partition(":")  # "12:34": variant 34 of product 12
    more, sale_in = _parse(page, {**values, "product_id": product_text}, shop, show)
    problems.extend(more)
    if show is not None and sale_in is not None:
        try:
            await shows.check_can_run_show(session=session, show=show, user=user)
            sale = await flash_sales.do_create_flash_sale(
                session=session, show=show, creator=user, product_id=sale_in.product_id,
                starts_at=sale_in.starts_at or utcnow(), duration_s=sale_in.duration_s,
                sale_price_minor=sale_in.sale_price_minor, currency=None, units=sale_in.units,
                per_buyer_limit=sale_in.per_buyer_limit, countdown_s=sale_in.countdown_s,
                fx_per_usd=page.settings.fx_per_usd, variant_id=int(variant_text) if variant_text.isdigit() else None)
            offers = get_runtime(request).offers
            if offers is not None:  # a live show's buyers get the new price at its start, not a cached one
                offers.forget_show(show.id)
            return redirect(page, f"/manage/shops/{shop.id}/flash-sales?scheduled={sale.id}#sales")
        except DomainError as exc:
            problems, detail = problems_of(exc), exc.detail
    return render(page, "manage/flash.html", await _context(
        page, session, shop, values, FormErrors.of(page, _translated(page, problems), detail)), status=422)
