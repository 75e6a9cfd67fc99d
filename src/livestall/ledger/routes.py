"""HTTP routes for wallets and top-ups (the Stripe webhook and the books check are the orders area's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, Field, StrictInt

from livestall.accounts.deps import CurrentUser, require_role
from livestall.accounts.models import User
from livestall.catalog.schemas import MoneyRead
from livestall.db import SessionDep, get_or_404
from livestall.idempotency import KEY_HEADER, check_idempotency_key
from livestall.ledger import flows, service
from livestall.ledger.providers import get_provider
from livestall.money import MAX_AMOUNT_MINOR, Money
from livestall.validation import CurrencyCode, StrictInput

router = APIRouter(prefix="/api/v1", tags=["wallet and payments"])
Operator = Annotated[User, require_role("operator")]


class TopUpIn(StrictInput):
    amount_minor: StrictInt = Field(gt=0, le=MAX_AMOUNT_MINOR)
    currency: CurrencyCode
    note: str = Field("", max_length=160)


class CheckoutTopUpIn(StrictInput):
    amount_minor: StrictInt = Field(gt=0, le=MAX_AMOUNT_MINOR)
    currency: CurrencyCode
    provider: str = "stripe"


class WalletRead(BaseModel):
    account_id: int
    balance: MoneyRead


class WalletsRead(BaseModel):
    wallets: list[WalletRead]
    entries: list[dict]


class TopUpRead(BaseModel):
    status: str
    provider: str
    amount: MoneyRead
    checkout_url: str | None = None


async def _wallets(session, user_id: int) -> WalletsRead:
    wallets = await service.list_wallets(session, user_id)
    entries = await service.list_entries(session, [w["account_id"] for w in wallets])
    return WalletsRead(wallets=wallets, entries=entries)


@router.get("/me/wallet", response_model=WalletsRead)
async def my_wallet(user: CurrentUser, session: SessionDep):
    """The caller's wallets (one per currency), balances summed from the ledger, and the latest movements."""
    return await _wallets(session, user.id)


@router.post("/users/{user_id}/wallet/topups", status_code=201, response_model=WalletsRead)
async def operator_topup(user_id: int, topup_in: TopUpIn, operator: Operator, session: SessionDep, response: Response,
                         idempotency_key: Annotated[str | None, Header(alias=KEY_HEADER)] = None):
    """Operators: put money received outside the platform (cash, bank) into a user's wallet; with an
    Idempotency-Key, sending the same top-up again adds nothing (200), and the key with another user,
    amount or currency is refused (422 `same_request`)."""
    key = check_idempotency_key(idempotency_key, required=False)
    await get_or_404(session, User, user_id)
    replayed = await flows.do_operator_topup(session, operator_id=operator.id, user_id=user_id,
                                             amount_minor=topup_in.amount_minor, currency=topup_in.currency,
                                             memo=topup_in.note or "top-up by an operator", key=key)
    if replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return await _wallets(session, user_id)


@router.post("/me/wallet/checkout", status_code=201, response_model=TopUpRead)
async def checkout_topup(topup_in: CheckoutTopUpIn, request: Request, user: CurrentUser, session: SessionDep):
    """Top up one's own wallet through a payment provider (a Stripe checkout link)."""
    provider = get_provider(topup_in.provider, request.app.state.settings)
    amount = Money(topup_in.amount_minor, topup_in.currency)
    result = await provider.top_up(session=session, user=user, amount=amount)
    return TopUpRead(status=result.status, provider=result.provider, amount=amount.as_dict(),
                     checkout_url=result.checkout_url)
