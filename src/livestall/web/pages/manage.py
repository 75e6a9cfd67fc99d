"""Shop admin: open a shop, products (create, edit, images, stock), orders, scheduling shows, numbers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fastapi import APIRouter
from pydantic import ValidationError
from sqlalchemy import select

from livestall.accounts.models import User
from livestall.accounts.service import get_user_by_email
from livestall.catalog import images
from livestall.catalog import service as catalog
from livestall.catalog.models import Product, Shop
from livestall.catalog.schemas import ProductCreate, ProductUpdate, ShopCreate
from livestall.db import SessionDep
from livestall.errors import DomainError, FieldProblem, Invalid
from livestall.money import MINOR_UNITS, parse_price
from livestall.orders.parcels import list_shows_to_pack
from livestall.orders.service import list_shop_orders
from livestall.shows import hosting
from livestall.shows import service as shows
from livestall.shows.schemas import ShowCreate
from livestall.web import service
from livestall.web.pages.common import (
    Form, FormDep, FormErrors, Page, PageDep, PageRoute, problems_of, redirect, render, require_user,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PRODUCT_FIELDS = ("title", "description", "category", "sku", "price", "stock", "status", "options")
SHOW_FIELDS = ("title", "description", "host_email", "language", "market", "category", "scheduled_at")


async def _member_shop(session, shop_id: int, user: User) -> Shop:
    shop = await catalog.get_shop(session=session, shop_id=shop_id)
    catalog.check_shop_member(shop, user)
    return shop


def parse_int(text: str, field: str) -> int:
    """A whole number typed in a form."""
    try:
        return int(text.strip())
    except ValueError:
        raise Invalid.field(field, "int_parsing", "must be a whole number") from None


def price_text(product: Product) -> str:
    """The price as typed in the form: major units, plain digits."""
    return f"{Decimal(product.price_minor).scaleb(-MINOR_UNITS[product.currency]):f}"


def variant_prices(product: Product) -> dict[int, str]:
    """The variants' own prices as typed in their forms, by variant id (none: the product's price)."""
    return {v.id: f"{Decimal(v.price_minor).scaleb(-MINOR_UNITS[product.currency]):f}"
            for v in product.variants if v.price_minor is not None}


# -- shops --------------------------------------------------------------------------------------

@router.get("/manage")
async def my_shops(page: PageDep, session: SessionDep):
    """The shops the user runs, and a form to open one."""
    user = require_user(page)
    shops = await service.list_user_shops(session=session, user=user)
    return render(page, "manage/home.html", {"shops": shops, "values": {"country": page.user.country or ""},
                                             "errors": {}, "is_seller": user.has_role("seller")})


@router.post("/manage/shops")
async def open_shop(page: PageDep, form: FormDep, session: SessionDep):
    """Sellers: open a shop."""
    user = require_user(page)
    catalog.check_seller(user)
    values = form.values("name", "city", "country", "currency", "description")
    try:
        shop_in = ShopCreate(name=values["name"], city=values["city"], country=values["country"],
                             currency=values["currency"] or page.settings.default_currency,
                             description=values["description"])
        shop = await catalog.do_create_shop(session=session, owner=user, shop_in=shop_in)
    except (ValidationError, DomainError) as exc:
        shops = await service.list_user_shops(session=session, user=user)
        return render(page, "manage/home.html", {"shops": shops, "values": values, "is_seller": True,
                                                 "errors": FormErrors.of(page, problems_of(exc))}, status=422)
    return redirect(page, f"/manage/shops/{shop.id}")


@router.get("/manage/shops/{shop_id}")
async def shop_admin(shop_id: int, page: PageDep, session: SessionDep):
    """One shop's numbers, products, orders and shows."""
    user = require_user(page)
    shop = await _member_shop(session, shop_id, user)
    return render(page, "manage/shop.html", await _shop_context(page, session, shop, {}, {}))


async def _shop_context(page: Page, session, shop: Shop, values: dict, errors: dict) -> dict:
    products, _ = await catalog.list_products(session=session, shop_id=shop.id,
                                              statuses=("draft", "active", "archived"), per_page=100)
    orders, orders_total = await list_shop_orders(session=session, shop_id=shop.id, per_page=50)
    titles = await product_titles(session, {o.product_id for o in orders})
    _, buyers = await service.get_names(session=session, user_ids={o.buyer_id for o in orders})
    upcoming, _ = await shows.list_shows(session=session, shop_id=shop.id, when="upcoming", per_page=20)
    live, _ = await shows.list_shows(session=session, shop_id=shop.id, when="live", per_page=20)
    pending = await hosting.list_pending(session=session, show_ids=[s.id for s in upcoming])
    _, invitees = await service.get_names(session=session, user_ids={i.user_id for i in pending.values()})
    return {"shop": shop, "numbers": await service.get_shop_numbers(session=session, shop=shop),
            "products": products, "orders": orders, "orders_total": orders_total, "titles": titles,
            "buyers": buyers, "shows": live + upcoming,
            "to_pack": await list_shows_to_pack(session=session, shop_id=shop.id),
            "invited": {show_id: invitees.get(i.user_id, "") for show_id, i in pending.items()},
            "values": {"language": page.lang, "market": shop.country, **values}, "errors": errors}


# -- products -----------------------------------------------------------------------------------

@router.get("/manage/shops/{shop_id}/products/new")
async def new_product(shop_id: int, page: PageDep, session: SessionDep):
    """The form for a new product."""
    shop = await _member_shop(session, shop_id, require_user(page))
    return render(page, "manage/product.html", {"shop": shop, "product": None, "errors": {},
                                                "values": {"status": "active", "stock": "0"}})


async def _save_images(page: Page, session, product: Product, form: Form) -> None:
    settings = page.settings
    for upload in form.files("images"):
        data = await upload.read(settings.max_upload_bytes + 1)
        await images.do_add_image(session=session, product=product, data=data, upload_dir=settings.upload_dir,
                                  max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels)


def _product_changes(form: Form, shop: Shop) -> dict:
    values = form.values(*PRODUCT_FIELDS)
    options = [o.strip() for o in values["options"].split(",") if o.strip()]
    changes = {"title": values["title"], "description": values["description"], "category": values["category"],
               "sku": values["sku"], "status": values["status"] or "draft", "options": options}
    problems: list[FieldProblem] = []
    for name, parse in (("price_minor", lambda: parse_price(values["price"], shop.currency)),
                        ("stock", lambda: parse_int(values["stock"] or "0", "stock"))):
        try:
            changes[name] = parse()
        except Invalid as exc:
            problems.extend(exc.errors)
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems)
    return changes


def _renamed(problems: list[FieldProblem]) -> list[FieldProblem]:
    """Errors about the API's fields, named as the form's fields."""
    names = {"price_minor": "price", "file": "images"}
    return [FieldProblem(names.get(p.field, p.field), p.rule, p.message) for p in problems]


@router.post("/manage/shops/{shop_id}/products")
async def create_product(shop_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Add a product (with its photos); on bad input, the form again with its errors."""
    shop = await _member_shop(session, shop_id, require_user(page))
    try:
        async with session.begin_nested():  # a refused photo undoes the product too
            product = await catalog.do_create_product(session=session, shop=shop,
                                                      product_in=ProductCreate(**_product_changes(form, shop)))
            await _save_images(page, session, product, form)
    except (ValidationError, DomainError) as exc:
        return render(page, "manage/product.html", {
            "shop": shop, "product": None, "values": form.values(*PRODUCT_FIELDS),
            "errors": FormErrors.of(page, _renamed(problems_of(exc)))}, status=422)
    return redirect(page, f"/manage/shops/{shop.id}?created={product.id}#products")


@router.get("/manage/products/{product_id}")
async def edit_product(product_id: int, page: PageDep, session: SessionDep):
    """The form to change a product."""
    user = require_user(page)
    product = await catalog.get_product(session=session, product_id=product_id)
    shop = await _member_shop(session, product.shop_id, user)
    values = {"title": product.title, "description": product.description, "category": product.category,
              "sku": product.sku, "price": price_text(product), "stock": str(product.stock),
              "status": product.status, "options": ", ".join(product.options or [])}
    return render(page, "manage/product.html", {"shop": shop, "product": product, "values": values, "errors": {},
                                                "variant_prices": variant_prices(product)})


@router.post("/manage/products/{product_id}")
async def update_product(product_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Save a product's changes and new photos."""
    user = require_user(page)
    product = await catalog.get_product(session=session, product_id=product_id)
    shop = await _member_shop(session, product.shop_id, user)
    try:
        async with session.begin_nested():  # all of the changes, or none
            product = await catalog.do_update_product(session=session, shop=shop, product=product,
                                                      product_in=ProductUpdate(**_product_changes(form, shop)))
            await _save_images(page, session, product, form)
    except (ValidationError, DomainError) as exc:
        await session.refresh(product)
        return render(page, "manage/product.html", {
            "shop": shop, "product": product, "values": form.values(*PRODUCT_FIELDS),
            "errors": FormErrors.of(page, _renamed(problems_of(exc))), "variant_prices": variant_prices(product)},
                      status=422)
    return redirect(page, f"/manage/products/{product.id}?saved=1")


# -- shows --------------------------------------------------------------------------------------

def parse_local_time(text: str, page: Page) -> datetime:
    """A datetime-local value ('2026-11-11T20:00'), in the browser's time zone."""
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid.field("scheduled_at", "datetime_format", "must be a date and time") from None
    return naive.replace(tzinfo=page.l10n.tz) if naive.tzinfo is None else naive


@router.post("/manage/shops/{shop_id}/shows")
async def schedule_show(shop_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Schedule a show of the shop, presented by the user or by a host given by email."""
    user = require_user(page)
    shop = await _member_shop(session, shop_id, user)
    values = form.values(*SHOW_FIELDS)
    problems, show_in = await _show_form(page, session, user, shop, values)
    if show_in is not None:
        try:
            show = await shows.do_schedule_show(session=session, creator=user, show_in=show_in)
            return redirect(page, f"/manage/shops/{shop.id}?scheduled={show.id}#shows")
        except DomainError as exc:
            problems = problems_of(exc)
    problems = [FieldProblem("host_email" if p.field == "host_id" else p.field, p.rule, p.message) for p in problems]
    return render(page, "manage/shop.html", await _shop_context(
        page, session, shop, values, FormErrors.of(page, problems)), status=422)


async def _show_form(page: Page, session, user: User, shop: Shop, values: dict
                     ) -> tuple[list[FieldProblem], ShowCreate | None]:
    """The typed show, or every problem with it at once: an unknown host beside a bad title or date."""
    problems: list[FieldProblem] = []
    host_id = None
    if values["host_email"]:
        host = await get_user_by_email(session=session, email=values["host_email"])
        if host is None:
            problems.append(FieldProblem("host_email", "registered_user", "no user with this email"))
        else:
            host_id = host.id
    scheduled_at = None
    try:
        scheduled_at = parse_local_time(values["scheduled_at"], page)
    except Invalid as exc:
        problems.extend(exc.errors)
    show_in = None
    try:
        show_in = ShowCreate(shop_id=shop.id, title=values["title"], description=values["description"],
                             host_id=host_id, language=values["language"], market=values["market"],
                             category=values["category"], scheduled_at=scheduled_at or values["scheduled_at"])
    except ValidationError as exc:
        problems.extend(problems_of(exc))
    if problems:  # the service is not reached: ask its rules about the host and the date now, to show them too
        problems.extend(await shows.list_schedule_problems(session=session, creator=user, host_id=host_id,
                                                           scheduled_at=scheduled_at))
    return problems, None if problems else show_in


async def product_titles(session, ids: set[int]) -> dict[int, str]:
    """Product titles by id."""
    if not ids:
        return {}
    return dict((await session.execute(select(Product.id, Product.title).where(Product.id.in_(ids)))).all())
