"""The operator's festival setup pages: create and edit a festival, its shops, festival prices and vouchers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter
from pydantic import ValidationError
from sqlalchemy import select

from livestall.accounts.service import check_operator
from livestall.catalog.models import Product, Shop
from livestall.db import SessionDep
from livestall.errors import DomainError, FieldProblem, Invalid
from livestall.festivals import service, vouchers
from livestall.festivals.models import Festival
from livestall.festivals.schemas import FestivalCreate, FestivalUpdate, PriceCreate, VoucherCreate
from livestall.money import MINOR_UNITS, parse_price
from livestall.web.i18n import N_
from livestall.web.messages import error_message
from livestall.web.pages.common import FormDep, Page, PageDep, PageRoute, redirect, render, require_user
from livestall.web.pages.common import problems_of as _problems_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FESTIVAL_FIELDS = ("name", "description", "starts_at", "ends_at", "currency", "shops")
PRICE_FIELDS = ("product_id", "price", "discount_pct", "price_starts_at", "price_ends_at")
VOUCHER_FIELDS = ("code", "voucher_shop", "amount_off", "percent_off", "min_spend", "per_user_limit", "max_uses")
SHOPS_SHOWN = 100

# The festival services' own rules, said in the page's language (the shared rules are in web/messages.py).
FESTIVAL_RULES = {
    "after_starts_at": N_("The end must be after the start."),
    "existing_shop": N_("There is no shop with this number."),
    "participating_shop": N_("This shop does not take part in the festival."),
    "within_festival": N_("Pick a time within the festival's dates."),
    "not_above_list_price": N_("A festival price must not be above the product's price."),
    "no_overlap": N_("This product already has a festival price at that time."),
    "contains_prices": N_("Festival prices would fall outside these dates: remove them first."),
    "existing_product": N_("There is no product with this number."),
    "price_or_discount": N_("Give either a festival price or a discount, not both."),
    "amount_or_percent": N_("Give either an amount off or a percentage off, not both."),
    "shop_numbers": N_("Enter shop numbers separated by commas, such as 12, 15."),
    "voucher_code": N_("Use 3 to 32 letters, digits, dashes or underscores."),
}


def field_errors(page: Page, problems: list[FieldProblem], names: dict[str, str], whole: str) -> dict[str, str]:
    """Field → message in the page's language; API field names become the form's, a problem of no field `whole`'s."""
    errors: dict[str, str] = {}
    for problem in problems:
        field = problem.field.split(".")[0]
        name = whole if field in ("", "body") else names.get(field, field)
        rule = problem.rule
        if rule == "string_pattern_mismatch" and name == "code":
            rule = "voucher_code"
        text = FESTIVAL_RULES.get(rule)
        errors.setdefault(name, page.gettext(text) if text else error_message(page, problem))
    return errors


def require_operator(page: Page):
    user = require_user(page)
    check_operator(user)
    return user


def parse_local(text: str, page: Page, field: str) -> datetime:
    """A datetime-local value ('2026-11-11T00:00'), in the browser's time zone."""
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid.field(field, "datetime_format", "must be a date and time") from None
    return naive.replace(tzinfo=page.l10n.tz) if naive.tzinfo is None else naive


def local_text(value: datetime | None, page: Page) -> str:
    """A datetime as a datetime-local field shows it, in the browser's time zone."""
    return value.astimezone(page.l10n.tz).strftime("%Y-%m-%dT%H:%M") if value else ""


def major_text(minor: int | None, currency: str) -> str:
    return "" if minor is None else f"{Decimal(minor).scaleb(-MINOR_UNITS.get(currency, 2)):f}"


def parse_shop_ids(text: str, field: str = "shops") -> list[int]:
    """'12, 15 19' → [12, 15, 19]."""
    parts = [p for p in text.replace(",", " ").split() if p]
    if not all(p.isdigit() and len(p) < 12 for p in parts):
        raise Invalid.field(field, "shop_numbers", "must be shop numbers separated by commas")
    return [int(p) for p in parts]


def whole_number(text: str, field: str) -> int | None:
    """A typed whole number, None when left empty."""
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise Invalid.field(field, "int_parsing", "must be a whole number") from None


class Collected:
    """Parses a form's fields one by one, keeping every problem, so that all of them are shown at once."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def take(self, parse, *args):
        try:
            return parse(*args)
        except Invalid as exc:
            self.problems.extend(exc.errors)
            return None

    def check(self) -> None:
        if self.problems:
            raise Invalid("; ".join(p.message for p in self.problems), self.problems)


# -- the festival itself ------------------------------------------------------------------------

@router.get("/festivals/new")
async def new_festival(page: PageDep):
    """The form for a new festival."""
    require_operator(page)
    return render(page, "festivals/form.html", {"festival": None, "values": {"currency": "CNY"}, "errors": {},
                                                "currencies": sorted(MINOR_UNITS)})


@router.post("/festivals/new")
async def create_festival(page: PageDep, form: FormDep, session: SessionDep):
    """Create a festival; on bad input the form again, each error by its field."""
    user = require_operator(page)
    values = form.values(*FESTIVAL_FIELDS)
    try:
        got = Collected()
        starts_at = got.take(parse_local, values["starts_at"], page, "starts_at")
        ends_at = got.take(parse_local, values["ends_at"], page, "ends_at")
        shop_ids = got.take(parse_shop_ids, values["shops"]) or []
        got.check()
        festival_in = FestivalCreate(name=values["name"], description=values["description"], starts_at=starts_at,
                                     ends_at=ends_at, currency=values["currency"] or "CNY", shop_ids=shop_ids)
        async with session.begin_nested():
            festival = await service.do_create_festival(session=session, creator=user, festival_in=festival_in)
    except (ValidationError, DomainError) as exc:
        errors = field_errors(page, _problems_of(exc), {"shop_ids": "shops"}, "name")
        return render(page, "festivals/form.html", {"festival": None, "values": values, "errors": errors,
                                                    "currencies": sorted(MINOR_UNITS)},
                      status=getattr(exc, "status", 422))
    return redirect(page, f"/festivals/{festival.id}/edit?created=1")


async def _edit_context(page: Page, session, festival: Festival, values: dict, errors: dict) -> dict:
    shops, shop_total = await service.list_shops(session=session, festival=festival, per_page=SHOPS_SHOWN)
    prices = await service.list_prices(session=session, festival=festival)
    products = {p.id: p for p in await _products(session, {p.product_id for p in prices})}
    issued = await vouchers.list_vouchers(session=session, festival=festival, user=page.user)
    shop_names = dict(shops)
    missing = {v.shop_id for v in issued if v.shop_id and v.shop_id not in shop_names}
    for shop_id in missing:
        shop = await session.get(Shop, shop_id)
        shop_names[shop_id] = shop.name if shop else f"#{shop_id}"
    current = {"name": festival.name, "description": festival.description,
               "starts_at": local_text(festival.starts_at, page), "ends_at": local_text(festival.ends_at, page),
               "per_user_limit": "1"}
    return {"festival": festival, "status": service.status_of(festival), "shops": shops, "shop_total": shop_total,
            "prices": prices, "products": products, "vouchers": issued, "shop_names": shop_names,
            "major": major_text, "values": {**current, **values}, "errors": errors}


async def _products(session, ids: set[int]) -> list[Product]:
    if not ids:
        return []
    return list(await session.scalars(select(Product).where(Product.id.in_(ids))))


async def _festival(page: Page, session, festival_id: int) -> Festival:
    require_operator(page)
    return await service.get_festival(session=session, festival_id=festival_id)


async def _refused(page: Page, session, festival: Festival, values: dict, errors: dict, exc, anchor: str):
    await session.refresh(festival)
    context = await _edit_context(page, session, festival, values, errors)
    return render(page, "festivals/edit.html", {**context, "anchor": anchor}, status=getattr(exc, "status", 422))


@router.get("/festivals/{festival_id}/edit")
async def edit_festival(festival_id: int, page: PageDep, session: SessionDep):
    """A festival's setup: name and dates, shops, festival prices and vouchers."""
    festival = await _festival(page, session, festival_id)
    return render(page, "festivals/edit.html", await _edit_context(page, session, festival, {}, {}))


@router.post("/festivals/{festival_id}/edit")
async def update_festival(festival_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Rename a festival or move its dates."""
    festival = await _festival(page, session, festival_id)
    values = form.values("name", "description", "starts_at", "ends_at")
    try:
        got = Collected()
        starts_at = got.take(parse_local, values["starts_at"], page, "starts_at")
        ends_at = got.take(parse_local, values["ends_at"], page, "ends_at")
        got.check()
        festival_in = FestivalUpdate(name=values["name"], description=values["description"], starts_at=starts_at,
                                     ends_at=ends_at)
        async with session.begin_nested():
            await service.do_update_festival(session=session, festival=festival, festival_in=festival_in)
    except (ValidationError, DomainError) as exc:
        errors = field_errors(page, _problems_of(exc), {}, "name")
        return await _refused(page, session, festival, values, errors, exc, "festival")
    return redirect(page, f"/festivals/{festival.id}/edit?saved=1")


# -- shops --------------------------------------------------------------------------------------

@router.post("/festivals/{festival_id}/shops")
async def add_shops(festival_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Shops join the festival, by their numbers."""
    festival = await _festival(page, session, festival_id)
    values = form.values("shops")
    try:
        shop_ids = parse_shop_ids(values["shops"])
        if not shop_ids:
            raise Invalid.field("shops", "missing", "give at least one shop number")
        async with session.begin_nested():
            await service.do_add_shops(session=session, festival=festival, shop_ids=shop_ids)
    except DomainError as exc:
        errors = field_errors(page, _problems_of(exc), {"shop_ids": "shops"}, "shops")
        return await _refused(page, session, festival, values, errors, exc, "shops")
    return redirect(page, f"/festivals/{festival.id}/edit?saved=1#shops")


@router.post("/festivals/{festival_id}/shops/{shop_id}/remove")
async def remove_shop(festival_id: int, shop_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """A shop leaves the festival, with its festival prices."""
    festival = await _festival(page, session, festival_id)
    await service.do_remove_shop(session=session, festival=festival, shop_id=shop_id)
    return redirect(page, f"/festivals/{festival.id}/edit?saved=1#shops")


# -- festival prices ----------------------------------------------------------------------------

def _price_in(page: Page, product: Product, values: dict) -> PriceCreate:
    got = Collected()
    price_minor = None
    if values["price"]:
        price_minor = got.take(parse_price, values["price"], product.currency, "price")
    discount = got.take(whole_number, values["discount_pct"], "discount_pct")
    starts_at = got.take(parse_local, values["price_starts_at"], page, "price_starts_at") \
        if values["price_starts_at"] else None
    ends_at = got.take(parse_local, values["price_ends_at"], page, "price_ends_at") if values["price_ends_at"] else None
    got.check()
    return PriceCreate(product_id=product.id, price_minor=price_minor, discount_pct=discount,
                       starts_at=starts_at, ends_at=ends_at)


PRICE_NAMES = {"price_minor": "price", "starts_at": "price_starts_at", "ends_at": "price_ends_at"}


@router.post("/festivals/{festival_id}/prices")
async def add_price(festival_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """A product's festival price or discount, inside the festival's dates."""
    festival = await _festival(page, session, festival_id)
    values = form.values(*PRICE_FIELDS)
    try:
        product_id = whole_number(values["product_id"], "product_id")
        if product_id is None:
            raise Invalid.field("product_id", "missing", "give the product's number")
        product, _shop = await service.get_priced_product(session=session, festival=festival, product_id=product_id)
        price_in = _price_in(page, product, values)
        async with session.begin_nested():
            await service.do_create_price(session=session, festival=festival, product=product, creator=page.user,
                                          price_in=price_in)
    except (ValidationError, DomainError) as exc:
        errors = field_errors(page, _problems_of(exc), PRICE_NAMES, "price")
        return await _refused(page, session, festival, values, errors, exc, "prices")
    return redirect(page, f"/festivals/{festival.id}/edit?saved=1#prices")


@router.post("/festival-prices/{festival_price_id}/delete")
async def delete_price(festival_price_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Remove a festival price, back to its festival's setup."""
    require_operator(page)
    price = await service.get_price(session=session, price_id=festival_price_id)
    await service.do_delete_price(session=session, price=price)
    return redirect(page, f"/festivals/{price.festival_id}/edit?saved=1#prices")


# -- vouchers -----------------------------------------------------------------------------------

VOUCHER_NAMES = {"shop_id": "voucher_shop", "amount_off_minor": "amount_off", "min_spend_minor": "min_spend"}


@router.post("/festivals/{festival_id}/vouchers")
async def add_voucher(festival_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """A platform voucher (or a participating shop's, which that shop funds) with its discount and limits."""
    festival = await _festival(page, session, festival_id)
    values = form.values(*VOUCHER_FIELDS)
    try:
        got = Collected()
        shop_id = got.take(whole_number, values["voucher_shop"], "voucher_shop")
        shop = await session.get(Shop, shop_id) if shop_id else None
        if shop_id and shop is None:
            got.problems.append(FieldProblem("voucher_shop", "existing_shop", f"no shop {shop_id}"))
        currency = shop.currency if shop else festival.currency
        amount_off = got.take(parse_price, values["amount_off"], currency, "amount_off") if values["amount_off"] \
            else None
        min_spend = got.take(parse_price, values["min_spend"], currency, "min_spend") if values["min_spend"] else 0
        percent_off = got.take(whole_number, values["percent_off"], "percent_off")
        per_user = got.take(whole_number, values["per_user_limit"], "per_user_limit")
        max_uses = got.take(whole_number, values["max_uses"], "max_uses")
        got.check()
        voucher_in = VoucherCreate(code=values["code"], shop_id=shop_id, amount_off_minor=amount_off,
                                   percent_off=percent_off, min_spend_minor=min_spend,
                                   per_user_limit=per_user or 1, max_uses=max_uses)
        async with session.begin_nested():
            await vouchers.do_create_voucher(session=session, festival=festival, creator=page.user, shop=shop,
                                             voucher_in=voucher_in)
    except (ValidationError, DomainError) as exc:
        errors = field_errors(page, _problems_of(exc), VOUCHER_NAMES, "amount_off")
        return await _refused(page, session, festival, values, errors, exc, "vouchers")
    return redirect(page, f"/festivals/{festival.id}/edit?saved=1#vouchers")
