"""The demo's cardigan comes in Size S/M/L × Colour Grey/Red, made once: four grey M, no red L."""

from __future__ import annotations

import asyncio

from livestall import migrate
from livestall.demo import load_demo
from livestall.settings import Settings
from tests.helpers_db import run_sql

VARIANTS = ("SELECT v.option1, v.option2, v.stock FROM product_variants v JOIN products p ON p.id = v.product_id "
            "WHERE p.sku = 'MW-CARD-03' ORDER BY v.position")


def test_the_demo_cardigan_has_sizes_and_colours(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    settings = Settings(database_url=url, data_dir=tmp_path)
    asyncio.run(load_demo(settings))
    asyncio.run(load_demo(settings))
    variants = run_sql(url, VARIANTS)
    assert len(variants) == 6 and ("M", "Grey", 4) in variants and ("L", "Red", 0) in variants
    assert run_sql(url, "SELECT stock FROM products WHERE sku = 'MW-CARD-03'") == [(sum(v[2] for v in variants),)]
