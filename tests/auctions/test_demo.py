"""The demo's live show has a cardigan up for auction, waiting for the host to open the bidding; loaded twice, one."""

from __future__ import annotations

from tests.helpers_db import run_sql
from tests.test_cli import livestall


def test_the_demo_puts_one_auction_in_the_live_show(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    assert livestall(tmp_path, url, "demo").returncode == 0
    assert livestall(tmp_path, url, "demo").returncode == 0
    rows = run_sql(url, "SELECT s.status, p.sku, a.status, a.starting_price_minor, "
                        "(SELECT count(*) FROM show_pins sp WHERE sp.show_id = s.id AND sp.product_id = p.id) "
                        "FROM auctions a JOIN shows s ON s.id = a.show_id JOIN products p ON p.id = a.product_id")
    assert rows == [("live", "MW-CARD-03", "scheduled", 19900, 1)]
