"""Setting auctions up, opening and calling them off, and reading them as the room and the API show them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.auctions import holds
from livestall.auctions.models import Auction, AuctionBid, AuctionBidder
from livestall.auctions.pricing import DEFAULT_INCREMENTS, increment_at, minimum_bid
from livestall.auctions.schemas import AuctionCreate
from livestall.catalog.models import Product, ProductImage, ProductVariant
from livestall.db import get_or_404, utcnow
from livestall.errors import Conflict, Invalid
from livestall.events import Event, publish_on_commit
from livestall.money import Money
from livestall.shows.models import Show, ShowPin

AUCTIONS = Auction.__table__
RUNNING = ("scheduled", "open")  # one of these at a time per show


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def get_auction(*, session: AsyncSession, auction_id: int) -> Auction:
    """The auction with this id, or NotFound."""
    return await get_or_404(session, Auction, auction_id)


async def lock_auction(session: AsyncSession, auction_id: int) -> Auction | None:
    """The auction row, locked for this transaction (bids, the close and the host's taps queue behind it), as it
    stands once locked: the lock and the read are one statement, a round trip less for every tick."""
    locking = (update(Auction).where(Auction.id == auction_id).values(status=Auction.status).returning(Auction)
               .execution_options(synchronize_session=False, populate_existing=True))
    return (await session.execute(locking)).scalar_one_or_none()


async def names_of(session: AsyncSession, user_ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))).all())


@dataclass
class KeptView:
    """What a running auction's view reads from rows that hardly change while it runs (its product, variant and
    picture, its bidders' names), kept by the bid desk between its ticks: a tick's view is then one or two queries,
    not six, and in a storm every round trip waits behind the loop's other work."""

    product: dict | None = None  # variant_label, title, image_url
    names: dict[int, str] = field(default_factory=dict)


async def _product_part(session: AsyncSession, auction: Auction) -> dict:
    product = await session.get(Product, auction.product_id)
    variant = await session.get(ProductVariant, auction.variant_id) if auction.variant_id is not None else None
    image = await session.get(ProductImage, variant.image_id) if variant is not None and variant.image_id else None
    if image is None:  # the variant's own photo first, else the product's first
        image = await session.scalar(select(ProductImage).where(ProductImage.product_id == auction.product_id)
                                     .order_by(ProductImage.id).limit(1))
    return {"variant_label": variant.label if variant is not None else None, "title": auction_title(product, variant),
            "image_url": image.url if image else None}


async def auction_view(session: AsyncSession, auction: Auction, now: datetime | None = None,
                       kept: KeptView | None = None) -> dict:
    """The auction as the room and the API show it, with the server's clock (`now`) to count down by; with `kept`,
    what it already holds is not read again."""
    kept = kept or KeptView()
    if kept.product is None:
        kept.product = await _product_part(session, auction)
    kept.names.update(await names_of(session, {auction.leader_id, auction.winner_id} - kept.names.keys()))
    names = kept.names
    bidders = await session.scalar(select(func.count()).where(AuctionBidder.auction_id == auction.id)) or 0

    def money(minor: int) -> dict:
        return Money(minor, auction.currency).as_dict()

    has_leader = auction.leader_id is not None
    return {
        "id": auction.id, "show_id": auction.show_id, "product_id": auction.product_id,
        "variant_id": auction.variant_id, **kept.product,
        "status": auction.status, "result": auction.result,
        "starting_price": money(auction.starting_price_minor), "price": money(auction.price_minor),
        "next_bid": money(minimum_bid(starting_minor=auction.starting_price_minor, price_minor=auction.price_minor,
                                      has_leader=has_leader, increments=auction.increments)),
        "increment": money(increment_at(auction.increments, auction.price_minor)),
        "leader_name": names.get(auction.leader_id), "bids": auction.bids_count, "bidders": int(bidders),
        "duration_s": auction.duration_s, "snipe_s": auction.snipe_s, "sudden_death": auction.sudden_death,
        "opened_at": iso(auction.opened_at), "ends_at": iso(auction.ends_at), "now": (now or utcnow()).isoformat(),
        "winner_name": names.get(auction.winner_id),
        "hammer": money(auction.hammer_minor) if auction.hammer_minor is not None else None,
    }


async def announce(session: AsyncSession, auction: Auction, type: str, now: datetime | None = None,
                   kept: KeptView | None = None) -> dict:
    """Publish the auction's view to the room once the transaction commits."""
    view = await auction_view(session, auction, now, kept)
    publish_on_commit(session, Event(auction.show_id, type, view))
    return view


async def current_auction(*, session: AsyncSession, show_id: int) -> Auction | None:
    """The show's running auction (scheduled or open), else the one that ended last."""
    running = await session.scalar(select(Auction).where(Auction.show_id == show_id, Auction.status.in_(RUNNING))
                                   .order_by(Auction.id.desc()).limit(1))
    if running is not None:
        return running
    return await session.scalar(select(Auction).where(Auction.show_id == show_id, Auction.status == "ended")
                                .order_by(Auction.id.desc()).limit(1))


async def list_auctions(*, session: AsyncSession, show_id: int) -> list[Auction]:
    """A show's auctions, oldest first."""
    return list(await session.scalars(select(Auction).where(Auction.show_id == show_id).order_by(Auction.id)))


async def show_totals(*, session: AsyncSession, auctions: list[Auction]) -> dict:
    """What a show's auctions came to: how many sold, their takings (GMV) and bids, per auction and in all."""
    sold = [a for a in auctions if a.result in ("sold", "sold_runner_up")]
    currency = auctions[0].currency if auctions else None
    gmv = sum(a.hammer_minor or 0 for a in sold)
    bids = sum(a.bids_count for a in auctions)
    return {"auctions": len(auctions), "sold": len(sold), "bids": bids,
            "bids_per_auction": round(bids / len(auctions), 2) if auctions else 0.0,
            "gmv": Money(gmv, currency).as_dict() if currency else None}


async def _check_pinned(session: AsyncSession, show: Show, product_id: int) -> Product:
    pinned = await session.scalar(select(ShowPin.id).where(ShowPin.show_id == show.id,
                                                           ShowPin.product_id == product_id,
                                                           ShowPin.unpinned_at.is_(None)))
    product = await session.get(Product, product_id)
    if pinned is None or product is None or product.shop_id != show.shop_id:
        raise Invalid.field("product_id", "pinned", "auction a product pinned in this show")
    if product.status != "active" or product.stock < 1:
        raise Conflict.field("product_id", "in_stock", "the product has no unit left to auction")
    return product


def _check_variant(product: Product, variant_id: int | None) -> ProductVariant | None:
    """The variant up for bids: one of the product's with a unit left, required when the product has variants."""
    if not product.variants:
        if variant_id is not None:
            raise Invalid.field("variant_id", "no_variants", "this product has no variants")
        return None
    if variant_id is None:
        raise Invalid.field("variant_id", "variant_required", "choose which variant of the product goes up for bids")
    variant = next((v for v in product.variants if v.id == variant_id), None)
    if variant is None:
        raise Invalid.field("variant_id", "variant_of_product", f"{variant_id} is not a variant of this product")
    if variant.stock < 1:
        raise Conflict.field("variant_id", "in_stock", f"{variant.label} has no unit left to auction")
    return variant


def auction_title(product: Product | None, variant: ProductVariant | None) -> str:
    """What the room reads for the lot: the product's title, and the variant's label when it is one variant."""
    title = product.title if product else ""
    return f"{title} · {variant.label}" if variant is not None else title


async def do_create_auction(*, session: AsyncSession, show: Show, creator: User, auction_in: AuctionCreate) -> Auction:
    """Set up an auction of one unit of a pinned product (of one variant of it) in a live show; it takes pre-bids
    until opened."""
    if show.status != "live":
        raise Conflict.field("show_id", "live", "auctions run while the show is live")
    product = await _check_pinned(session, show, auction_in.product_id)
    variant = _check_variant(product, auction_in.variant_id)
    running = await session.scalar(select(Auction.id).where(Auction.show_id == show.id, Auction.status.in_(RUNNING)))
    if running is not None:
        raise Conflict.field("product_id", "one_at_a_time", f"auction {running} is still running in this show")
    auction = Auction(show_id=show.id, shop_id=show.shop_id, product_id=product.id,
                      variant_id=variant.id if variant is not None else None, created_by_id=creator.id,
                      status="scheduled", currency=product.currency,
                      starting_price_minor=auction_in.starting_price_minor,
                      increments=auction_in.increments or DEFAULT_INCREMENTS, duration_s=auction_in.duration_s,
                      snipe_s=auction_in.snipe_s, sudden_death=auction_in.sudden_death,
                      offer_minutes=auction_in.offer_minutes, price_minor=auction_in.starting_price_minor,
                      bids_count=0, created_at=utcnow())
    session.add(auction)
    await session.flush()
    await announce(session, auction, "auction.scheduled")
    return auction


async def do_open_auction(*, session: AsyncSession, auction: Auction, now: datetime | None = None) -> Auction:
    """Open the bidding now for its duration; the pre-bids are placed first, in the order they came."""
    from livestall.auctions.bidding import place_prebids  # bidding builds on this module's reads

    now = now or utcnow()
    show = await session.get(Show, auction.show_id)
    if show.status != "live" and auction.status == "scheduled":
        raise Conflict.field("show_id", "live", "auctions run while the show is live")
    result = await session.execute(update(AUCTIONS).where(AUCTIONS.c.id == auction.id, AUCTIONS.c.status == "scheduled")
                                   .values(status="open", opened_at=now,
                                           ends_at=now + timedelta(seconds=auction.duration_s)))
    await session.refresh(auction)
    if result.rowcount != 1:
        raise Conflict.field("status", "scheduled", f"the auction is {auction.status}, it cannot be opened")
    await place_prebids(session, auction, now)
    await announce(session, auction, "auction.started", now)
    return auction


async def do_cancel_auction(*, session: AsyncSession, auction: Auction) -> Auction:
    """Call the auction off before it ends: nobody wins and every hold goes back."""
    now = utcnow()
    result = await session.execute(update(AUCTIONS).where(AUCTIONS.c.id == auction.id,
                                                          AUCTIONS.c.status.in_(RUNNING))
                                   .values(status="cancelled", ended_at=now))
    await session.refresh(auction)
    if result.rowcount != 1:
        raise Conflict.field("status", "running", f"the auction is {auction.status}, it cannot be cancelled")
    await holds.release_all(session, auction, await session.scalars(
        select(AuctionBidder).where(AuctionBidder.auction_id == auction.id, AuctionBidder.held_minor > 0)))
    await announce(session, auction, "auction.cancelled", now)
    return auction


async def list_bids(*, session: AsyncSession, auction_id: int, limit: int = 50) -> list[dict]:
    """The auction's latest bids, newest first, by bidder name."""
    rows = await session.execute(select(AuctionBid, User.display_name).join(User, User.id == AuctionBid.user_id)
                                 .where(AuctionBid.auction_id == auction_id)
                                 .order_by(AuctionBid.id.desc()).limit(limit))
    return [{"id": bid.id, "bidder_name": name, "amount_minor": bid.amount_minor, "outcome": bid.outcome,
             "price_after_minor": bid.price_after_minor, "received_at": bid.received_at.isoformat()}
            for bid, name in rows.all()]


async def my_standing(*, session: AsyncSession, auction: Auction, user_id: int) -> dict | None:
    """A bidder's own place in an auction: their maximum, what is held, whether they lead, an offer to them."""
    bidder = await session.scalar(select(AuctionBidder).where(AuctionBidder.auction_id == auction.id,
                                                              AuctionBidder.user_id == user_id))
    offered = auction.result == "offered" and auction.offered_to_id == user_id
    if bidder is None and not offered:
        return None
    money = lambda minor: Money(minor, auction.currency).as_dict()  # noqa: E731
    return {"auction_id": auction.id, "leading": auction.leader_id == user_id and auction.status != "cancelled",
            "max": money(bidder.max_minor) if bidder else None,
            "held": money(bidder.held_minor) if bidder else None,
            "offer": {"price": money(auction.offer_minor), "expires_at": iso(auction.offer_expires_at)}
            if offered else None}
