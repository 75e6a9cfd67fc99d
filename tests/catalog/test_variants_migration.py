"""Migration 0022 on SQLite and PostgreSQL: a product's old options become variants on one axis "Option", all its
stock on the first; its orders and images stay; going down and up again keeps working."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timezone

from sqlalchemy import text

from livestall import migrate
from livestall.db import make_engine
from tests.services import create_database


async def _run(url: str, *statements: tuple[str, dict]) -> list[list[tuple]]:
    engine = make_engine(url)
    results = []
    async with engine.begin() as conn:
        for sql, params in statements:
            result = await conn.execute(text(sql), params)
            results.append(result.all() if result.returns_rows else [])
    await engine.dispose()
    return results


def _seed_before(url: str) -> None:
    """A shop with a product sold in sizes S, M, L (9 in stock), a photo, and a product without options."""
    now = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
    asyncio.run(_run(
        url,
        ("INSERT INTO shops (id, name, city, country, currency, description, created_at) "
         "VALUES (1, 'Mei', 'Hangzhou', 'CN', 'CNY', '', :now)", {"now": now}),
        ("INSERT INTO products (id, shop_id, title, description, category, sku, price_minor, currency, stock, status, "
         "options, created_at, updated_at) VALUES (1, 1, 'Cardigan', '', '', 'CARD', 12800, 'CNY', 9, 'active', "
         ":options, :now, :now)", {"options": '["S", "M", "L"]', "now": now}),
        ("INSERT INTO products (id, shop_id, title, description, category, sku, price_minor, currency, stock, status, "
         "options, created_at, updated_at) VALUES (2, 1, 'Scarf', '', '', 'SCARF', 5800, 'CNY', 3, 'active', "
         "'[]', :now, :now)", {"now": now}),
        ("INSERT INTO product_images (id, product_id, path, content_type, size_bytes, width, height, created_at) "
         "VALUES (1, 1, 'a.jpg', 'image/jpeg', 10, 1, 1, :now)", {"now": now}),
    ))


def _check_after(url: str) -> None:
    variants, axes, stock, images = asyncio.run(_run(
        url,
        ("SELECT product_id, sku, option1, option2, stock, position FROM product_variants ORDER BY id", {}),
        ("SELECT id, option_axes FROM products ORDER BY id", {}),
        ("SELECT id, stock FROM products ORDER BY id", {}),
        ("SELECT count(*) FROM product_images", {}),
    ))
    assert variants == [(1, "CARD-1", "S", None, 9, 0), (1, "CARD-2", "M", None, 0, 1), (1, "CARD-3", "L", None, 0, 2)]
    assert [(pid, list(a) if isinstance(a, list) else a) for pid, a in axes] in (
        [(1, ["Option"]), (2, [])], [(1, '["Option"]'), (2, "[]")])
    assert stock == [(1, 9), (2, 3)]  # the product's stock is its variants' sum
    assert images == [(1,)]  # the table kept its rows: nothing cascaded


def _up_with_data(url: str) -> None:
    migrate.upgrade(url, "0021")
    _seed_before(url)
    migrate.upgrade(url, "0022")
    _check_after(url)
    migrate.downgrade(url, "0021")
    remaining = asyncio.run(_run(url, ("SELECT count(*) FROM products", {}), ("SELECT count(*) FROM product_images", {})))
    assert remaining == [[(2,)], [(1,)]]
    migrate.upgrade(url, "0022")
    _check_after(url)


def test_options_become_variants_on_sqlite(tmp_path):
    _up_with_data(f"sqlite+aiosqlite:///{tmp_path / 'v.db'}")


def test_options_become_variants_on_postgresql(postgres_url):
    _up_with_data(create_database(postgres_url, f"mig_{uuid.uuid4().hex[:8]}"))
