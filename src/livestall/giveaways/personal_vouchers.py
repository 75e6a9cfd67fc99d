"""Personal vouchers: what a claimed coupon or a voucher prize becomes, spent through the festivals' voucher machinery.

Such a voucher has no festival: it is its holder's only, for the issuing shop's orders, until it expires; the shop
funds its discount when it is redeemed (festivals/funding.py), as for any shop voucher.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.festivals.models import Voucher

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: the code may be read out or typed


def new_code(prefix: str) -> str:
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


async def issue_voucher(session: AsyncSession, *, prefix: str, shop_id: int, holder_id: int, currency: str,
                        expires_at: datetime, created_by_id: int, amount_off_minor: int | None = None,
                        percent_off: int | None = None, min_spend_minor: int = 0) -> Voucher:
    """A one-use voucher of the shop held by `holder_id` until `expires_at`."""
    voucher = Voucher(festival_id=None, shop_id=shop_id, holder_id=holder_id, expires_at=expires_at,
                      code=new_code(prefix), amount_off_minor=amount_off_minor, percent_off=percent_off,
                      currency=currency, min_spend_minor=min_spend_minor, per_user_limit=1, max_uses=1, uses=0,
                      created_by_id=created_by_id)
    session.add(voucher)
    await session.flush()
    return voucher
