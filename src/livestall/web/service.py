"""The reads the pages need beyond other areas' services."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts import follows
from livestall.accounts.models import User, UserRole
from livestall.catalog.models import Product, Shop, ShopMember
from livestall.db import utcnow
from livestall.money import Money
from livestall.orders.models import HOLDING, MONEY_IN, Order
from livestall.shows.models import Show


# -- names --------------------------------------------------------------------------------------

async def get_names(*, session: AsyncSession, shop_ids: set[int] = frozenset(),
                    user_ids: set[int] = frozenset()) -> tuple[dict[int, str], dict[int, str]]:
    """Shop names and user display names by id, in two queries."""
    shops = dict((await session.execute(select(Shop.id, Shop.name).where(Shop.id.in_(shop_ids)))).all()) \
        if shop_ids else {}
    users = dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))).all()) \
        if user_ids else {}
    return shops, users


async def list_categories(*, session: AsyncSession) -> list[str]:
    """The categories of upcoming and live shows, for the discover filter."""
    rows = await session.scalars(select(Show.category).where(Show.status.in_(("scheduled", "live")),
                                                             Show.category != "").distinct().limit(100))
    return sorted(rows)


async def list_markets(*, session: AsyncSession) -> list[str]:
    """The markets of upcoming and live shows, for the discover filter."""
    rows = await session.scalars(select(Show.market).where(Show.status.in_(("scheduled", "live"))).distinct()
                                 .limit(250))
    return sorted(rows)


async def search_hosts(*, session: AsyncSession, q: str, limit: int = 20) -> list[User]:
    """Hosts and sellers whose name contains `q`."""
    needle = q.lower()
    rows = await session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_(("host", "seller")),
                                          func.lower(User.display_name).contains(needle, autoescape=True))
        .distinct().order_by(User.display_name).limit(limit))
    return list(rows)


async def list_user_shops(*, session: AsyncSession, user: User) -> list[Shop]:
    """The shops the user owns or works in."""
    rows = await session.scalars(select(Shop).join(ShopMember).where(ShopMember.user_id == user.id)
                                 .order_by(Shop.id))
    return list(rows)


async def list_studio_shows(*, session: AsyncSession, user: User, limit: int = 50) -> list[Show]:
    """Shows the user hosts or whose shop they run that are not over, soonest first."""
    shop_ids = select(ShopMember.shop_id).where(ShopMember.user_id == user.id)
    rows = await session.scalars(select(Show).where(or_(Show.host_id == user.id, Show.shop_id.in_(shop_ids)),
                                                    Show.status.in_(("scheduled", "live")))
                                 .order_by(Show.status.desc(), Show.scheduled_at).limit(limit))
    return list(rows)


async def list_following(*, session: AsyncSession, user: User) -> list[dict]:
    """What the user follows, with names: [{kind, target_id, name}]."""
    rows = await follows.list_following(session=session, user=user)
    shops, users = await get_names(session=session, shop_ids={f.target_id for f in rows if f.kind == "shop"},
                                   user_ids={f.target_id for f in rows if f.kind == "host"})
    return [{"kind": f.kind, "target_id": f.target_id,
             "name": (shops if f.kind == "shop" else users).get(f.target_id, "?")} for f in rows]


# -- numbers ------------------------------------------------------------------------------------

@dataclass
class Sales:
    """Paid orders (paid, shipped, delivered), their units and value (the GMV), and apart the reserved, unpaid ones."""

    orders: int
    units: int
    gmv: Money
    reserved_orders: int
    reserved: Money


async def get_show_sales(*, session: AsyncSession, show: Show, currency: str) -> Sales:
    """What a show has sold so far (its GMV in the shop's currency), and what is reserved but not yet paid."""
    paid = Order.status.in_(MONEY_IN)
    rows = (await session.execute(
        select(paid, func.count(), func.coalesce(func.sum(Order.quantity), 0), func.coalesce(func.sum(Order.total_minor), 0))
        .where(Order.show_id == show.id, Order.status.in_(HOLDING)).group_by(paid))).all()
    figures = {bool(is_paid): (int(orders), int(units), int(total)) for is_paid, orders, units, total in rows}
    orders, units, total = figures.get(True, (0, 0, 0))
    reserved_orders, _, reserved = figures.get(False, (0, 0, 0))
    return Sales(orders, units, Money(total, currency), reserved_orders, Money(reserved, currency))


@dataclass
class ShopNumbers:
    """A shop's basic figures."""

    products: int
    active_products: int
    stock_units: int
    orders: int
    to_ship: int
    revenue: Money
    shows_live: int
    shows_upcoming: int
    shows_ended: int
    followers: int


async def get_shop_numbers(*, session: AsyncSession, shop: Shop) -> ShopNumbers:
    """Products, stock, orders, paid revenue, shows and followers of a shop."""
    products, active, stock = (await session.execute(
        select(func.count(), func.coalesce(func.sum(case((Product.status == "active", 1), else_=0)), 0),
               func.coalesce(func.sum(Product.stock), 0)).where(Product.shop_id == shop.id))).one()
    orders, revenue = (await session.execute(
        select(func.count(), func.coalesce(func.sum(Order.total_minor), 0))
        .where(Order.shop_id == shop.id, Order.status.in_(MONEY_IN)))).one()
    to_ship = await session.scalar(select(func.count()).where(Order.shop_id == shop.id, Order.status == "paid"))
    shows = dict((await session.execute(select(Show.status, func.count()).where(Show.shop_id == shop.id)
                                        .group_by(Show.status))).all())
    followers = await follows.count_followers(session=session, kind="shop", target_id=shop.id)
    return ShopNumbers(int(products), int(active), int(stock), int(orders), int(to_ship or 0),
                       Money(int(revenue), shop.currency), shows.get("live", 0), shows.get("scheduled", 0),
                       shows.get("ended", 0), int(followers or 0))


# -- the live feed (swipe to the next show) -----------------------------------------------------------

def _closeness(language: str, market: str | None):
    """A live show's place in a viewer's feed: their language and market first, then the language, then the
    market, then the rest (as a SQL expression, 0 first)."""
    same_language = Show.language == language
    if not market:
        return case((same_language, 0), else_=1)
    same_market = Show.market == market
    return case((and_(same_language, same_market), 0), (same_language, 1), (same_market, 2), else_=3)


def _closeness_of(show: Show, language: str, market: str | None) -> int:
    if not market:
        return 0 if show.language == language else 1
    return {(True, True): 0, (True, False): 1, (False, True): 2}.get(
        (show.language == language, show.market == market), 3)


async def find_live_neighbour(*, session: AsyncSession, show: Show, language: str, market: str | None,
                             after: bool) -> Show | None:
    """The live show after (or before) `show` in the feed, ordered by closeness, then the latest started."""
    rank = _closeness(language, market)
    mine = _closeness_of(show, language, market)
    started = show.started_at or utcnow()
    if after:
        beyond = or_(rank > mine, and_(rank == mine, or_(Show.started_at < started,
                                                         and_(Show.started_at == started, Show.id < show.id))))
        order = [rank, Show.started_at.desc(), Show.id.desc()]
    else:
        beyond = or_(rank < mine, and_(rank == mine, or_(Show.started_at > started,
                                                         and_(Show.started_at == started, Show.id > show.id))))
        order = [rank.desc(), Show.started_at.asc(), Show.id.asc()]
    live = select(Show).where(Show.status == "live", Show.id != show.id)
    found = await session.scalar(live.where(beyond).order_by(*order).limit(1))
    if found is None:  # the feed goes round: after the last show comes the first again
        found = await session.scalar(live.order_by(*order).limit(1))
    return found
