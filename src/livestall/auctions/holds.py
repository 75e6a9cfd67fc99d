"""Bidders' money held for an auction: each movement a balanced transfer into the auction's hold account, from
their wallet or, when the wallet cannot cover the bid, from an authorization on their saved card (card_holds.py);
and the winner's hold paying the order. A bidder's hold is on one of the two at a time, never split."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.auctions import card_holds
from livestall.auctions.models import Auction, AuctionBidder
from livestall.db import Bind
from livestall.errors import Conflict
from livestall.ledger.flows import wallet_account
from livestall.ledger.providers.saved_cards import Authorization
from livestall.ledger.service import Account, get_account, post_transfer
from livestall.money import Money

HOLD_KIND = "auction_hold"


async def hold_account(bind: Bind, auction: Auction) -> Account:
    """The account holding every bidder's money for this auction while they may still win it."""
    return await get_account(bind, HOLD_KIND, f"auction:{auction.id}", auction.currency)


def _reference(auction: Auction, bidder: AuctionBidder, what: str) -> str:
    bidder.holds += 1
    return f"auction:{auction.id}:user:{bidder.user_id}:{what}:{bidder.holds}"


async def hold_up_to(session: AsyncSession, auction: Auction, bidder: AuctionBidder, amount_minor: int,
                     card: Authorization | None = None) -> None:
    """Hold `amount_minor` in all (what is held already counts): from the wallet, else on the card authorized
    for this bid. Conflict `insufficient_funds` when neither covers it, and then nothing moved."""
    more = amount_minor - bidder.held_minor
    if more <= 0:
        return
    on_card = await card_holds.active_hold(session, auction.id, bidder.user_id)
    if on_card is None:
        try:
            await _hold_from_wallet(session, auction, bidder, amount_minor, more)
            return
        except Conflict:
            if card is None:
                raise
    if card is None:  # the hold is on a card: it grows only by a new authorization
        raise Conflict.field("amount", "insufficient_funds", "your card was not authorized for this bid; bid again")
    if card.amount_minor < amount_minor:
        raise Conflict.field("amount", "card_hold_short",
                             f"the price moved while your card was checked; the bid now needs "
                             f"{Money(amount_minor, auction.currency).format()}: bid again")
    # The whole hold moves onto the new authorization: the wallet's part or the older card hold goes back.
    await release(session, auction, bidder)
    await card_holds.record(session, auction, bidder, card)


async def _hold_from_wallet(session: AsyncSession, auction: Auction, bidder: AuctionBidder, amount_minor: int,
                            more: int) -> None:
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
                             f"your wallet must cover {needed} while you may win; top it up or save a card "
                             "to bid") from None
    bidder.held_minor = amount_minor


async def release(session: AsyncSession, auction: Auction, bidder: AuctionBidder, keep_minor: int = 0) -> str | None:
    """Give back what is held for the bidder beyond `keep_minor` (all of it when outbid); a card hold goes back
    whole, its authorization cancelled once the transaction commits: then the card's last four digits."""
    on_card = await card_holds.active_hold(session, auction.id, bidder.user_id)
    if on_card is not None:
        await card_holds.release(session, auction, on_card)
        bidder.held_minor = 0
        return on_card.card_label[-4:]
    back = bidder.held_minor - keep_minor
    if back <= 0:
        return None
    wallet = await wallet_account(session, bidder.user_id, auction.currency)
    held = await hold_account(session, auction)
    await post_transfer(session, kind="auction_release", reference=_reference(auction, bidder, "release"),
                        legs=[(held, -back), (wallet, back)], memo=f"released from auction {auction.id}")
    bidder.held_minor = keep_minor
    return None
