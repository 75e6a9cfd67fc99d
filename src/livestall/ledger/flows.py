"""Wallets, provider clearing, commissions and top-ups: the movements every area builds on, each balanced."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.db import Bind
from livestall.idempotency import check_same_request, fingerprint
from livestall.ledger.service import ACCOUNTS, ENTRIES, TRANSFERS, Account, get_account, post_transfer, wallet_key


def commission_of(total_minor: int, commission_bps: int) -> int:
    """The platform's cut, rounded down: a fraction of a fen always stays with the seller."""
    return total_minor * commission_bps // 10_000


async def wallet_account(bind: Bind, user_id: int, currency: str) -> Account:
    return await get_account(bind, "buyer_wallet", wallet_key(user_id), currency)


async def clearing_account(bind: Bind, provider: str, currency: str) -> Account:
    """Money held for us at a provider (or received by the operator, for 'operator' top-ups)."""
    return await get_account(bind, "provider_clearing", provider, currency)


async def post_topup(bind: Bind, *, user_id: int, amount_minor: int, currency: str, source: str, reference: str,
                     memo: str = "", created_by_id: int | None = None) -> int:
    """Money into a buyer's wallet from a provider or from the operator."""
    wallet = await wallet_account(bind, user_id, currency)
    clearing = await clearing_account(bind, source, currency)
    return await post_transfer(bind, kind="wallet_topup", reference=reference,
                               legs=[(clearing, -amount_minor), (wallet, amount_minor)], memo=memo,
                               created_by_id=created_by_id)


async def topup_of(bind: Bind, reference: str) -> tuple[int, int, str] | None:
    """The (user id, amount, currency) a recorded top-up credited, or None if there is none yet."""
    row = (await bind.execute(
        select(ACCOUNTS.c.owner_key, ENTRIES.c.amount_minor, ENTRIES.c.currency)
        .join(ENTRIES, ENTRIES.c.account_id == ACCOUNTS.c.id).join(TRANSFERS, TRANSFERS.c.id == ENTRIES.c.transfer_id)
        .where(TRANSFERS.c.reference == reference, ACCOUNTS.c.kind == "buyer_wallet"))).first()
    if row is None:
        return None
    owner_key, amount, currency = row
    return int(owner_key.removeprefix("user:")), int(amount), currency


async def do_operator_topup(session: AsyncSession, *, operator_id: int, user_id: int, amount_minor: int,
                            currency: str, memo: str, key: str | None) -> bool:
    """An operator puts money received outside the platform into a wallet; with a key, the same top-up sent
    again adds nothing (True: it had been made before), and the key with another user, amount or currency is
    refused (`same_request`)."""
    reference = f"operator-topup:{operator_id}:{key or uuid.uuid4().hex}"[:120]
    done = await topup_of(session, reference)
    if done is None:
        try:
            async with session.begin_nested():  # a retry racing the first attempt finds its transfer below
                await post_topup(session, user_id=user_id, amount_minor=amount_minor, currency=currency,
                                 source="operator", reference=reference, memo=memo, created_by_id=operator_id)
        except IntegrityError:
            done = await topup_of(session, reference)
    if done is not None:
        check_same_request(fingerprint(*done), fingerprint(user_id, amount_minor, currency))
    return done is not None
