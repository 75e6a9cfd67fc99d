"""Bids backed by a saved card: when the wallet cannot cover a bid, the bidder's card is authorized for it
(a Stripe PaymentIntent with capture_method=manual) and the hold enters the books as a balanced transfer from the
`card_holds` clearing account to the auction's hold account; outbid or cancelled, the transfer is reversed and the
authorization cancelled; at the hammer the winner's card is captured for the price and the order paid from the hold.

Stripe is never called inside the tick's transaction (it would hold the auction's row, and on SQLite the database,
for a network round trip). The authorization is placed *before* the bid enters the tick: the tick then either uses
it (records the hold with the bid) or not (the bid was refused, the price moved past it, the wallet sufficed), and
an unused one is cancelled right after the tick. Placing it after the tick would mean a leader without money for a
while and a compensation that un-leads them in front of the room. Cancels of holds given back inside a transaction
are sent once it commits; any left unsent (Stripe unreachable, a stopped process) are retried by the clock.
The capture happens between two transactions of the close: the first ends the auction (no bid counts any more),
the card is captured with no transaction open, the second makes the order, or the runner-up's offer when the card
refused."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event as sa_event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from livestall.auctions.card_hold_models import AuctionCardHold
from livestall.auctions.models import Auction, AuctionBidder
from livestall.auctions.pricing import minimum_bid
from livestall.db import Bind, insert_ignoring_conflicts, utcnow
from livestall.ledger.flows import clearing_account, wallet_account
from livestall.ledger.models import PaymentCheckout
from livestall.ledger.providers import saved_cards
from livestall.ledger.providers.card_models import CardPayment
from livestall.ledger.service import ACCOUNTS, Account, get_account, post_transfer, wallet_key
from livestall.money import Money
from livestall.settings import Settings, get_settings

log = logging.getLogger("livestall.auctions.card_holds")
HOLDS = AuctionCardHold.__table__
PROVIDER = "stripe"
TO_CANCEL_KEY = "livestall.card_holds.to_cancel"
ENGINE_KEY = "livestall.card_holds.engine"
_sending: set[asyncio.Task] = set()  # kept until done: the loop holds tasks only weakly


@dataclass(frozen=True, slots=True)
class Capture:
    """A close waiting on the winner's card: the auction is ended, the card to be captured for `price_minor`."""

    auction_id: int
    hold_id: int
    price_minor: int


async def card_holds_account(bind: Bind, currency: str) -> Account:
    """What cards are authorized for and not yet captured: the counterpart of every card hold in the books."""
    return await get_account(bind, "card_holds", PROVIDER, currency)


async def active_hold(session: AsyncSession, auction_id: int, user_id: int) -> AuctionCardHold | None:
    """The bidder's card hold standing in this auction, if their hold is on a card."""
    return await session.scalar(select(AuctionCardHold).where(
        AuctionCardHold.auction_id == auction_id, AuctionCardHold.user_id == user_id,
        AuctionCardHold.status == "held").order_by(AuctionCardHold.id.desc()).limit(1))


def _top_of_bid(auction: Auction, bidder: AuctionBidder | None, user_id: int, amount: int | None,
                max_minor: int | None) -> int:
    """What the tick will want held for this bid, as things stand (bidding.apply_bid's rule)."""
    if auction.status == "scheduled":
        first = amount if amount is not None else auction.starting_price_minor
        return max(first, max_minor or 0, bidder.max_minor if bidder is not None else 0)
    if auction.leader_id == user_id:
        return max(auction.price_minor, max_minor or 0)
    first = amount if amount is not None else minimum_bid(
        starting_minor=auction.starting_price_minor, price_minor=auction.price_minor,
        has_leader=auction.leader_id is not None, increments=auction.increments)
    return max(first, max_minor or 0)


async def authorize_if_needed(maker: async_sessionmaker[AsyncSession], settings: Settings, *, user_id: int,
                              show_id: int, auction_id: int, amount: int | None,
                              max_minor: int | None) -> saved_cards.Authorization | None:
    """Before a bid enters the tick: authorize the bidder's saved card for it when the wallet cannot cover it
    (or their hold is on a card already). None when the wallet will do, or nothing can be held by card (the tick
    then refuses or accepts the bid as usual). Conflict `card`/`card_declined` when the card is refused."""
    if not settings.stripe_secret_key:
        return None
    from livestall.auctions.bidding import staff_of  # bidding builds on the holds, which build on this module
    from livestall.orders.addresses import get_default_shipping

    async with maker() as session:
        auction = await session.get(Auction, auction_id)
        if auction is None or auction.show_id != show_id or auction.status not in ("scheduled", "open"):
            return None
        card = await saved_cards.default_card(session, user_id)
        if card is None or user_id in await staff_of(session, auction):
            return None
        bidder = await session.scalar(select(AuctionBidder).where(AuctionBidder.auction_id == auction.id,
                                                                  AuctionBidder.user_id == user_id))
        top = _top_of_bid(auction, bidder, user_id, amount, max_minor)
        if (max_minor is not None and amount is not None and max_minor < amount) or \
                top <= (bidder.held_minor if bidder is not None else 0):
            return None
        if bidder is None and await get_default_shipping(session=session, user_id=user_id) is None:
            return None
        if await active_hold(session, auction.id, user_id) is None:
            wallet = await session.scalar(select(ACCOUNTS.c.balance_minor).where(
                ACCOUNTS.c.kind == "buyer_wallet", ACCOUNTS.c.owner_key == wallet_key(user_id),
                ACCOUNTS.c.currency == auction.currency)) or 0
            if wallet >= top - (bidder.held_minor if bidder is not None else 0):
                return None
        currency = auction.currency
    # No transaction is open past this point: the session above only read.
    reference = f"auction-{auction_id}-user-{user_id}-{uuid.uuid4().hex[:16]}"
    return await saved_cards.authorize(settings, card=card, amount=Money(top, currency), reference=reference,
                                       metadata={"auction_id": str(auction_id), "user_id": str(user_id)})


async def record(session: AsyncSession, auction: Auction, bidder: AuctionBidder,
                 authorization: saved_cards.Authorization) -> AuctionCardHold:
    """The authorization, used by the bid, enters the books: card holds -> the auction's hold account."""
    from livestall.auctions.holds import hold_account

    hold = AuctionCardHold(auction_id=auction.id, user_id=bidder.user_id, provider=PROVIDER,
                           payment_intent_id=authorization.payment_intent_id, reference=authorization.reference,
                           card_label=authorization.card_label[:40], amount_minor=authorization.amount_minor,
                           currency=authorization.currency, status="held", error="", created_at=utcnow())
    session.add(hold)
    await session.flush()
    await post_transfer(session, kind="auction_card_hold", reference=f"card-hold:{hold.id}",
                        legs=[(await card_holds_account(session, auction.currency), -hold.amount_minor),
                              (await hold_account(session, auction), hold.amount_minor)],
                        memo=f"{authorization.card_label} held for auction {auction.id}")
    bidder.held_minor = hold.amount_minor
    return hold


async def release(session: AsyncSession, auction: Auction, hold: AuctionCardHold) -> None:
    """Give a card hold back: the reverse transfer now, the authorization cancelled once this commits."""
    from livestall.auctions.holds import hold_account

    done = await session.execute(update(HOLDS).where(HOLDS.c.id == hold.id, HOLDS.c.status == "held")
                                 .values(status="releasing"))
    if done.rowcount != 1:
        return
    await post_transfer(session, kind="auction_card_release", reference=f"card-hold:{hold.id}:release",
                        legs=[(await hold_account(session, auction), -hold.amount_minor),
                              (await card_holds_account(session, auction.currency), hold.amount_minor)],
                        memo=f"released from auction {auction.id}")
    hold.status = "releasing"
    _cancel_after_commit(session, hold.id)


async def settle_capture(session: AsyncSession, auction: Auction, winner: AuctionBidder, hold: AuctionCardHold,
                         price_minor: int, order) -> None:
    """The winner's card was captured for the price: the money is at Stripe for us, the rest of the authorization
    let go. With the order (paid from the hold already) a refund goes back to the card; with none (no unit left,
    no address) the captured price goes to the winner's wallet."""
    from livestall.auctions.holds import hold_account

    now = utcnow()
    cards, held = await card_holds_account(session, auction.currency), await hold_account(session, auction)
    await post_transfer(session, kind="auction_card_capture", reference=f"card-hold:{hold.id}:capture",
                        order_id=order.id if order is not None else None,
                        legs=[(await clearing_account(session, PROVIDER, auction.currency), -price_minor),
                              (cards, price_minor)], memo=f"{hold.card_label} charged for auction {auction.id}")
    rest = hold.amount_minor - price_minor
    if rest:
        await post_transfer(session, kind="auction_card_release", reference=f"card-hold:{hold.id}:release",
                            legs=[(held, -rest), (cards, rest)], memo=f"released from auction {auction.id}")
    if order is None:
        await post_transfer(session, kind="auction_release", reference=f"card-hold:{hold.id}:to-wallet",
                            legs=[(held, -price_minor), (await wallet_account(session, winner.user_id,
                                                                              auction.currency), price_minor)],
                            memo=f"charged for auction {auction.id}, no unit left: to the wallet")
    else:  # what a refund of the order goes back to the card against
        checkout = PaymentCheckout(provider=PROVIDER, external_id=hold.payment_intent_id, purpose="order",
                                   order_id=order.id, user_id=winner.user_id, amount_minor=price_minor,
                                   currency=auction.currency, url="", status="completed", created_at=now,
                                   completed_at=now)
        session.add(checkout)
        await session.flush()
        session.add(CardPayment(checkout_id=checkout.id, payment_ref=hold.payment_intent_id, created_at=now))
    await session.execute(update(HOLDS).where(HOLDS.c.id == hold.id)
                          .values(status="captured", captured_minor=price_minor, settled_at=now))
    winner.held_minor = 0


async def capture_for_close(maker: async_sessionmaker[AsyncSession], settings: Settings,
                            capture: Capture) -> bool | None:
    """Charge the winner's card, with no transaction open: True taken, False refused by the card, None when Stripe
    could not be asked (the close is tried again later under the same key)."""
    if not settings.stripe_secret_key:  # a process without Stripe leaves it to one with it
        return None
    async with maker() as session:
        hold = await session.get(AuctionCardHold, capture.hold_id)
        if hold is None:
            return False
        payment_intent_id, reference = hold.payment_intent_id, hold.reference
    try:
        taken = await saved_cards.capture(settings, payment_intent_id=payment_intent_id,
                                          amount_minor=capture.price_minor, reference=reference)
    except saved_cards.ProviderError as exc:
        log.warning("capture of %s not made: %s", reference, exc)
        return None
    if not taken:
        async with maker.begin() as session:
            await session.execute(update(HOLDS).where(HOLDS.c.id == capture.hold_id)
                                  .values(error="the card refused the capture"))
    return taken


STALLED_LOOKBACK = timedelta(days=1)  # older ones are the operator's: the scan stays a short index range


async def stalled_closes(session: AsyncSession, before: datetime) -> list[int]:
    """Auctions ended before `before` whose close still waits on a card capture (a process stopped midway)."""
    return list(await session.scalars(select(Auction.id).where(
        Auction.status == "ended", Auction.ends_at > before - STALLED_LOOKBACK, Auction.ends_at <= before,
        Auction.result.is_(None), Auction.ended_at <= before)))


async def drop_if_unused(maker: async_sessionmaker[AsyncSession], settings: Settings, *, auction_id: int,
                         user_id: int, authorization: saved_cards.Authorization) -> None:
    """After the tick: an authorization the bid did not use (refused, rolled back) is recorded and cancelled."""
    try:
        await _drop_if_unused(maker, settings, auction_id, user_id, authorization)
    except Exception:  # the bid's own answer matters more; an authorization not cancelled lapses at Stripe
        log.exception("dropping an unused card hold failed")


async def _drop_if_unused(maker: async_sessionmaker[AsyncSession], settings: Settings, auction_id: int, user_id: int,
                          authorization: saved_cards.Authorization) -> None:
    async with maker.begin() as session:
        stmt = insert_ignoring_conflicts(session, HOLDS, ["payment_intent_id"]).values(
            auction_id=auction_id, user_id=user_id, provider=PROVIDER,
            payment_intent_id=authorization.payment_intent_id, reference=authorization.reference,
            card_label=authorization.card_label[:40], amount_minor=authorization.amount_minor,
            currency=authorization.currency, status="releasing", error="unused", created_at=utcnow())
        unused = (await session.execute(stmt)).rowcount == 1
    if unused:
        await send_cancels(maker, settings, None)


def _cancel_after_commit(session: AsyncSession, hold_id: int) -> None:
    sync = session.sync_session
    sync.info.setdefault(TO_CANCEL_KEY, []).append(hold_id)
    sync.info[ENGINE_KEY] = session.bind


@sa_event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    ids = session.info.pop(TO_CANCEL_KEY, None)
    engine = session.info.pop(ENGINE_KEY, None)
    if not ids or not isinstance(engine, AsyncEngine):
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # committed outside a loop: the clock's next sweep sends them
        return
    task = loop.create_task(_send_quietly(async_sessionmaker(engine, expire_on_commit=False), ids))
    _sending.add(task)
    task.add_done_callback(_sending.discard)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_unsent(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:  # a refused wallet leg's savepoint keeps the tick's other releases
        session.info.pop(TO_CANCEL_KEY, None)


async def _send_quietly(maker: async_sessionmaker[AsyncSession], ids: list[int]) -> None:
    try:
        await send_cancels(maker, get_settings(), ids)
    except Exception:  # a lost connection: the holds stay "releasing" for the clock's sweep
        log.exception("cancelling card holds failed")


async def send_cancels(maker: async_sessionmaker[AsyncSession], settings: Settings, ids: list[int] | None) -> int:
    """Cancel at Stripe the authorizations given back in the books (these, or every one waiting): how many went."""
    if not settings.stripe_secret_key:
        return 0
    async with maker() as session:
        query = select(AuctionCardHold.id, AuctionCardHold.payment_intent_id, AuctionCardHold.reference).where(
            AuctionCardHold.status == "releasing")
        if ids is not None:
            query = query.where(AuctionCardHold.id.in_(ids))
        rows = (await session.execute(query.order_by(AuctionCardHold.id).limit(500))).all()
    sent = 0
    for hold_id, payment_intent_id, reference in rows:
        try:
            await saved_cards.cancel(settings, payment_intent_id=payment_intent_id, reference=reference)
        except saved_cards.ProviderError as exc:
            log.warning("cancel of %s not sent: %s", reference, exc)
            continue
        async with maker.begin() as session:
            await session.execute(update(HOLDS).where(HOLDS.c.id == hold_id, HOLDS.c.status == "releasing")
                                  .values(status="released", settled_at=utcnow()))
        sent += 1
    return sent
