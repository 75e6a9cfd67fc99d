"""The demo world's festival: made once, every demo shop taking part, with festival prices and vouchers."""

from __future__ import annotations

import asyncio

from livestall import migrate
from livestall.demo import load_demo
from livestall.settings import Settings
from tests.helpers_db import run_sql

COUNTS = ("SELECT (SELECT count(*) FROM festivals), (SELECT count(*) FROM festival_shops), "
          "(SELECT count(*) FROM festival_prices), (SELECT count(*) FROM vouchers)")


def test_demo_festival_is_made_once(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    settings = Settings(database_url=url, data_dir=tmp_path)
    asyncio.run(load_demo(settings))
    counts = run_sql(url, COUNTS)
    asyncio.run(load_demo(settings))
    assert run_sql(url, COUNTS) == counts == [(1, 3, 5, 2)]
    assert {r[0] for r in run_sql(url, "SELECT code FROM vouchers")} == {"DOUBLE12", "MEI12"}
