"""The ledger: balanced transfers only, balances from entries, and `livestall ledger check` finding faults."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from bench.flash_world import seed
from livestall import migrate
from livestall.db import make_engine
from livestall.ledger.flows import commission_of
from livestall.ledger.service import Account, UnbalancedTransfer, post_transfer
from tests.helpers import register
from tests.helpers_db import make_operator, run_sql
from tests.orders.support import buy, live_shop, top_up


def ledger_cli(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LIVESTALL_DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "livestall.cli", "ledger", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_commission_is_a_setting_and_rounds_for_the_seller():
    assert commission_of(12800, 500) == 640
    assert commission_of(99, 500) == 4  # 4.95 fen: the fraction stays with the seller
    assert commission_of(12800, 0) == 0


def test_unbalanced_transfers_are_refused(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'l.db'}"
    migrate.upgrade(url)

    async def run():
        engine = make_engine(url)
        try:
            async with engine.begin() as conn:
                a, b = Account(1, "provider_clearing", "x", "CNY"), Account(2, "buyer_wallet", "user:1", "CNY")
                with pytest.raises(UnbalancedTransfer):
                    await post_transfer(conn, kind="t", reference="r1", legs=[(a, -100), (b, 99)])
                with pytest.raises(UnbalancedTransfer):
                    await post_transfer(conn, kind="t", reference="r2", legs=[(a, -100)])
                with pytest.raises(UnbalancedTransfer):
                    await post_transfer(conn, kind="t", reference="r3",
                                        legs=[(a, -100), (Account(3, "refunds", "x", "EUR"), 100)])
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_operator_top_up_is_idempotent_and_only_for_operators(api, app_server):
    buyer = register(api)
    operator = make_operator(api, app_server.database_url)
    body = {"amount_minor": 5000, "currency": "EUR", "note": "cash at the counter"}
    keyed = {**operator.headers, "Idempotency-Key": f"counter-{buyer.id}"}
    statuses = [api.post(f"/api/v1/users/{buyer.id}/wallet/topups", json=body, headers=keyed).status_code
                for _ in range(2)]
    assert statuses == [201, 200]
    # The key again with another amount, currency or user: refused, and nothing more is credited.
    other = register(api)
    for url, changed in ((f"/api/v1/users/{buyer.id}/wallet/topups", {**body, "amount_minor": 9000}),
                         (f"/api/v1/users/{buyer.id}/wallet/topups", {**body, "currency": "CNY"}),
                         (f"/api/v1/users/{other.id}/wallet/topups", body)):
        refused = api.post(url, json=changed, headers=keyed)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0] == {**refused.json()["errors"][0], "field": "Idempotency-Key",
                                               "rule": "same_request"}
    assert api.get("/api/v1/me/wallet", headers=other.headers).json()["wallets"] == []
    wallet = api.get("/api/v1/me/wallet", headers=buyer.headers).json()
    assert [w["balance"]["formatted"] for w in wallet["wallets"]] == ["EUR 50.00"]
    assert wallet["entries"][0]["memo"] == "cash at the counter"
    assert api.post(f"/api/v1/users/{buyer.id}/wallet/topups", json=body, headers=buyer.headers).status_code == 403
    bad = api.post(f"/api/v1/users/{buyer.id}/wallet/topups", json={**body, "currency": "XXX"},
                   headers=operator.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "currency"


def test_paying_splits_the_money_between_shop_and_platform(api, app_server):
    world = live_shop(api, price_minor=10000)
    buyer = register(api)
    top_up(api, app_server.database_url, buyer, 10000)
    order = buy(api, buyer, world["show"]["id"], world["product"]["id"], pay_with="wallet").json()
    assert order["status"] == "paid"
    rows = run_sql(app_server.database_url,
                   "SELECT a.kind, e.amount_minor FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id "
                   "JOIN ledger_transfers t ON t.id = e.transfer_id WHERE t.order_id = :o ORDER BY a.kind",
                   o=order["id"])
    assert rows == [("buyer_wallet", -10000), ("platform_commission", 500), ("shop_revenue", 9500)]
    again = buy(api, buyer, world["show"]["id"], world["product"]["id"], pay_with="wallet").json()
    assert again["payment"]["error"]["errors"][0]["rule"] == "sufficient_funds"  # the wallet is empty now


def test_ledger_check_passes_on_the_books_and_finds_every_fault(app_server, tmp_path):
    ok = ledger_cli(app_server.database_url, "check")
    assert ok.returncode == 0 and "ledger OK" in ok.stdout, ok.stdout + ok.stderr

    url = f"sqlite+aiosqlite:///{tmp_path / 'faults.db'}"
    migrate.upgrade(url)
    asyncio.run(seed(url, buyers=2, stock=5, per_buyer_limit=None, wallet_minor=1000, tag="faults"))
    assert ledger_cli(url, "check").returncode == 0
    first_buyer = run_sql(url, "SELECT MIN(id) FROM users WHERE email LIKE 'buyer%'")[0][0]
    run_sql(url, "UPDATE ledger_accounts SET balance_minor = balance_minor + 1 WHERE owner_key = :k",
            k=f"user:{first_buyer}")
    run_sql(url, "INSERT INTO ledger_transfers (kind, reference, memo, created_at) "
                 "VALUES ('forged', 'forged-1', '', '2026-01-01 00:00:00.000000')")
    product, show, shop = run_sql(url, "SELECT p.id, s.id, p.shop_id FROM products p JOIN shows s "
                                       "ON s.shop_id = p.shop_id LIMIT 1")[0]
    run_sql(url, "INSERT INTO orders (ref, buyer_id, shop_id, show_id, product_id, quantity, unit_price_minor, "
                 "total_minor, currency, status, shipping, idempotency_key, request_hash, reserved_until, created_at, "
                 "paid_at) VALUES ('LSFAKE', :b, :sh, :s, :p, 1, 100, 100, 'CNY', 'paid', '{}', 'k', 'h', "
                 "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')",
            b=first_buyer, sh=shop, s=show, p=product)
    broken = ledger_cli(url, "check", "--json")
    assert broken.returncode == 1
    problems = json.loads(broken.stdout)["problems"]
    assert any("forged-1" in p and "does not balance" in p for p in problems)
    assert any(f"user:{first_buyer}" in p and "entries sum to" in p for p in problems)
    assert any("LSFAKE" in p and "is paid for 100" in p for p in problems)


def test_cli_top_up(api, app_server):
    buyer = register(api)
    done = ledger_cli(app_server.database_url, "topup", "--email", buyer.email, "--amount-minor", "700",
                      "--currency", "usd")
    assert done.returncode == 0, done.stderr
    wallet = api.get("/api/v1/me/wallet", headers=buyer.headers).json()
    assert wallet["wallets"][0]["balance"]["formatted"] == "USD 7.00"
    assert ledger_cli(app_server.database_url, "topup", "--email", "nobody@example.com",
                      "--amount-minor", "1").returncode == 1
