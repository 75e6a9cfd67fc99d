"""Shop admin: a product's sizes, colours and other option axes, and its variants (each combination with its stock,
price and photo), on the product's page; the product's stock is then their sum."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import ValidationError

from livestall.catalog import service as catalog
from livestall.catalog import variants
from livestall.catalog.models import Product
from livestall.catalog.schemas import MAX_AXES, VariantCreate, VariantUpdate
from livestall.db import SessionDep
from livestall.errors import DomainError, FieldProblem, Invalid
from livestall.money import parse_price
from livestall.web.pages.common import (
    Form, FormDep, FormErrors, Page, PageDep, PageRoute, problems_of, redirect, render, require_user,
)
from livestall.web.pages.manage import _member_shop, parse_int, price_text, variant_prices

router = APIRouter(route_class=PageRoute, include_in_schema=False)

VARIANT_FIELDS = ("value_1", "value_2", "value_3", "stock", "price", "image_id", "sku")


async def _editable(session, product_id: int, page: Page):
    user = require_user(page)
    product = await catalog.get_product(session=session, product_id=product_id)
    shop = await _member_shop(session, product.shop_id, user)
    return shop, product


def _parsed(form: Form, product: Product, *, new: bool) -> dict:
    """The variant's fields as the API takes them; Invalid naming the form's field."""
    values = form.values(*VARIANT_FIELDS)
    body: dict = {}
    problems: list[FieldProblem] = []
    if new:
        body["options"] = {axis: values[f"value_{i}"].strip()
                           for i, axis in enumerate(product.option_axes or [], start=1) if values[f"value_{i}"].strip()}
        if values["sku"].strip():
            body["sku"] = values["sku"].strip()
    for name, parse in (
        ("stock", lambda: parse_int(values["stock"] or "0", "stock")),
        ("price_minor", lambda: parse_price(values["price"], product.currency) if values["price"].strip() else None),
        ("image_id", lambda: parse_int(values["image_id"], "image_id") if values["image_id"].strip() else None),
    ):
        try:
            body[name] = parse()
        except Invalid as exc:
            problems.extend(exc.errors)
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems)
    return body


def _variant_form_errors(page: Page, exc) -> FormErrors:
    names = {"price_minor": "price", "options": "value_1", "option_axes": "axes"}
    problems = [FieldProblem(names.get(p.field.split(".")[0], p.field.split(".")[0]), p.rule, p.message)
                for p in problems_of(exc)]
    return FormErrors.of(page, problems)


async def _page_again(page: Page, session, shop, product: Product, form: Form, errors: FormErrors, variant_id=None):
    """The product page again, the variants section showing what was typed and what is wrong."""
    await session.refresh(product)
    values = {"title": product.title, "description": product.description, "category": product.category,
              "sku": product.sku, "price": price_text(product), "stock": str(product.stock),
              "status": product.status, "options": ", ".join(product.options or [])}
    return render(page, "manage/product.html", {
        "shop": shop, "product": product, "values": values, "errors": {},
        "variant_values": form.values(*VARIANT_FIELDS, "axes"), "variant_errors": errors,
        "variant_error_id": variant_id, "variant_prices": variant_prices(product)}, status=422)


@router.post("/manage/products/{product_id}/axes")
async def set_axes(product_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Name the product's option axes, such as "Size, Colour"."""
    shop, product = await _editable(session, product_id, page)
    axes = [a.strip() for a in form.values("axes")["axes"].split(",") if a.strip()]
    try:
        async with session.begin_nested():
            if len(axes) > MAX_AXES:
                raise Invalid.field("option_axes", "max_axes", f"at most {MAX_AXES} axes")
            if any(len(a) > 40 for a in axes):
                raise Invalid.field("option_axes", "string_too_long", "an axis name is at most 40 characters")
            await variants.do_set_axes(session=session, product=product, axes=axes)
    except DomainError as exc:
        return await _page_again(page, session, shop, product, form, _variant_form_errors(page, exc))
    return redirect(page, f"/manage/products/{product.id}?saved=1#variants")


@router.post("/manage/products/{product_id}/variants")
async def add_variant(product_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Add a combination with its stock (and its own price and photo, if any)."""
    shop, product = await _editable(session, product_id, page)
    try:
        async with session.begin_nested():
            body = _parsed(form, product, new=True)
            await variants.do_add_variant(session=session, product=product, variant_in=VariantCreate(**body))
    except (ValidationError, DomainError) as exc:
        return await _page_again(page, session, shop, product, form, _variant_form_errors(page, exc))
    return redirect(page, f"/manage/products/{product.id}?saved=1#variants")


@router.post("/manage/products/{product_id}/variants/{variant_id}")
async def update_variant(product_id: int, variant_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Change a variant's stock, price or photo; or remove it (the "remove" button)."""
    shop, product = await _editable(session, product_id, page)
    variant = await variants.get_variant(session=session, product=product, variant_id=variant_id)
    try:
        async with session.begin_nested():
            if form.get("remove"):
                await variants.do_remove_variant(session=session, product=product, variant=variant)
            else:
                body = _parsed(form, product, new=False)
                await variants.do_update_variant(session=session, product=product, variant=variant,
                                                 variant_in=VariantUpdate(**body))
    except (ValidationError, DomainError) as exc:
        return await _page_again(page, session, shop, product, form, _variant_form_errors(page, exc), variant_id)
    return redirect(page, f"/manage/products/{product.id}?saved=1#variants")
