"""Webhooks: registration rules, signed deliveries, retries with backoff, and the delivery log."""

from __future__ import annotations

import json

import pytest

from tests.helpers import make_shop, make_show, register
from tests.notifications.support import wait_until
from tests.webhooks.receiver import Receiver, verify


@pytest.mark.parametrize("url, rule", [
    ("http://example.com/hook", "https"),
    ("ftp://example.com/hook", "https"),
    ("https://127.0.0.1/hook", "public_address"),
    ("https://10.1.2.3/hook", "public_address"),
    ("https://[::1]/hook", "public_address"),
    ("https://169.254.169.254/latest", "public_address"),
    ("https://user:pw@93.184.216.34/hook", "no_credentials"),
])
def test_unsafe_urls_are_refused(api, url, rule):
    owner = register(api, roles=["seller"])
    shop = make_shop(api, owner)
    refused = api.post(f"/api/v1/shops/{shop['id']}/webhooks", headers=owner.headers,
                       json={"url": url, "events": ["order.paid"]})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "url" and refused.json()["errors"][0]["rule"] == rule
    assert api.get(f"/api/v1/shops/{shop['id']}/webhooks", headers=owner.headers).json() == []


def test_unknown_events_and_strangers_are_refused(api):
    owner = register(api, roles=["seller"])
    shop = make_shop(api, owner)
    bad = api.post(f"/api/v1/shops/{shop['id']}/webhooks", headers=owner.headers,
                   json={"url": "https://93.184.216.34/hook", "events": ["order.shipped"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("events")
    stranger = register(api, roles=["seller"])
    assert api.post(f"/api/v1/shops/{shop['id']}/webhooks", headers=stranger.headers,
                    json={"url": "https://93.184.216.34/hook", "events": ["order.paid"]}).status_code == 403
    made = api.post(f"/api/v1/shops/{shop['id']}/webhooks", headers=owner.headers,
                    json={"url": "https://93.184.216.34/hook", "events": ["order.paid", "order.paid"]})
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    assert made.json()["events"] == ["order.paid"]
    listed = api.get(f"/api/v1/shops/{shop['id']}/webhooks", headers=owner.headers).json()
    assert "secret" not in listed[0]  # shown once only
    assert api.get(f"/api/v1/webhooks/{made.json()['id']}/deliveries", headers=stranger.headers).status_code == 403


def test_deliveries_are_signed_retried_and_logged(dev_api):
    owner = register(dev_api, roles=["seller", "host"])
    shop = make_shop(dev_api, owner)
    with Receiver(statuses=[500, 503]) as receiver:
        made = dev_api.post(f"/api/v1/shops/{shop['id']}/webhooks", headers=owner.headers,
                            json={"url": receiver.url, "events": ["show.started", "show.ended"]}).json()
        show = make_show(dev_api, owner, shop["id"])
        assert dev_api.post(f"/api/v1/shows/{show['id']}/start", headers=owner.headers).status_code == 200

        def delivered():
            page = dev_api.get(f"/api/v1/webhooks/{made['id']}/deliveries", headers=owner.headers).json()
            return page if page["items"] and page["items"][0]["status"] == "delivered" else None

        page = wait_until(delivered, timeout=30)
        assert page, dev_api.get(f"/api/v1/webhooks/{made['id']}/deliveries", headers=owner.headers).text
        delivery = page["items"][0]
        assert delivery["event"] == "show.started" and delivery["attempts"] == 3
        assert [a["status_code"] for a in delivery["log"]] == [500, 503, 200]
        assert len(receiver.received) == 3
        headers, body = receiver.received[-1]
        assert verify(made["secret"], headers, body)
        assert not verify(made["secret"], headers, body.replace(b"show.started", b"show.ended_"))
        event = json.loads(body)
        assert event["type"] == "show.started" and event["data"]["show_id"] == show["id"]
        assert headers["livestall-event"] == "show.started"
        assert event["id"] == delivery["event_id"] and headers["livestall-delivery"] == str(delivery["id"])
        # the three attempts of one event carry the same event id, so a receiver can drop repeats
        assert {json.loads(b)["id"] for _, b in receiver.received} == {event["id"]}


def test_a_receiver_that_never_recovers_ends_failed(dev_api):
    owner = register(dev_api, roles=["seller", "host"])
    shop = make_shop(dev_api, owner)
    with Receiver(statuses=[500] * 10) as receiver:
        made = dev_api.post(f"/api/v1/shops/{shop['id']}/webhooks", headers=owner.headers,
                            json={"url": receiver.url, "events": ["show.ended"]}).json()
        show = make_show(dev_api, owner, shop["id"])
        dev_api.post(f"/api/v1/shows/{show['id']}/start", headers=owner.headers)
        dev_api.post(f"/api/v1/shows/{show['id']}/end", headers=owner.headers)

        def failed():
            page = dev_api.get(f"/api/v1/webhooks/{made['id']}/deliveries?status=failed", headers=owner.headers)
            return page.json()["items"]

        items = wait_until(failed, timeout=30)
        assert items and items[0]["attempts"] == 3 and items[0]["last_status_code"] == 500
        assert len(receiver.received) == 3  # max attempts (3 here), then no more

        # the receiver is fixed: the shop sends the failed event again, by hand
        receiver.statuses.clear()
        resend = f"/api/v1/webhooks/{made['id']}/deliveries/{items[0]['id']}/resend"
        stranger = register(dev_api, roles=["seller"])
        assert dev_api.post(resend, headers=stranger.headers).status_code == 403
        switch = f"/api/v1/webhooks/{made['id']}"
        assert dev_api.patch(switch, json={"active": False}, headers=owner.headers).status_code == 200  # hold it
        queued = dev_api.post(resend, headers=owner.headers)
        assert queued.status_code == 202 and queued.json()["status"] == "pending", queued.text
        again = dev_api.post(resend, headers=owner.headers)  # already queued: refused, named
        assert again.status_code == 409 and again.json()["errors"][0]["rule"] == "failed_or_delivered"
        assert dev_api.patch(switch, json={"active": True}, headers=owner.headers).status_code == 200

        def delivered():
            page = dev_api.get(f"/api/v1/webhooks/{made['id']}/deliveries?status=delivered", headers=owner.headers)
            return page.json()["items"]

        done = wait_until(delivered, timeout=30)
        assert done[0]["id"] == items[0]["id"] and len(done[0]["log"]) == 4  # the earlier attempts stay logged
        assert len(receiver.received) == 4
        assert len({json.loads(body)["id"] for _, body in receiver.received}) == 1  # the same event, again
        other = dev_api.post(f"/api/v1/webhooks/{made['id']}/deliveries/999999/resend", headers=owner.headers)
        assert other.status_code == 404


def test_order_paid_and_refunded_reach_the_shop(dev_api, dev_app):
    from tests.orders.support import buy, live_shop, top_up

    world = live_shop(dev_api, price_minor=12800)
    with Receiver() as receiver:
        made = dev_api.post(f"/api/v1/shops/{world['shop']['id']}/webhooks", headers=world["seller"].headers,
                            json={"url": receiver.url, "events": ["order.paid", "order.refunded"]}).json()
        buyer = register(dev_api)
        top_up(dev_api, dev_app.database_url, buyer, 50_000)
        order = buy(dev_api, buyer, world["show"]["id"], world["product"]["id"]).json()
        assert dev_api.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer.headers,
                            json={"provider": "wallet"}).status_code == 200
        assert dev_api.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers).status_code == 200
        assert wait_until(lambda: len(receiver.received) >= 2, timeout=30), receiver.received
    events = sorted((json.loads(body) for _, body in receiver.received), key=lambda e: e["type"])
    assert [e["type"] for e in events] == ["order.paid", "order.refunded"]
    assert all(verify(made["secret"], h, b) for h, b in receiver.received)
    paid = events[0]["data"]
    assert (paid["order_id"], paid["total_minor"], paid["currency"], paid["show_id"]) == (
        order["id"], 12800, "CNY", world["show"]["id"])
