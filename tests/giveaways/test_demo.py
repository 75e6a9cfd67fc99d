"""The demo world's lucky bag and coupon in Mei's live show: made once, shown in the room's snapshot."""

from __future__ import annotations

import asyncio

from livestall import migrate
from livestall.demo import load_demo
from livestall.settings import Settings
from tests.helpers_db import run_sql

COUNTS = "SELECT (SELECT count(*) FROM giveaways), (SELECT count(*) FROM live_coupons)"


def test_demo_giveaway_and_coupon_are_made_once(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    settings = Settings(database_url=url, data_dir=tmp_path)
    asyncio.run(load_demo(settings))
    asyncio.run(load_demo(settings))
    assert run_sql(url, COUNTS) == [(1, 1)]
    rows = run_sql(url, "SELECT g.status, g.keyword, s.status FROM giveaways g JOIN shows s ON s.id = g.show_id")
    assert rows == [("running", "lucky", "live")]
