"""Bidders' money held for an auction: each movement a balanced transfer between their wallet and the auction's
hold account, and the winner's hold paying the order."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.auctions.models import Auction, AuctionBidder
from livestall.db import Bind
from livestall.errors import Conflict
from livestall.ledger.flows import wallet_account
from livestall.ledger.service import Account, get_account, post_transfer
from livestall.money import Money

HOLD_KIND = "auction_hold"


async def hold_account(bind: Bind, auction: Auction) -> Account:
    """The account holding every bidder's money for this auction while they may still win it."""
    return await get_account(bind, HOLD_KIND, f"auction:{auction.id}", auction.currency)


def _reference(auction: Auction, bidder: AuctionBidder, what: str) -> str:
    bidder.holds += 1
    return f"auction:{auction.id}:user:{bidder.user_id}:{what}:{bidder.holds}"


async def hold_up_to(session: AsyncSession, auction: Auction, bidder: AuctionBidder, amount_minor: int) -> None:
    """Hold `amount_minor` of the bidder's wallet in all (what is held already counts); Conflict
    `insufficient_funds` when the wallet cannot cover it, and then nothing moved."""
    more = amount_minor - bidder.held_minor
    if more <= 0:
        return
    wallet = await wallet_account(session, bidder.user_id, auction.currency)
    held = await hold_account(session, auction)
    reference = _reference(auction, bidder, "hold")
    try:
        async with session.begin_nested():  # a refused wallet leg must not leave the hold account's leg behind
            await post_transfer(session, kind="auction_hold", reference=reference, legs=[(wallet, -more), (held, more)],
                                memo=f"held for auction {auction.id}")
    except Conflict:
        bidder.holds -= 1
        needed = Money(amount_minor, auction.currency).format()
        raise Conflict.field("amount", "insufficient_funds",
                             f"your wallet must cover {needed} while you may win; top it up to bid") from None
    bidder.held_minor = amount_minor


async def release(session: AsyncSession, auction: Auction, bidder: AuctionBidder, keep_minor: int = 0) -> None:
    """Give back what is held for the bidder beyond `keep_minor` (all of it when outbid)."""
    back = bidder.held_minor - keep_minor
    if back <= 0:
        return
    wallet = await wallet_account(session, bidder.user_id, auction.currency)
    held = await hold_account(session, auction)
    await post_transfer(session, kind="auction_release", reference=_reference(auction, bidder, "release"),
                        legs=[(held, -back), (wallet, back)], memo=f"released from auction {auction.id}")
    bidder.held_minor = keep_minor
