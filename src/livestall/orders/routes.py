"""HTTP routes for buying in a show, paying, and the order lifecycle."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.routing import Match, Route
from starlette.types import Scope

from livestall.accounts.deps import CurrentUser, request_token
from livestall.catalog.models import Product, Shop
from livestall.catalog.service import check_shop_member, get_shop
from livestall.db import SessionDep
from livestall.errors import json_input
from livestall.idempotency import KEY_HEADER, check_idempotency_key
from livestall.orders import parcels, service
from livestall.orders.buying import pay_now
from livestall.orders.shop_buy import do_buy_from_shop
from livestall.orders.schemas import (
    BuyIn, OrderPage, OrderRead, OrderStatus, PayIn, ReceiptRead, ShipIn, order_read,
)
from livestall.runtime import get_runtime

router = APIRouter(prefix="/api/v1", tags=["orders"])
# Buy now alone, included right after login (main.py): a rush's every tap is matched against few routes.
hot_router = APIRouter(prefix="/api/v1", tags=["orders"])

IdempotencyKey = Annotated[str | None, Header(alias=KEY_HEADER, description="A fresh random key per purchase")]
Page = Annotated[int, Query(ge=1, le=10_000)]
PerPage = Annotated[int, Query(ge=1, le=200)]


# The body, the header and the login, as the schema shows them: the route reads them itself (below).
_BUY_NOW_DOC = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BuyIn"}}}},
    "parameters": [{"name": KEY_HEADER, "in": "header", "required": False, "schema": {"type": "string"},
                    "description": "A fresh random key per purchase"}],
    "security": [{"HTTPBearer": []}, {"APIKeyCookie": []}],
}


@hot_router.post("/shows/{show_id}/buy", status_code=201, response_model=OrderRead, openapi_extra=_BUY_NOW_DOC)
async def buy_now(show_id: int, request: Request) -> Response:
    """Buy a product pinned in a live show: its units are reserved until paid (201); the same
    Idempotency-Key again returns the same order (200), never a second one."""
    # A rush's every tap comes here: the body and the token are read directly, not through dependencies.
    buy_in = json_input(BuyIn, await request.body(), request.headers.get("content-type"))
    runtime = get_runtime(request)
    # The buyer is known from the token cache (a login that ends is forgotten at once on every process), and
    # every step of buying uses a short session of its own: a rush must not hold the pool while it waits.
    buyer = await runtime.tokens.known(runtime.sessionmaker, request_token(request))
    if runtime.gateway is not None:
        # A buyer's tap over HTTP weighs on this process's loop as one over a room socket does: a rush of them makes
        # the rooms' fan-out yield the same way, so that the answers are not kept waiting behind it. (Counted once
        # the buyer is known: requests without a login cannot put the rooms in a storm's regime.)
        runtime.gateway.hub.arrived()
        runtime.gateway.hub.tapped()
    key = check_idempotency_key(request.headers.get(KEY_HEADER))
    bought = await runtime.buying.buy_now(buyer.user_id, show_id, buy_in, key)
    # Serialized once, here: the order was built from the writer's row and needs no second validation.
    body = bought.order.model_dump_json(by_alias=True)
    if bought.replayed:
        return Response(body, status_code=200, media_type="application/json", headers={"Idempotent-Replayed": "true"})
    return Response(body, status_code=201, media_type="application/json")


async def _buy_now_directly(request: Request) -> Response:
    """Buy now, from the plain route below."""
    return await buy_now(request.path_params["show_id"], request)


class _BuyNowRoute(Route):
    """Buy now as a plain Starlette route, put first in the app's routes (main.py): a rush's every tap is answered
    without FastAPI's per-request solving of parameters, and without matching it against the routers before it.
    The FastAPI route above still documents the call (and answers a show id that is not a number with its 422);
    metrics and logs name that route, as before."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is Match.FULL:
            child_scope["route"] = _BUY_NOW_API_ROUTE
        return match, child_scope


_BUY_NOW_API_ROUTE = next(route for route in hot_router.routes if getattr(route, "endpoint", None) is buy_now)
buy_now_route = _BuyNowRoute("/api/v1/shows/{show_id:int}/buy", _buy_now_directly, methods=["POST"])


@router.post("/orders", status_code=201, response_model=OrderRead)
async def buy_from_shop(buy_in: BuyIn, request: Request, user: CurrentUser, session: SessionDep,
                        idempotency_key: IdempotencyKey = None) -> Response:
    """Buy a product outside a live show (the shop, its page, a replay) at its normal price: reserved until
    paid (201); the same Idempotency-Key again returns the same order (200), never a second one."""
    bought = await do_buy_from_shop(session=session, buyer=user, buy_in=buy_in,
                                    key=check_idempotency_key(idempotency_key), settings=request.app.state.settings)
    body = bought.order.model_dump_json(by_alias=True)
    if bought.replayed:
        return Response(body, status_code=200, media_type="application/json", headers={"Idempotent-Replayed": "true"})
    return Response(body, status_code=201, media_type="application/json")


@router.get("/orders/{order_id}", response_model=OrderRead)
async def get_order(order_id: int, user: CurrentUser, session: SessionDep):
    """The buyer, the shop and operators: one order."""
    order = await service.get_order(session=session, order_id=order_id)
    await service.check_can_see(session=session, order=order, user=user)
    return order_read(order)


@router.get("/orders/{order_id}/receipt", response_model=ReceiptRead)
async def get_receipt(order_id: int, user: CurrentUser, session: SessionDep):
    """The buyer, the shop and operators: the receipt of an order."""
    order = await service.get_order(session=session, order_id=order_id)
    await service.check_can_see(session=session, order=order, user=user)
    read = order_read(order)
    shop, product = await session.get(Shop, order.shop_id), await session.get(Product, order.product_id)
    return ReceiptRead(order_ref=order.ref, shop=shop.name, product=product.title, option=order.option,
                       quantity=order.quantity, unit_price=read.unit_price, total=read.total, status=read.status,
                       paid_at=order.paid_at, payment_provider=order.payment_provider,
                       refunded=order.paid_at is not None and order.status in ("cancelled", "refunded"),
                       ship_to=order.shipping)


@router.get("/me/orders", response_model=OrderPage)
async def my_orders(user: CurrentUser, session: SessionDep, page: Page = 1, per_page: PerPage = 20):
    """A buyer's order history, newest first."""
    items, total = await service.list_buyer_orders(session=session, buyer=user, page=page, per_page=per_page)
    return OrderPage(items=[order_read(o) for o in items], total=total, page=page, per_page=per_page)


@router.get("/shops/{shop_id}/orders", response_model=OrderPage)
async def shop_orders(shop_id: int, user: CurrentUser, session: SessionDep, status: OrderStatus | None = None,
                      show_id: int | None = None, product_id: int | None = None, since: datetime | None = None,
                      until: datetime | None = None, page: Page = 1, per_page: PerPage = 50):
    """Owners and staff: the shop's orders, by status, show, product and time."""
    check_shop_member(await get_shop(session=session, shop_id=shop_id), user)
    items, total = await service.list_shop_orders(session=session, shop_id=shop_id, status=status, show_id=show_id,
                                                  product_id=product_id, since=since, until=until, page=page,
                                                  per_page=per_page)
    return OrderPage(items=[order_read(o) for o in items], total=total, page=page, per_page=per_page)


@router.post("/orders/{order_id}/pay", response_model=OrderRead)
async def pay_order(order_id: int, pay_in: PayIn, request: Request, user: CurrentUser, session: SessionDep):
    """The buyer: pay a reserved order from the wallet, or get a Stripe checkout link."""
    order = await service.get_order(session=session, order_id=order_id)
    service.check_buyer(order=order, user=user)
    service.check_currency(order=order, currency=pay_in.currency)
    payment = await pay_now(session, order, user, pay_in.provider, request.app.state.settings)
    return order_read(order, payment)


@router.post("/orders/{order_id}/cancel", response_model=OrderRead)
async def cancel_order(order_id: int, user: CurrentUser, session: SessionDep):
    """The buyer or the shop, before shipping: the units go back on sale, a payment is refunded."""
    order = await service.get_order(session=session, order_id=order_id)
    await service.check_buyer_or_seller(session=session, order=order, user=user)
    return order_read(await service.do_cancel(session=session, order=order, by=user))


@router.post("/orders/{order_id}/ship", response_model=OrderRead)
async def ship_order(order_id: int, ship_in: ShipIn, user: CurrentUser, session: SessionDep):
    """The shop: a paid order is on its way, with its tracking number (and the carrier, if given)."""
    order = await service.get_order(session=session, order_id=order_id)
    await service.check_seller(session=session, order=order, user=user)
    await service.do_ship(session=session, order=order, tracking_number=ship_in.tracking_number)
    return order_read(await parcels.do_record_carrier(session=session, order=order, carrier=ship_in.carrier))


@router.post("/orders/{order_id}/deliver", response_model=OrderRead)
async def deliver_order(order_id: int, user: CurrentUser, session: SessionDep):
    """The buyer or the shop: a shipped order arrived."""
    order = await service.get_order(session=session, order_id=order_id)
    await service.check_buyer_or_seller(session=session, order=order, user=user)
    return order_read(await service.do_deliver(session=session, order=order))


@router.post("/orders/{order_id}/refund", response_model=OrderRead)
async def refund_order(order_id: int, user: CurrentUser, session: SessionDep):
    """The shop: refund a shipped or delivered order."""
    order = await service.get_order(session=session, order_id=order_id)
    await service.check_seller(session=session, order=order, user=user)
    return order_read(await service.do_refund(session=session, order=order, by=user))
