"""Seeds a flash-sale world straight into the database: buyers with login tokens and funded wallets,
a live show, a pinned product on a flash sale (or, with variants, a flash sale of each variant sharing the
units), a plain product for the baseline, and a small warm-up flash sale of that plain product."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import insert, select, text

from livestall.accounts.models import LoginSession, User, UserRole
from livestall.catalog.models import Product, ProductVariant, Shop, ShopMember
from livestall.db import make_engine, utcnow
from livestall.ledger.models import LedgerAccount, LedgerEntry, LedgerTransfer
from livestall.orders.models import FlashSale
from livestall.shows.models import Show, ShowPin

PRICE = 9900
WARMUP_UNITS = 10


@dataclass
class World:
    show_id: int = 0
    product_id: int = 0
    flash_sale_id: int = 0
    warmup_flash_sale_id: int = 0
    baseline_product_id: int = 0
    shop_id: int = 0
    buyer_ids: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    variant_ids: list[int] = field(default_factory=list)  # with variants: one flash sale each, in this order
    flash_sale_ids: list[int] = field(default_factory=list)  # every flash sale of the flash product


async def seed(url: str, *, buyers: int, stock: int, per_buyer_limit: int | None, wallet_minor: int = 0,
               tag: str = "b", quiesce: bool = False, variants: int = 0) -> World:
    """Create the world in one transaction; wallets are funded by one balanced operator transfer.
    `quiesce` then gathers statistics and checkpoints, for a measurement to start on a quiet database."""
    engine = make_engine(url)
    world = World()
    now = utcnow()
    try:
        async with engine.begin() as conn:
            seller_id = (await conn.execute(insert(User.__table__).values(
                email=f"seller-{tag}@bench.example", password_hash="x", display_name="Bench seller", language="zh",
                currency="CNY", created_at=now).returning(User.__table__.c.id))).scalar_one()
            rows = [{"email": f"buyer{i}-{tag}@bench.example", "password_hash": "x", "display_name": f"Buyer {i}",
                     "language": "zh", "currency": "CNY", "created_at": now} for i in range(buyers)]
            await conn.execute(insert(User.__table__), rows)
            found = await conn.execute(select(User.__table__.c.id).where(
                User.__table__.c.email.like(f"buyer%-{tag}@bench.example")).order_by(User.__table__.c.id))
            world.buyer_ids = [r[0] for r in found]
            await conn.execute(insert(UserRole.__table__), [{"user_id": u, "role": "viewer"} for u in world.buyer_ids])
            world.tokens = [f"bench-{tag}-{u}" for u in world.buyer_ids]
            await conn.execute(insert(LoginSession.__table__), [
                {"user_id": u, "token_hash": hashlib.sha256(t.encode()).hexdigest(), "created_at": now,
                 "expires_at": now + timedelta(days=1)} for u, t in zip(world.buyer_ids, world.tokens)])
            world.shop_id = (await conn.execute(insert(Shop.__table__).values(
                name="Bench shop", city="Tianshui", country="CN", currency="CNY", description="", created_at=now)
                .returning(Shop.__table__.c.id))).scalar_one()
            await conn.execute(insert(ShopMember.__table__).values(shop_id=world.shop_id, user_id=seller_id,
                                                                   role="owner"))
            products = Product.__table__
            common = {"shop_id": world.shop_id, "description": "", "category": "bench", "price_minor": PRICE * 2,
                      "currency": "CNY", "status": "active", "options": [], "created_at": now, "updated_at": now}
            world.product_id = (await conn.execute(insert(products).values(
                title="Flash scarf", sku=f"FLASH-{tag}", stock=0, **common).returning(products.c.id))).scalar_one()
            world.baseline_product_id = (await conn.execute(insert(products).values(
                title="Baseline scarf", sku=f"BASE-{tag}", stock=stock, **common)
                .returning(products.c.id))).scalar_one()
            world.show_id = (await conn.execute(insert(Show.__table__).values(
                shop_id=world.shop_id, host_id=seller_id, created_by_id=seller_id, title="Bench flash sale",
                description="", language="zh", market="CN", category="bench", scheduled_at=now, status="live",
                stream_state="offline", started_at=now, slow_mode_seconds=0, followers_only=False, peak_viewers=0,
                unique_viewers=0, likes=0, created_at=now).returning(Show.__table__.c.id))).scalar_one()
            await conn.execute(insert(ShowPin.__table__).values(show_id=world.show_id, product_id=world.product_id,
                                                                position=0, pinned_by_id=seller_id, pinned_at=now))
            sale = {"show_id": world.show_id, "created_by_id": seller_id, "starts_at": now - timedelta(seconds=1),
                    "ends_at": now + timedelta(minutes=20), "countdown_s": 0, "sale_price_minor": PRICE,
                    "currency": "CNY", "per_buyer_limit": per_buyer_limit, "status": "live", "created_at": now}
            if variants:  # sizes, each on a flash sale of its own share of the units (all set aside: no stock left)
                await conn.execute(products.update().where(products.c.id == world.product_id)
                                   .values(option_axes=["Size"]))
                for n in range(variants):
                    units = stock // variants + (1 if n < stock % variants else 0)
                    variant_id = (await conn.execute(insert(ProductVariant.__table__).values(
                        product_id=world.product_id, sku=f"FLASH-{tag}-{n}", option1=f"S{n}", stock=0, position=n,
                        created_at=now).returning(ProductVariant.__table__.c.id))).scalar_one()
                    world.variant_ids.append(variant_id)
                    world.flash_sale_ids.append((await conn.execute(insert(FlashSale.__table__).values(
                        product_id=world.product_id, variant_id=variant_id, units=units, units_left=units, **sale)
                        .returning(FlashSale.__table__.c.id))).scalar_one())
            else:
                world.flash_sale_ids.append((await conn.execute(insert(FlashSale.__table__).values(
                    product_id=world.product_id, units=stock, units_left=stock, **sale)
                    .returning(FlashSale.__table__.c.id))).scalar_one())
            world.flash_sale_id = world.flash_sale_ids[0]
            world.warmup_flash_sale_id = (await conn.execute(insert(FlashSale.__table__).values(
                product_id=world.baseline_product_id, units=WARMUP_UNITS, units_left=WARMUP_UNITS, **sale)
                .returning(FlashSale.__table__.c.id))).scalar_one()
            if wallet_minor:
                await _fund(conn, world.buyer_ids, wallet_minor, tag, now)
    finally:
        await engine.dispose()
    if quiesce:
        await _quiesce(url)
    return world


async def _quiesce(url: str) -> None:
    """Leave the database as a running one would be: statistics gathered, nothing left for the
    background workers to do in the middle of a measurement."""
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("VACUUM ANALYZE"))
                await conn.execute(text("CHECKPOINT"))
            else:
                await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def _fund(conn, buyer_ids: list[int], amount: int, tag: str, now) -> None:
    """One operator transfer into every buyer's wallet: -N*amount on the operator's clearing account."""
    accounts = LedgerAccount.__table__
    await conn.execute(insert(accounts), [
        {"kind": "buyer_wallet", "owner_key": f"user:{u}", "currency": "CNY", "balance_minor": amount,
         "created_at": now} for u in buyer_ids])
    clearing = (await conn.execute(select(accounts.c.id).where(
        accounts.c.kind == "provider_clearing", accounts.c.owner_key == "operator", accounts.c.currency == "CNY")))
    clearing_id = clearing.scalar()
    total = amount * len(buyer_ids)
    if clearing_id is None:
        clearing_id = (await conn.execute(insert(accounts).values(
            kind="provider_clearing", owner_key="operator", currency="CNY", balance_minor=-total, created_at=now)
            .returning(accounts.c.id))).scalar_one()
    else:
        await conn.execute(accounts.update().where(accounts.c.id == clearing_id)
                           .values(balance_minor=accounts.c.balance_minor - total))
    wallet_ids = {r[1]: r[0] for r in await conn.execute(select(accounts.c.id, accounts.c.owner_key).where(
        accounts.c.kind == "buyer_wallet", accounts.c.owner_key.in_([f"user:{u}" for u in buyer_ids])))}
    transfer_id = (await conn.execute(insert(LedgerTransfer.__table__).values(
        kind="wallet_topup", reference=f"bench-funding-{tag}", memo="bench wallets", created_at=now)
        .returning(LedgerTransfer.__table__.c.id))).scalar_one()
    await conn.execute(insert(LedgerEntry.__table__), [
        {"transfer_id": transfer_id, "account_id": clearing_id, "amount_minor": -total, "currency": "CNY"},
        *({"transfer_id": transfer_id, "account_id": wallet_ids[f"user:{u}"], "amount_minor": amount,
           "currency": "CNY"} for u in buyer_ids)])
