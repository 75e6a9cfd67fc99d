"""Bidders' money held for an auction: each movement a balanced transfer into the auction's hold account, from
their wallet or, when the wallet cannot cover the bid, from an authorization on their saved card (card_holds.py);
and the winner's hold paying the order. A bidder's hold is on one of the two at a time, never split.

Within one transaction the holds move through a `Purse`: wallet balances are read (and on PostgreSQL locked) once,
each bid is checked against them in memory, and the wallets' movements are netted per bidder and written as one
balanced transfer when the transaction's work is done. In a tick of hundreds of bids most bidders are held and
outbid within it; their legs net to nothing, and only the money still held at the end moves."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.auctions import card_holds
from livestall.auctions.card_hold_models import AuctionCardHold
from livestall.auctions.models import Auction, AuctionBidder
from livestall.db import Bind
from livestall.errors import Conflict
from livestall.ledger.flows import wallet_account
from livestall.ledger.providers.saved_cards import Authorization
from livestall.ledger.service import ACCOUNTS, Account, get_account, post_transfer, wallet_key
from livestall.money import Money

HOLD_KIND = "auction_hold"
WALLET_KIND = "buyer_wallet"


class Holder(Protocol):
    """A bidder as the holds see them: a tick's record (bidding.Bidder) or the ORM row (AuctionBidder)."""

    user_id: int
    held_minor: int


async def hold_account(bind: Bind, auction: Auction) -> Account:
    """The account holding every bidder's money for this auction while they may still win it."""
    return await get_account(bind, HOLD_KIND, f"auction:{auction.id}", auction.currency)


class Purse:
    """One transaction's view of an auction's holds: card holds as they stand, wallet movements netted per bidder
    until `settle` writes them."""

    def __init__(self, session: AsyncSession, auction: Auction) -> None:
        self.session, self.auction = session, auction
        self._wallets: dict[int, tuple[Account | None, int]] = {}  # user -> (wallet account, balance when read)
        self._cards: dict[int, AuctionCardHold | None] = {}  # user -> the card hold standing, if any
        self._moved: dict[int, int] = defaultdict(int)  # user -> net minor units from their wallet into the hold

    async def load(self, user_ids: Iterable[int]) -> None:
        """Read the wallets and card holds of these bidders, in two queries, once per transaction."""
        missing = {user_id for user_id in user_ids if user_id not in self._wallets}
        if not missing:
            return
        currency, keys = self.auction.currency, {wallet_key(user_id): user_id for user_id in missing}
        # Locked in account order, like post_transfer's updates: what a bid is checked against stays true until
        # this transaction commits (SQLite's write lock, taken with the auction's row, does the same).
        rows = await self.session.execute(
            select(ACCOUNTS.c.id, ACCOUNTS.c.owner_key, ACCOUNTS.c.balance_minor)
            .where(ACCOUNTS.c.kind == WALLET_KIND, ACCOUNTS.c.currency == currency,
                   ACCOUNTS.c.owner_key.in_(keys)).order_by(ACCOUNTS.c.id).with_for_update())
        for account_id, owner_key, balance in rows:
            self._wallets[keys[owner_key]] = (Account(account_id, WALLET_KIND, owner_key, currency), balance)
        for hold in await self.session.scalars(
                select(AuctionCardHold).where(AuctionCardHold.auction_id == self.auction.id,
                                              AuctionCardHold.user_id.in_(missing), AuctionCardHold.status == "held")
                .order_by(AuctionCardHold.id)):
            self._cards[hold.user_id] = hold  # the newest stands
        for user_id in missing:
            self._wallets.setdefault(user_id, (None, 0))
            self._cards.setdefault(user_id, None)

    def _available(self, user_id: int) -> int:
        return self._wallets[user_id][1] - self._moved[user_id]

    async def hold_up_to(self, bidder: Holder, amount_minor: int, card: Authorization | None = None) -> None:
        """Hold `amount_minor` in all (what is held already counts): from the wallet, else on the card authorized
        for this bid. Conflict `insufficient_funds` when neither covers it, and then nothing moved."""
        more = amount_minor - bidder.held_minor
        if more <= 0:
            return
        user_id = bidder.user_id
        if user_id not in self._wallets:
            await self.load((user_id,))
        if self._cards[user_id] is None:
            if self._available(user_id) >= more:
                self._moved[user_id] += more
                bidder.held_minor = amount_minor
                return
            if card is None:
                needed = Money(amount_minor, self.auction.currency).format()
                raise Conflict.field("amount", "insufficient_funds",
                                     f"your wallet must cover {needed} while you may win; top it up or save a card "
                                     "to bid")
        if card is None:  # the hold is on a card: it grows only by a new authorization
            raise Conflict.field("amount", "insufficient_funds", "your card was not authorized for this bid; bid again")
        if card.amount_minor < amount_minor:
            raise Conflict.field("amount", "card_hold_short",
                                 f"the price moved while your card was checked; the bid now needs "
                                 f"{Money(amount_minor, self.auction.currency).format()}: bid again")
        # The whole hold moves onto the new authorization: the wallet's part or the older card hold goes back.
        await self.release(bidder)
        self._cards[user_id] = await card_holds.record(self.session, self.auction, bidder, card)

    async def release(self, bidder: Holder, keep_minor: int = 0) -> str | None:
        """Give back what is held for the bidder beyond `keep_minor` (all of it when outbid); a card hold goes back
        whole, its authorization cancelled once the transaction commits: then the card's last four digits."""
        user_id = bidder.user_id
        if user_id not in self._wallets:
            await self.load((user_id,))
        on_card = self._cards[user_id]
        if on_card is not None:
            await card_holds.release(self.session, self.auction, on_card)
            self._cards[user_id] = None
            bidder.held_minor = 0
            return on_card.card_label[-4:]
        back = bidder.held_minor - keep_minor
        if back > 0:
            self._moved[user_id] -= back
            bidder.held_minor = keep_minor
        return None

    async def settle(self) -> None:
        """Write the wallets' net movements as one balanced transfer with the auction's hold account."""
        moved = {user_id: net for user_id, net in self._moved.items() if net}
        self._moved.clear()
        if not moved:
            return
        auction, legs = self.auction, []
        for user_id, net in sorted(moved.items()):
            account, balance = self._wallets[user_id]
            if account is None:  # only money that came from a wallet goes back to one; made if ever missing
                account = await wallet_account(self.session, user_id, auction.currency)
            legs.append((account, -net))
            self._wallets[user_id] = (account, balance - net)
        legs.append((await hold_account(self.session, auction), sum(moved.values())))
        reference = f"auction:{auction.id}:holds:{uuid.uuid4().hex}"
        await post_transfer(self.session, kind="auction_holds", reference=reference, legs=legs,
                            memo=f"held for, or released from, auction {auction.id}")


async def release_all(session: AsyncSession, auction: Auction, bidders: Iterable[AuctionBidder]) -> None:
    """Give back everything held for these bidders, in one transfer for their wallets."""
    bidders = list(bidders)
    purse = Purse(session, auction)
    await purse.load(bidder.user_id for bidder in bidders)
    for bidder in bidders:
        await purse.release(bidder)
    await purse.settle()
