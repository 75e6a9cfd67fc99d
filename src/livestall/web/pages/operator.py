"""The operator console: find users, a user's wallet and orders, top-ups, refunds, and the books check in words."""

from __future__ import annotations

import math
import uuid

from fastapi import APIRouter
from pydantic import ValidationError
from sqlalchemy import func, or_, select

from livestall.accounts.models import User
from livestall.accounts.service import check_operator, get_user
from livestall.catalog.models import Product
from livestall.db import SessionDep
from livestall.errors import DomainError, FieldProblem, Invalid
from livestall.ledger import flows
from livestall.ledger import service as ledger
from livestall.ledger.routes import TopUpIn
from livestall.money import MINOR_UNITS, parse_price
from livestall.orders import service as orders
from livestall.orders.books import check_books
from livestall.orders.models import Order
from livestall.web import service
from livestall.web.pages.common import (
    FormDep, FormErrors, Page, PageDep, PageRoute, problems_of, redirect, render, require_user,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

USERS_PER_PAGE = 25
ORDERS_PER_PAGE = 20
MOVEMENTS_SHOWN = 20
TOPUP_FIELDS = ("amount", "currency", "reference", "key")
REFUNDABLE = ("paid", "shipped", "delivered")  # a paid order not yet shipped is cancelled, which refunds it


def require_operator(page: Page) -> User:
    """The logged-in operator: a visitor goes to the login page, anyone else gets 403."""
    user = require_user(page)
    check_operator(user)
    return user


def currencies(page: Page) -> list[str]:
    return sorted(set(page.settings.fx_per_usd) & set(MINOR_UNITS))


async def search_users(session, *, query: str, page: int, per_page: int) -> tuple[list[User], int]:
    """Users whose email or name contains `query` (any case), newest first; all users when it is empty."""
    stmt = select(User)
    if query:
        pattern = f"%{query.lower().replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(func.lower(User.email).like(pattern), func.lower(User.display_name).like(pattern)))
    total = await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = await session.scalars(stmt.order_by(User.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


@router.get("/operator")
async def console(page: PageDep, session: SessionDep, q: str = "", p: int = 1):
    """Find users by email or name, a page at a time."""
    require_operator(page)
    q, p = q.strip()[:100], max(1, min(p, 10_000))
    users, total = await search_users(session, query=q, page=p, per_page=USERS_PER_PAGE)
    pages = max(1, math.ceil(total / USERS_PER_PAGE))
    return render(page, "operator/home.html", {"q": q, "users": users, "total": total, "p": p, "pages": pages})


async def _user_context(page: Page, session, person: User, p: int, values: dict, errors: dict) -> dict:
    wallets = await ledger.list_wallets(session, person.id)
    movements = await ledger.list_entries(session, [w["account_id"] for w in wallets], limit=MOVEMENTS_SHOWN)
    bought, total = await orders.list_buyer_orders(session=session, buyer=person, page=p, per_page=ORDERS_PER_PAGE)
    ids = {o.product_id for o in bought}
    titles = dict((await session.execute(select(Product.id, Product.title).where(Product.id.in_(ids)))).all()) \
        if ids else {}
    shops, _ = await service.get_names(session=session, shop_ids={o.shop_id for o in bought})
    held = [w["balance"]["currency"] for w in wallets]
    defaults = {"currency": held[0] if held else person.currency, "key": uuid.uuid4().hex}
    offered = sorted(set(currencies(page)) | set(held))
    return {"person": person, "wallets": wallets, "movements": movements, "orders": bought, "titles": titles,
            "shops": shops, "p": p, "pages": max(1, math.ceil(total / ORDERS_PER_PAGE)), "orders_total": total,
            "refundable": REFUNDABLE, "currencies": offered, "digits": {c: MINOR_UNITS[c] for c in offered},
            "values": {**defaults, **values}, "errors": errors}


@router.get("/operator/users/{user_id}")
async def user_page(user_id: int, page: PageDep, session: SessionDep, p: int = 1):
    """One user: their wallets with the latest movements, their orders, and the top-up form."""
    require_operator(page)
    person = await get_user(session=session, user_id=user_id)
    return render(page, "operator/user.html", await _user_context(page, session, person, max(1, p), {}, {}))


def _topup_in(values: dict) -> TopUpIn:
    """The typed top-up (amount in major units → integer minor units), or every problem with it at once."""
    problems: list[FieldProblem] = []
    if not values["reference"]:
        problems.append(FieldProblem("reference", "missing", "say where the money came from"))
    amount_minor = None
    if values["currency"] not in MINOR_UNITS:
        problems.append(FieldProblem("currency", "known_currency", "pick a currency"))
    elif not values["amount"]:
        problems.append(FieldProblem("amount", "missing", "enter the amount received"))
    else:
        try:
            amount_minor = parse_price(values["amount"], values["currency"], field="amount")
        except Invalid as exc:
            problems.extend(exc.errors)
    if not problems:
        try:
            return TopUpIn(amount_minor=amount_minor, currency=values["currency"], note=values["reference"])
        except ValidationError as exc:
            problems.extend(FieldProblem({"amount_minor": "amount", "note": "reference"}.get(p.field, p.field),
                                         p.rule, p.message) for p in problems_of(exc))
    raise Invalid("; ".join(p.message for p in problems), problems)


@router.post("/operator/users/{user_id}/topups")
async def top_up(user_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Put money received outside the platform into the user's wallet: one balanced transfer, once per form."""
    operator = require_operator(page)
    person = await get_user(session=session, user_id=user_id)
    values = form.values(*TOPUP_FIELDS)
    try:
        topup_in = _topup_in(values)
        # The form's own key: sending the same form twice (a double tap, a reload) credits the wallet once.
        key = values["key"] if 8 <= len(values["key"]) <= 64 and values["key"].isalnum() else None
        await flows.do_operator_topup(session, operator_id=operator.id, user_id=person.id,
                                      amount_minor=topup_in.amount_minor, currency=topup_in.currency,
                                      memo=topup_in.note, key=key)
    except (ValidationError, DomainError) as exc:
        problems = [FieldProblem("_form" if p.field == "Idempotency-Key" else p.field, p.rule, p.message)
                    for p in problems_of(exc)]
        errors = FormErrors.of(page, problems)
        if "_form" in errors:
            errors["_form"] = page.gettext("This form was already sent with another amount. Reload the page.")
        return render(page, "operator/user.html", await _user_context(page, session, person, 1, values, errors),
                      status=422)
    return redirect(page, f"/operator/users/{person.id}?topped_up={topup_in.amount_minor}"
                          f"&currency={topup_in.currency}#wallet")


@router.get("/operator/orders/{order_id}/refund")
async def confirm_refund(order_id: int, page: PageDep, session: SessionDep):
    """The refund's confirm step: what goes back to whom."""
    require_operator(page)
    order = await orders.get_order(session=session, order_id=order_id)
    return render(page, "operator/refund.html", await _refund_context(session, order, {}))


async def _refund_context(session, order: Order, errors: dict) -> dict:
    buyer = await session.get(User, order.buyer_id)
    product = await session.get(Product, order.product_id)
    shops, _ = await service.get_names(session=session, shop_ids={order.shop_id})
    return {"order": order, "buyer": buyer, "title": product.title if product else "",
            "shop_name": shops.get(order.shop_id, ""), "refundable": order.status in REFUNDABLE, "errors": errors}


@router.post("/operator/orders/{order_id}/refund")
async def refund(order_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """Give a paid order's money back to the buyer: a paid order is cancelled, a shipped or delivered one refunded."""
    operator = require_operator(page)
    order = await orders.get_order(session=session, order_id=order_id)
    try:
        # Each call is one compare-and-set on the status it expects: of two operators racing, one refunds.
        if order.status == "paid":
            await orders.do_cancel(session=session, order=order, by=operator)
        else:
            await orders.do_refund(session=session, order=order, by=operator)
    except DomainError as exc:
        await session.refresh(order)
        errors = {"_form": page.gettext("This order cannot be refunded: it is %(status)s.",
                                        status=status_name(page, order.status))}
        context = await _refund_context(session, order, errors)
        return render(page, "operator/refund.html", context, status=exc.status)
    return redirect(page, f"/operator/users/{order.buyer_id}?refunded={order.id}#orders")


def status_name(page: Page, status: str) -> str:
    """An order's status in the page's language."""
    names = {"reserved": "Reserved", "paid": "Paid", "shipped": "Shipped", "delivered": "Delivered",
             "cancelled": "Cancelled", "expired": "Expired", "refunded": "Refunded"}
    return page.gettext(names.get(status, status))


@router.get("/operator/ledger")
async def ledger_check(page: PageDep, session: SessionDep):
    """The books check (as `livestall ledger check`), read out in words."""
    require_operator(page)
    report = await check_books(session=session)
    return render(page, "operator/ledger.html", {"report": report})
