"""HTTP routes where orders meet the money: paying with a voucher, the Stripe webhook (payments and refunds),
the books check, and combined shipping's routes (orders/shipping_routes.py)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Header, Request

from livestall.accounts.deps import CurrentUser, require_role
from livestall.accounts.models import User
from livestall.catalog.schemas import MoneyRead
from livestall.db import SessionDep
from livestall.errors import NotFound
from livestall.festivals.models import Voucher
from livestall.festivals.schemas import RedemptionRead, VoucherPayIn
from livestall.ledger.providers.card_refunds import apply_refund_update, list_card_refunds, refund_states
from livestall.ledger.providers.stripe import SIGNATURE_HEADER, handle_webhook
from livestall.money import Money
from livestall.orders import payments, service
from livestall.orders.books import check_books
from livestall.orders.shipping_routes import router as shipping_router

router = APIRouter(prefix="/api/v1", tags=["wallet and payments"])
Operator = Annotated[User, require_role("operator")]
router.include_router(shipping_router)


@router.post("/orders/{order_id}/pay-with-voucher", response_model=RedemptionRead)
async def pay_with_voucher(order_id: int, pay_in: VoucherPayIn, request: Request, user: CurrentUser,
                           session: SessionDep):
    """The buyer: pay a reserved order from the wallet, less a festival voucher's discount."""
    order = await service.get_order(session=session, order_id=order_id)
    service.check_buyer(order=order, user=user)
    redemption = await payments.do_pay_with_voucher(
        session=session, order=order, buyer=user, code=pay_in.code,
        commission_bps=request.app.state.settings.commission_bps)
    voucher = await session.get(Voucher, redemption.voucher_id)

    def money(amount: int) -> MoneyRead:
        return MoneyRead(**Money(amount, order.currency).as_dict())

    return RedemptionRead(order_id=order.id, order_status=order.status, code=voucher.code,
                          total=money(order.total_minor), discount=money(redemption.discount_minor),
                          paid=money(redemption.paid_minor),
                          funded_by=f"shop:{voucher.shop_id}" if voucher.shop_id else "platform")


@router.post("/payments/stripe/webhook")
async def stripe_webhook(request: Request, session: SessionDep,
                         signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None) -> dict:
    """Stripe: a signed event (a checkout paid, a refund settled); each is applied at most once, retries are answered 200."""
    settings = request.app.state.settings
    if not settings.stripe_webhook_secret:
        raise NotFound("Stripe is not configured here")
    outcome = await handle_webhook(
        session=session, payload=await request.body(), signature=signature, settings=settings,
        on_order_paid=partial(payments.complete_order_checkout, commission_bps=settings.commission_bps),
        on_refund=apply_refund_update)
    return {"received": True, "outcome": outcome}


@router.get("/orders/{order_id}/card-refund")
async def card_refund(order_id: int, user: CurrentUser, session: SessionDep) -> dict:
    """The buyer, the shop and operators: where the order's money going back to the card is ("pending" until
    the provider confirms, then "refunded"; "failed"; or "none" when nothing goes back to a card)."""
    order = await service.get_order(session=session, order_id=order_id)
    await service.check_can_see(session=session, order=order, user=user)
    rows = await list_card_refunds(session, order.id)
    states = await refund_states(session, [order.id])
    return {"order_id": order.id, "state": states.get(order.id, "none"),
            "refunds": [{"reference": r.reference, "status": r.status,
                         "amount": Money(r.amount_minor, r.currency).as_dict()} for r in rows]}


@router.get("/ledger/check")
async def ledger_check(operator: Operator, session: SessionDep) -> dict:
    """Operators: prove the books (the same check as `livestall ledger check`)."""
    return (await check_books(session=session)).as_dict()
