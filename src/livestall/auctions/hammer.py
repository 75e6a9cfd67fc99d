"""The close, by the server's clock: the winner's order paid from their hold, else the runner-up's offer."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.auctions import card_holds, holds
from livestall.auctions.models import Auction, AuctionBidder
from livestall.auctions.service import AUCTIONS, announce, iso, lock_auction
from livestall.catalog.models import Product, ProductVariant
from livestall.db import utcnow
from livestall.errors import Conflict, Invalid
from livestall.events import Event, publish_on_commit
from livestall.ledger.flows import wallet_account
from livestall.money import Money
from livestall.orders.addresses import get_default_shipping
from livestall.orders.combined import do_ride_in_parcel
from livestall.orders.models import Order
from livestall.orders.service import do_mark_paid
from livestall.orders.settle import new_ref
from livestall.orders.stock import take_units
from livestall.shows.models import Show

PAY_WINDOW = timedelta(minutes=15)  # an order is paid in the same transaction; this only bounds the reservation


async def due_auctions(session: AsyncSession, cutoff: datetime) -> list[int]:
    """Open auctions whose end passed before `cutoff`."""
    return list(await session.scalars(select(Auction.id).where(Auction.status == "open", Auction.ends_at <= cutoff)
                                      .order_by(Auction.ends_at)))


async def expire_offers(session: AsyncSession, now: datetime) -> int:
    """Offers to runners-up not taken in time: the auction stays unsold."""
    result = await session.execute(update(AUCTIONS).where(AUCTIONS.c.status == "ended", AUCTIONS.c.result == "offered",
                                                          AUCTIONS.c.offer_expires_at <= now)
                                   .values(result="unsold"))
    return result.rowcount


async def orphaned_auctions(session: AsyncSession) -> list[int]:
    """Auctions still waiting to open in a show that has ended or was cancelled: nobody will open them."""
    return list(await session.scalars(select(Auction.id).join(Show, Show.id == Auction.show_id)
                                      .where(Auction.status == "scheduled", Show.status.in_(("ended", "cancelled")))))


async def _new_order(session: AsyncSession, auction: Auction, buyer_id: int, price_minor: int, now: datetime,
                     shipping: dict | None) -> Order | None:
    """One unit off the product's stock, or off its variant's and the product's total together (compare-and-set
    `stock >= 1`), as the buyer's order; None when no unit is left."""
    if shipping is None:
        raise Invalid.field("shipping", "required", "add a delivery address first")
    taken, _left = await take_units(session, auction.product_id, None, 1, now, variant_id=auction.variant_id)
    if not taken:
        return None
    variant = await session.get(ProductVariant, auction.variant_id) if auction.variant_id is not None else None
    key = f"auction:{auction.id}:{buyer_id}"
    order = Order(ref=new_ref(), buyer_id=buyer_id, shop_id=auction.shop_id, show_id=auction.show_id,
                  product_id=auction.product_id, variant_id=auction.variant_id,
                  option=variant.label[:40] if variant is not None else None,
                  quantity=1, unit_price_minor=price_minor, total_minor=price_minor,
                  currency=auction.currency, status="reserved", shipping=shipping, idempotency_key=key,
                  request_hash=hashlib.sha256(key.encode()).hexdigest(), reserved_until=now + PAY_WINDOW,
                  created_at=now)
    session.add(order)
    await session.flush()
    return order


async def close_auction(session: AsyncSession, auction_id: int, *, now: datetime, commission_bps: int,
                        captured: bool | None = None) -> bool | card_holds.Capture:
    """Close one auction whose time is up (False if another process did): hammer, order, holds, news. A winner
    holding by card stops the close at "ended" and gets a Capture back: the card is charged outside any
    transaction, then this is called again with `captured` (True: taken; False: the card refused it)."""
    auction = await lock_auction(session, auction_id)
    waiting = auction is not None and auction.status == "ended" and auction.result is None  # on a card capture
    if auction is None or not (waiting or (auction.status == "open" and auction.ends_at <= now)):
        return False
    if not waiting:
        auction.status, auction.ended_at = "ended", now
    users: dict[str, list[dict]] = {}
    if auction.leader_id is None:
        auction.result = "unsold"
    else:
        winner = await session.scalar(select(AuctionBidder).where(AuctionBidder.auction_id == auction.id,
                                                                  AuctionBidder.user_id == auction.leader_id))
        card = await card_holds.active_hold(session, auction.id, winner.user_id)
        if card is not None and captured is None:  # ended: no bid counts now; the card is charged, then on
            await session.flush()
            return card_holds.Capture(auction.id, card.id, auction.price_minor)
        shipping = await get_default_shipping(session=session, user_id=winner.user_id)
        # No address left in the winner's book counts as a failed payment, like a unit gone; so does a card that
        # refused the capture.
        order = None if shipping is None or (card is not None and not captured) else await _sell_paid(
            session, auction, winner.user_id, auction.price_minor, await holds.hold_account(session, auction), now,
            shipping, commission_bps, provider="stripe" if card is not None else "wallet")
        if card is not None and captured:
            await card_holds.settle_capture(session, auction, winner, card, auction.price_minor, order)
        if order is not None:
            if card is None:
                winner.held_minor -= auction.price_minor  # paid out of the hold
                await holds.release_all(session, auction, [winner])
            auction.result, auction.winner_id = "sold", winner.user_id
            auction.hammer_minor, auction.order_id = auction.price_minor, order.id
            users[str(winner.user_id)] = [{"type": "auction.won", "auction_id": auction.id, "order_id": order.id,
                                           "order_ref": order.ref,
                                           "hammer": Money(auction.price_minor, auction.currency).as_dict(),
                                           **({"card_last4": card.card_label[-4:]} if card is not None else {})}]
        else:
            await holds.release_all(session, auction, [winner])
            runner_up = await session.scalar(
                select(AuctionBidder).where(AuctionBidder.auction_id == auction.id,
                                            AuctionBidder.user_id != winner.user_id)
                .order_by(AuctionBidder.last_bid_minor.desc(), AuctionBidder.updated_at).limit(1))
            if runner_up is None:
                auction.result = "unsold"
            else:
                expires = now + timedelta(minutes=auction.offer_minutes)
                auction.result, auction.offered_to_id = "offered", runner_up.user_id
                auction.offer_minor, auction.offer_expires_at = runner_up.last_bid_minor, expires
                users[str(runner_up.user_id)] = [{
                    "type": "auction.offered", "auction_id": auction.id,
                    "price": Money(runner_up.last_bid_minor, auction.currency).as_dict(),
                    "expires_at": expires.isoformat(), "now": now.isoformat()}]
    await session.flush()
    await announce(session, auction, "auction.ended", now)
    if users:
        publish_on_commit(session, Event(auction.show_id, "auction.private", {"auction_id": auction.id,
                                                                               "users": users}))
    return True


async def _sell_paid(session: AsyncSession, auction: Auction, buyer_id: int, price_minor: int, source, now: datetime,
                     shipping: dict | None, commission_bps: int, provider: str = "wallet") -> Order | None:
    """The order made and paid from `source` (the hold, or the wallet), with the room told of the sale."""
    order = await _new_order(session, auction, buyer_id, price_minor, now, shipping)
    if order is None:
        return None
    # "wallet": the hold came out of the buyer's wallet, so a refund goes back there; "stripe": a card paid it.
    await do_mark_paid(session=session, order=order, provider=provider, source=source,
                       commission_bps=commission_bps, now=now)
    await do_ride_in_parcel(session, order)
    variant = {"variant_id": auction.variant_id} if auction.variant_id is not None else {}
    publish_on_commit(session, Event(auction.show_id, "sale.made", {
        "product_id": auction.product_id, "flash_sale_id": None, "units": 1, "orders": 1,
        "units_left": await _units_left(session, auction), **variant}))
    return order


async def _units_left(session: AsyncSession, auction: Auction) -> int:
    """What is left of the lot: the variant's units when it is one variant, else the product's."""
    if auction.variant_id is not None:
        return int(await session.scalar(select(ProductVariant.stock)
                                         .where(ProductVariant.id == auction.variant_id)) or 0)
    return int(await session.scalar(select(Product.stock).where(Product.id == auction.product_id)) or 0)


async def do_accept_offer(*, session: AsyncSession, auction: Auction, user: User, commission_bps: int) -> Order:
    """The runner-up takes the offer: one unit at their last bid, paid from their wallet at once."""
    now = utcnow()
    auction = await lock_auction(session, auction.id)
    if auction.result != "offered" or auction.offered_to_id != user.id:
        raise Conflict.field("auction_id", "offered_to_you", "this auction is not offered to you")
    if auction.offer_expires_at <= now:
        raise Conflict.field("auction_id", "offer_open", f"the offer ended at {iso(auction.offer_expires_at)}")
    shipping = await get_default_shipping(session=session, user_id=user.id)
    wallet = await wallet_account(session, user.id, auction.currency)
    order = await _sell_paid(session, auction, user.id, auction.offer_minor, wallet, now, shipping, commission_bps)
    if order is None:
        raise Conflict.field("auction_id", "in_stock", "the product (or its variant) has no unit left")
    auction.result, auction.winner_id = "sold_runner_up", user.id
    auction.hammer_minor, auction.order_id = auction.offer_minor, order.id
    await session.flush()
    await announce(session, auction, "auction.ended", now)
    return order
