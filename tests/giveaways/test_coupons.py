"""Live-only coupons over a real server and real sockets: the quota under a rush, one per buyer, only while live,
and a claimed coupon spent on a purchase as the buyer's own voucher."""

from __future__ import annotations

import threading

from tests.festivals.support import account_balance, wallet_balance
from tests.giveaways.support import pin_coupon, refusal, room
from tests.helpers import register
from tests.helpers_db import run_sql
from tests.orders.support import buy, ledger_check, live_shop, top_up


def _claim_all_at_once(app_server, show_id: int, coupon_id: int, viewers) -> list[dict]:
    clients = [room(app_server, show_id, v) for v in viewers]
    gate = threading.Barrier(len(clients))
    replies: list = [None] * len(clients)

    def claim(index, client):
        gate.wait()
        replies[index] = client.request("claim_coupon", coupon_id=coupon_id)

    threads = [threading.Thread(target=claim, args=(i, c)) for i, c in enumerate(clients)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for client in clients:
            client.close()
    return replies


def test_the_quota_holds_under_a_rush_of_claims(api, app_server):
    world = live_shop(api)
    show_id = world["show"]["id"]
    coupon = pin_coupon(api, world["seller"], show_id, quota=5)
    viewers = [register(api) for _ in range(12)]
    watcher = room(app_server, show_id, register(api))
    assert [c["id"] for c in watcher.snapshot["giveaways"]["coupons"]] == [coupon["id"]]

    replies = _claim_all_at_once(app_server, show_id, coupon["id"], viewers)
    won = [r for r in replies if r["type"] == "ack"]
    assert len(won) == 5, replies
    assert all(refusal(r) == ("error", "coupon_id", "quota") for r in replies if r["type"] != "ack")
    assert len({r["data"]["code"] for r in won}) == 5
    assert watcher.wait_event("coupon.claimed", lambda d: d["remaining"] == 0)["id"] == coupon["id"]
    watcher.close()
    rows = run_sql(app_server.database_url, "SELECT claimed, (SELECT COUNT(*) FROM coupon_claims WHERE coupon_id = "
                                            ":id) FROM live_coupons WHERE id = :id", id=coupon["id"])
    assert tuple(rows[0]) == (5, 5)


def test_one_claim_per_buyer_even_from_two_sockets_at_once(api, app_server):
    world = live_shop(api)
    show_id = world["show"]["id"]
    coupon = pin_coupon(api, world["seller"], show_id, quota=10)
    buyer = register(api)
    replies = _claim_all_at_once(app_server, show_id, coupon["id"], [buyer, buyer, buyer])
    assert sorted(r["type"] for r in replies) == ["ack", "error", "error"], replies
    assert all(refusal(r) == ("error", "coupon_id", "already_claimed") for r in replies if r["type"] == "error")
    again = api.post(f"/api/v1/coupons/{coupon['id']}/claims", headers=buyer.headers)
    assert (again.status_code, again.json()["errors"][0]["rule"]) == (409, "already_claimed")
    listed = api.get(f"/api/v1/shows/{show_id}/coupons", headers=buyer.headers).json()
    assert listed["items"][0]["remaining"] == 9 and len(listed["claimed"]) == 1


def test_coupons_are_claimed_only_while_the_show_is_live(api, app_server):
    world = live_shop(api)
    seller, show_id = world["seller"], world["show"]["id"]
    coupon = pin_coupon(api, seller, show_id, percent_off=10, amount_off_minor=None)
    unpinned = pin_coupon(api, seller, show_id)
    viewer = register(api)
    assert api.delete(f"/api/v1/coupons/{unpinned['id']}", headers=seller.headers).status_code == 204
    gone = api.post(f"/api/v1/coupons/{unpinned['id']}/claims", headers=viewer.headers)
    assert (gone.status_code, gone.json()["errors"][0]["rule"]) == (409, "pinned")
    bad = api.post(f"/api/v1/shows/{show_id}/coupons", headers=seller.headers,
                   json={"amount_off_minor": 100, "percent_off": 5, "quota": 3})
    assert (bad.status_code, bad.json()["errors"][0]["field"], bad.json()["errors"][0]["rule"]) == (
        422, "amount_off_minor", "amount_or_percent")

    assert api.post(f"/api/v1/shows/{show_id}/end", headers=seller.headers).status_code == 200
    late = api.post(f"/api/v1/coupons/{coupon['id']}/claims", headers=viewer.headers)
    assert (late.status_code, late.json()["errors"][0]["rule"]) == (409, "show_live")
    assert api.get(f"/api/v1/shows/{show_id}/coupons").json()["items"] == []
    after = api.post(f"/api/v1/shows/{show_id}/coupons", headers=seller.headers, json={"amount_off_minor": 100,
                                                                                          "quota": 3})
    assert (after.status_code, after.json()["errors"][0]["rule"]) == (409, "show_live")


def test_a_claimed_coupon_is_spent_on_a_purchase_funded_by_the_shop(api, app_server):
    world = live_shop(api, price_minor=12800, stock=10)
    seller, show_id, shop_id = world["seller"], world["show"]["id"], world["shop"]["id"]
    coupon = pin_coupon(api, seller, show_id, amount_off_minor=3000, min_spend_minor=10000, valid_hours=2)
    buyer, other = register(api), register(api)
    top_up(api, app_server.database_url, buyer, 20000)
    with room(app_server, show_id, buyer) as client:
        claimed = client.request("claim_coupon", coupon_id=coupon["id"])
    assert claimed["type"] == "ack", claimed
    code = claimed["data"]["code"]

    def quote(who, amount):
        return api.post("/api/v1/vouchers/quote", headers=who.headers,
                        json={"code": code, "shop_id": shop_id, "amount_minor": amount, "currency": "CNY"})

    assert quote(buyer, 12800).json()["to_pay"]["amount_minor"] == 9800
    assert quote(buyer, 9000).json()["errors"][0]["rule"] == "min_spend"
    assert quote(other, 12800).json()["errors"][0]["rule"] == "voucher_holder"
    def takings():
        shop = account_balance(app_server.database_url, "shop_revenue", f"shop:{shop_id}")
        return shop, account_balance(app_server.database_url, "platform_commission", "platform")

    shop_before, platform_before = takings()

    order = buy(api, buyer, show_id, world["product"]["id"]).json()
    paid = api.post(f"/api/v1/orders/{order['id']}/pay-with-voucher", headers=buyer.headers, json={"code": code})
    assert paid.status_code == 200, paid.text
    assert wallet_balance(api, buyer) == 20000 - 9800
    assert api.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers).json()["status"] == "paid"
    shop_after, platform_after = takings()
    commission = platform_after - platform_before
    assert commission > 0 and shop_after - shop_before == 12800 - commission - 3000  # the shop funds the discount
    second = buy(api, buyer, show_id, world["product"]["id"]).json()
    used = api.post(f"/api/v1/orders/{second['id']}/pay-with-voucher", headers=buyer.headers, json={"code": code})
    assert used.status_code == 409  # one use

    figures = api.get(f"/api/v1/shows/{show_id}/giveaways/figures", headers=seller.headers).json()
    assert (figures["coupons"], figures["claimed"], figures["used"]) == (1, 1, 1)
    assert api.get(f"/api/v1/shows/{show_id}/giveaways/figures", headers=buyer.headers).status_code == 403
    page = api.get(f"/insights/shows/{show_id}", headers=seller.headers)
    assert 'data-figure="coupons">1 / 1<' in page.text
    books = ledger_check(api, app_server.database_url)
    assert books["ok"], books
