"""Property tests: random interleavings of buy, pay, cancel, expire, ship, deliver, refund and flash-sale end,
one at a time and two actors at the same moment on one order, keep stock ≥ 0, units held by orders equal to
units taken, per-buyer limits, and the books balanced and in agreement with every order after each step."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule, run_state_machine_as_test,
)
from sqlalchemy import func, select, update

from bench.flash_world import seed
from livestall import migrate
from livestall.accounts.models import User
from livestall.catalog.models import Product
from livestall.db import make_engine, make_sessionmaker, utcnow
from livestall.errors import DomainError
from livestall.orders import service
from livestall.orders.books import check_books
from livestall.orders.flash import do_end_flash_sale, get_flash_sale
from livestall.orders.models import HOLDING, FlashSale, Order
from livestall.orders.payments import pay_from_wallet
from livestall.orders.settle import DUPLICATE, SOLD_OUT, WON, Attempt, Offer, settle_batch
from livestall.orders.stock import OPEN_FLASH
from tests.services import create_database

STOCK, FLASH_UNITS, LIMIT = 6, 5, 2
ADDRESS = {"name": "P", "line1": "1 Road", "city": "C", "postal_code": "100000", "country": "CN"}


async def _pay(session, order):
    buyer = await session.get(User, order.buyer_id)
    await pay_from_wallet(session=session, order=order, buyer=buyer, commission_bps=750)


async def _cancel(session, order):
    await service.do_cancel(session=session, order=order, by=await session.get(User, order.buyer_id))


async def _expire(session, order):
    past = utcnow() - timedelta(seconds=1)
    await session.execute(update(Order.__table__).where(Order.__table__.c.id == order.id,
                                                        Order.__table__.c.status == "reserved")
                          .values(reserved_until=past))
    await service.expire_due(session=session, now=utcnow())


async def _ship(session, order):
    await service.do_ship(session=session, order=order, tracking_number="SF1")


async def _deliver(session, order):
    await service.do_deliver(session=session, order=order)


async def _refund(session, order):
    await service.do_refund(session=session, order=order, by=await session.get(User, order.buyer_id))


MOVES = {"pay": _pay, "cancel": _cancel, "expire": _expire, "ship": _ship, "deliver": _deliver, "refund": _refund}
# Races two actors can really start on one order: (moves that come first, the two moves made at once).
PAID, SHIPPED = ("pay",), ("pay", "ship")
RACES = [((), ("pay", "cancel")), ((), ("cancel", "pay")), ((), ("pay", "pay")), ((), ("cancel", "expire")),
         ((), ("pay", "expire")), ((), ("cancel", "cancel")), (PAID, ("ship", "cancel")), (PAID, ("cancel", "cancel")),
         (SHIPPED, ("refund", "refund")), (SHIPPED, ("deliver", "refund")), (SHIPPED, ("refund", "deliver"))]


class Env:
    """One event loop and engine for every example of a run."""

    loop: asyncio.AbstractEventLoop
    engine = None
    sessions = None

    def run(self, coro):
        return self.loop.run_until_complete(coro)


ENV = Env()


class Shop(RuleBasedStateMachine):
    """A world of three buyers, a product with regular stock, and a flash sale on it; the books and the
    stock are checked after every step."""

    @initialize()
    def world(self):
        world = ENV.run(seed(ENV.url, buyers=3, stock=FLASH_UNITS, per_buyer_limit=LIMIT, wallet_minor=10**7,
                             tag=uuid.uuid4().hex[:10]))
        self.world = world
        ENV.run(self._set_stock(world.product_id, STOCK))
        self.initial = STOCK + FLASH_UNITS
        self.orders: list[int] = []
        self.won: dict[tuple[int, str], int] = {}  # (buyer, key) -> the order it made

    async def _set_stock(self, product_id: int, stock: int) -> None:
        async with ENV.engine.begin() as conn:
            await conn.execute(update(Product.__table__).where(Product.__table__.c.id == product_id)
                               .values(stock=stock))

    async def _in_session(self, action) -> None:
        async with ENV.sessions() as session:
            try:
                await action(session)
                await session.commit()
            except DomainError:  # a move the state machine does not allow: refused, nothing written
                await session.rollback()

    def _buy(self, buyers, flash, quantity, retry, hint):
        """A batch of attempts, perhaps with a key that already made an order, and any stock hint: the
        hint only decides which statement goes first."""
        w = self.world
        offer = Offer(w.show_id, w.shop_id, w.product_id, w.flash_sale_id if flash else None,
                      9900 if flash else 19800, "CNY", LIMIT if flash else None)
        attempts = [Attempt(offer, w.buyer_ids[b], quantity, ADDRESS, uuid.uuid4().hex, "h") for b in buyers]
        retried = list(self.won)[retry % len(self.won)] if retry is not None and self.won else None
        if retried:
            attempts.append(Attempt(offer, retried[0], quantity, ADDRESS, retried[1], "h"))

        async def settle():
            async with ENV.engine.begin() as conn:
                return await settle_batch(conn, attempts, now=utcnow(), reservation=timedelta(minutes=15),
                                          units_left_before=hint)

        settled = ENV.run(settle())
        assert len(settled.outcomes) == len(attempts)
        assert settled.units_sold == sum(o.order["quantity"] for o in settled.outcomes if o.order)
        on_sale = ENV.run(self._units_on_sale(flash))
        assert all(outcome.result != SOLD_OUT or on_sale < attempt.quantity
                   for attempt, outcome in zip(attempts, settled.outcomes)), "sold out while units were on sale"
        if retried:
            assert settled.outcomes[-1].result == DUPLICATE
            assert settled.outcomes[-1].existing_order_id == self.won[retried]
        for attempt, outcome in zip(attempts, settled.outcomes):
            if outcome.result == WON:
                self.won[(attempt.buyer_id, attempt.idempotency_key)] = outcome.order["id"]
        self.orders.extend(settled.order_ids)

    async def _units_on_sale(self, flash: bool) -> int:
        """Units a buyer could get now, read from the rows themselves."""
        async with ENV.sessions() as session:
            if flash:
                sale = await session.get(FlashSale, self.world.flash_sale_id)
                running = sale.status in OPEN_FLASH and sale.starts_at <= utcnow() < sale.ends_at
                return sale.units_left if running else 0
            product = await session.get(Product, self.world.product_id)
            return product.stock if product.status == "active" else 0

    def _order_action(self, index, action):
        if not self.orders:
            return
        order_id = self.orders[index % len(self.orders)]

        async def run(session):
            order = await service.get_order(session=session, order_id=order_id)
            await action(session, order)

        ENV.run(self._in_session(run))

    @invariant()
    def books_and_stock_hold(self):
        if not hasattr(self, "world"):
            return
        w = self.world

        async def read():
            async with ENV.sessions() as session:
                stock = await session.scalar(select(Product.stock).where(Product.id == w.product_id))
                left = await session.scalar(select(FlashSale.units_left).where(FlashSale.id == w.flash_sale_id))
                # Units of refunded orders went out with the parcel: no longer on sale either.
                held = await session.scalar(select(func.coalesce(func.sum(Order.quantity), 0)).where(
                    Order.product_id == w.product_id, Order.status.in_((*HOLDING, "refunded"))))
                per_buyer = (await session.execute(select(func.sum(Order.quantity)).where(
                    Order.flash_sale_id == w.flash_sale_id, Order.status.in_(HOLDING)).group_by(Order.buyer_id))).all()
                report = await check_books(session=session)
                return stock, left, held, per_buyer, report

        stock, left, held, per_buyer, report = ENV.run(read())
        assert stock >= 0 and left >= 0
        assert stock + left + held == self.initial  # every unit is on sale or with exactly one order
        assert all(n <= LIMIT for (n,) in per_buyer)
        assert report.ok, report.problems


class Selling(Shop):
    """Batches of purchases and the moves of orders, one actor at a time."""

    @rule(buyers=st.lists(st.integers(0, 2), min_size=1, max_size=4), flash=st.booleans(),
          quantity=st.integers(1, 3), retry=st.integers(0, 50) | st.none(), hint=st.integers(0, 12) | st.none())
    def buy(self, buyers, flash, quantity, retry, hint):
        self._buy(buyers, flash, quantity, retry, hint)

    @rule(index=st.integers(0, 50), move=st.sampled_from(sorted(MOVES)))
    def move(self, index, move):
        """One actor moves one order."""
        self._order_action(index, MOVES[move])

    @rule(index=st.integers(0, 50), deliver=st.booleans())
    def ship_and_refund(self, index, deliver):
        async def action(session, order):
            await MOVES["ship"](session, order)
            if deliver:
                await MOVES["deliver"](session, order)
            await MOVES["refund"](session, order)
        self._order_action(index, action)

    @rule()
    def end_flash_sale(self):
        async def run(session):
            flash = await get_flash_sale(session=session, flash_sale_id=self.world.flash_sale_id)
            await do_end_flash_sale(session=session, flash=flash)
        ENV.run(self._in_session(run))

class Racing(Shop):
    """Orders made one by one, each moved by one actor or raced by two at the same moment, each actor in a
    transaction of its own; the books and the stock are checked after every step."""

    orders_made = Bundle("orders_made")

    @rule(target=orders_made, buyer=st.integers(0, 2))
    def reserve(self, buyer):
        """A fresh reservation of one unit (a unit cancelled or expired before is back on sale)."""
        before = len(self.orders)
        self._buy([buyer], False, 1, None, None)
        return self.orders[-1] if len(self.orders) > before else multiple()

    @rule(order_id=orders_made, race=st.sampled_from(RACES))
    def race(self, order_id, race):
        """The order is brought to where the race starts (reserved, paid or shipped), then two actors move it
        at once."""
        head_start, moves = race

        async def one(move):
            async def action(session):
                await MOVES[move](session, await service.get_order(session=session, order_id=order_id))
            await self._in_session(action)

        async def run():
            for move in head_start:
                await one(move)
            await asyncio.gather(*(one(move) for move in moves))
        ENV.run(run())


@pytest.fixture()
def fresh_database(request, tmp_path) -> str:
    """A database of its own (the ledger check reads all of it), on the suite's kind of database."""
    if os.environ.get("LIVESTALL_TEST_DATABASE") == "postgresql" or \
            os.environ.get("LIVESTALL_TEST_DATABASE_URL", "").startswith("postgresql"):
        url = create_database(request.getfixturevalue("postgres_url"), f"prop_{uuid.uuid4().hex[:8]}")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'properties.db'}"
    migrate.upgrade(url)
    return url


@pytest.mark.parametrize("machine", [Selling, Racing], ids=["one_at_a_time", "racing"])
def test_random_interleavings_keep_stock_orders_and_ledger_consistent(fresh_database, machine):
    ENV.loop = asyncio.new_event_loop()
    ENV.url = fresh_database
    ENV.engine = make_engine(fresh_database)
    ENV.sessions = make_sessionmaker(ENV.engine)
    try:
        run_state_machine_as_test(machine, settings=settings(
            max_examples=20, stateful_step_count=15, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    finally:
        ENV.run(ENV.engine.dispose())
        ENV.loop.close()
