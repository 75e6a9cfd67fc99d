"""Notifications about one's own things: orders paid, shipped, delivered and refunded (and sales, to the shop),
bookings offered, answered and cancelled, openings' turn, result and refund; by email as each user's settings say,
never to anyone else. One app with a real SMTP server (tests/notifications/conftest.py), and a phone in Chromium."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.header import decode_header, make_header

import httpx
import pytest

from tests.agency.support import brand_show, make_active_host, make_agency, make_agency_admin
from tests.helpers import register
from tests.notifications.support import wait_until
from tests.openings.support import buy_ticket, buyer_with, live_lot, open_ticket
from tests.orders.support import buy, live_shop, top_up
from tests.web.conftest import chromium, screenshot  # noqa: F401  (the module's Chromium, screenshots kept)
from tests.web.support import logged_in_page, until

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def feed(api, user) -> list[dict]:
    """The user's notifications, newest first."""
    response = api.get("/api/v1/me/notifications", headers=user.headers, params={"per_page": 100})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def about(api, user, kind: str, **ids) -> list[dict]:
    """The user's notifications of `kind` about the thing named by `ids` (e.g. order_id=12)."""
    return [n for n in feed(api, user) if n["kind"] == kind and all(n[k] == v for k, v in ids.items())]


def mails_to(box, user) -> list:
    """The messages the SMTP server received for `user`, as email.message objects."""
    return [message_from_bytes(m.content) for m in box.messages if user.email in m.rcpt_tos]


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body(message) -> str:
    return message.get_payload(decode=True).decode()


@pytest.fixture()
def paid_order(channels_api, channels_app):
    """A live shop and a buyer who paid for its product from the wallet."""
    api = channels_api
    world = live_shop(api, title="Hand-knitted wool scarf", price_minor=12800)
    buyer = register(api, display_name="Emily")
    top_up(api, channels_app.database_url, buyer, 50_000)
    order = buy(api, buyer, world["show"]["id"], world["product"]["id"], pay_with="wallet")
    assert order.status_code == 201 and order.json()["status"] == "paid", order.text
    return {**world, "buyer": buyer, "order": order.json()}


def test_paying_tells_the_buyer_and_the_shop_owner_in_the_feed_and_by_email(channels_api, paid_order, mailbox):
    api, box = channels_api, mailbox[0]
    buyer, seller, order = paid_order["buyer"], paid_order["seller"], paid_order["order"]
    [paid] = about(api, buyer, "order_paid", order_id=order["id"])
    assert paid["show_id"] is None and paid["read_at"] is None
    assert paid["data"]["ref"] == order["ref"] and paid["data"]["product"] == "Hand-knitted wool scarf"
    assert paid["data"]["path"] == f"/account/orders#order-{order['id']}"
    [sold] = about(api, seller, "order_sold", order_id=order["id"])
    assert sold["data"]["path"] == f"/manage/shops/{paid_order['shop']['id']}#order-{order['id']}"
    assert not about(api, seller, "order_paid", order_id=order["id"])  # the seller is told of a sale, not a payment

    # Email is on by default for orders: the worker queues and sends it, off the request.
    [to_buyer] = wait_until(lambda: mails_to(box, buyer))
    assert subject(to_buyer) == f"Order {order['ref']} is paid: CN¥128.00"
    assert f"/account/orders#order-{order['id']}" in body(to_buyer)
    [to_seller] = wait_until(lambda: mails_to(box, seller))
    assert subject(to_seller) == "New order paid: Hand-knitted wool scarf × 1, CN¥128.00"


def test_shipping_gives_the_tracking_number_then_delivery_and_refund(channels_api, paid_order, mailbox):
    api, box = channels_api, mailbox[0]
    buyer, seller, order = paid_order["buyer"], paid_order["seller"], paid_order["order"]
    shipped = api.post(f"/api/v1/orders/{order['id']}/ship", headers=seller.headers,
                       json={"tracking_number": "SF1234567890"})
    assert shipped.status_code == 200, shipped.text
    [note] = about(api, buyer, "order_shipped", order_id=order["id"])
    assert note["data"]["tracking_number"] == "SF1234567890"
    assert note["data"]["tracking_url"] == "https://t.17track.net/en#nums=SF1234567890"
    page = api.get("/notifications", headers=buyer.headers).text
    assert f"Your order {order['ref']} has shipped" in page and "Tracking number: SF1234567890" in page
    assert 'href="https://t.17track.net/en#nums=SF1234567890"' in page
    assert f'href="/account/orders#order-{order["id"]}"' in page
    mail = wait_until(lambda: [m for m in mails_to(box, buyer) if "shipped" in subject(m)])
    assert "SF1234567890" in body(mail[0]) and "https://t.17track.net/en#nums=SF1234567890" in body(mail[0])

    assert api.post(f"/api/v1/orders/{order['id']}/deliver", headers=buyer.headers).status_code == 200
    assert about(api, buyer, "order_delivered", order_id=order["id"])
    assert api.post(f"/api/v1/orders/{order['id']}/refund", headers=seller.headers).status_code == 200
    [refund] = about(api, buyer, "order_refunded", order_id=order["id"])
    assert refund["data"]["amount_minor"] == 12800
    assert f"Your order {order['ref']} was refunded: CN¥128.00 back in your wallet" in \
        api.get("/notifications", headers=buyer.headers).text
    kinds = [n["kind"] for n in feed(api, buyer) if n["order_id"] == order["id"]]
    assert kinds == ["order_refunded", "order_delivered", "order_shipped", "order_paid"]  # each once, newest first


def test_a_refused_transition_tells_nobody(channels_api, paid_order):
    api = channels_api
    buyer, order = paid_order["buyer"], paid_order["order"]
    too_early = api.post(f"/api/v1/orders/{order['id']}/deliver", headers=buyer.headers)
    assert too_early.status_code == 409
    assert not about(api, buyer, "order_delivered", order_id=order["id"])  # rolled back with the transition


def test_a_booking_is_offered_to_the_host_and_the_answer_goes_back(channels_api, channels_app):
    api = channels_api
    admin = make_agency_admin(api, channels_app.database_url)
    agency = make_agency(api, admin, name="Estrella Talent")
    host_user, host = make_active_host(api, admin, agency["id"], languages=["es"], display_name="Lucía")
    starts = (datetime.now(timezone.utc) + timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0)
    brand = brand_show(api, starts, title="Perlas de agua dulce")
    booked = api.post(f"/api/v1/hosts/{host['id']}/bookings", headers=admin.headers,
                      json={"host_id": host["id"], "show_id": brand["show"]["id"]})
    assert booked.status_code == 201, booked.text
    booking = booked.json()

    [offer] = about(api, host_user, "booking_offered", booking_id=booking["id"])
    assert offer["data"]["agency"] == "Estrella Talent" and offer["data"]["title"] == "Perlas de agua dulce"
    assert f'href="/host/bookings#booking-{booking["id"]}"' in api.get("/notifications", headers=host_user.headers).text
    assert "Estrella Talent offers you a booking: Perlas de agua dulce" in \
        api.get("/notifications", headers=host_user.headers).text

    assert api.post(f"/api/v1/bookings/{booking['id']}/accept", headers=host_user.headers).status_code == 200
    [to_agency] = about(api, admin, "booking_accepted", booking_id=booking["id"])
    assert to_agency["data"]["path"] == f"/agency/{agency['id']}/bookings#booking-{booking['id']}"
    [to_brand] = about(api, brand["owner"], "booking_accepted", booking_id=booking["id"])
    assert to_brand["data"]["host"] == "Lucía"

    assert api.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=admin.headers).status_code == 200
    assert about(api, host_user, "booking_cancel", booking_id=booking["id"])
    assert about(api, brand["owner"], "booking_cancel", booking_id=booking["id"])  # the host had said yes


def test_an_opening_tells_the_next_in_line_the_result_and_the_refund(channels_api, channels_app):
    api, db = channels_api, channels_app.database_url
    world = live_lot(api, title="Akoya oyster", price_minor=990)
    first, second = buyer_with(api, db, name="Wang"), buyer_with(api, db, name="Li")
    tickets = [buy_ticket(api, buyer, world["lot"]["id"]).json() for buyer in (first, second)]
    assert not about(api, second, "opening_turn")  # not next until the line moves

    opened = open_ticket(api, world["seller"], world["lot"]["id"], tickets[0]["id"], pearl_count=4)
    assert opened.status_code == 200, opened.text
    [result] = about(api, first, "opening_result", ticket_id=tickets[0]["id"])
    assert result["data"]["pearl_count"] == 4
    assert "Your opening of Akoya oyster: 4 pearls" in api.get("/notifications", headers=first.headers).text
    [turn] = about(api, second, "opening_turn", ticket_id=tickets[1]["id"])
    assert turn["data"]["path"] == f"/shows/{world['show']['id']}"

    closed = api.post(f"/api/v1/openings/{world['lot']['id']}/close", headers=world["seller"].headers,
                      json={"unopened": "refund"})
    assert closed.status_code == 200, closed.text
    [refund] = about(api, second, "opening_refunded", ticket_id=tickets[1]["id"])
    assert (refund["data"]["amount_minor"], refund["data"]["currency"]) == (990, "CNY")
    assert refund["data"]["path"] == f"/account/openings#ticket-{tickets[1]['id']}"
    assert not about(api, first, "opening_refunded")


def test_email_switched_off_sends_none_and_the_settings_page_groups_the_kinds(channels_api, channels_app, mailbox):
    api, box = channels_api, mailbox[0]
    world = live_shop(api)
    buyer = register(api, language="fr")
    top_up(api, channels_app.database_url, buyer, 50_000)
    page = api.get("/notifications/settings", headers=buyer.headers).text
    for heading in ("Commandes", "Réservations", "Ouvertures"):
        assert f'">{heading}</h2>' in page
    assert 'value="order_shipped.email" checked' in page and 'value="go_live.email" checked' not in page
    saved = api.put(f"/api/v1/users/{buyer.id}/notification-settings", headers=buyer.headers,
                    json={"order_paid": {"in_app": True, "push": True, "email": False}})
    assert saved.status_code == 200 and saved.json()["order_paid"]["email"] is False
    assert saved.json()["order_shipped"]["email"] is True  # the other kinds keep theirs

    order = buy(api, buyer, world["show"]["id"], world["product"]["id"], pay_with="wallet").json()
    assert about(api, buyer, "order_paid", order_id=order["id"])  # still in the feed
    assert wait_until(lambda: mails_to(box, world["seller"]))  # the worker has been through this order...
    pending = api.get("/api/v1/me/notifications", headers=buyer.headers).json()
    assert pending["unread"] == 1
    assert mails_to(box, buyer) == []  # ...and sent the buyer nothing


def test_someone_elses_notifications_stay_theirs(channels_api, paid_order):
    api = channels_api
    buyer, order = paid_order["buyer"], paid_order["order"]
    stranger = register(api)
    [note] = about(api, buyer, "order_paid", order_id=order["id"])
    assert not [n for n in feed(api, stranger) if n["order_id"] == order["id"]]
    assert order["ref"] not in api.get("/notifications", headers=stranger.headers).text
    marked = api.post("/api/v1/me/notifications/read", headers=stranger.headers, json={"ids": [note["id"]]})
    assert marked.status_code == 200
    assert about(api, buyer, "order_paid", order_id=order["id"])[0]["read_at"] is None


# Module-scoped and named before the Chromium: the top-up runs its own event loop, which Playwright's would refuse.
@pytest.fixture(scope="module")
def shipped_order(channels_app):
    """A buyer whose paid order the shop has just shipped."""
    made = {}
    with httpx.Client(base_url=channels_app.url, timeout=30) as api:
        world = live_shop(api, title="Hand-knitted wool scarf", price_minor=12800)
        for name, language in (("Emily", "en"), ("Layla", "ar")):
            buyer = register(api, display_name=name, language=language)
            top_up(api, channels_app.database_url, buyer, 50_000)
            order = buy(api, buyer, world["show"]["id"], world["product"]["id"], pay_with="wallet").json()
            shipped = api.post(f"/api/v1/orders/{order['id']}/ship", headers=world["seller"].headers,
                               json={"tracking_number": "YT2412345678"})
            assert shipped.status_code == 200, shipped.text
            made[language] = {"buyer": buyer, "order": order}
    return made


def test_the_buyer_follows_a_shipped_order_from_the_feed_on_a_phone(shipped_order, chromium,  # noqa: F811
                                                                     channels_app, channels_api,
                                                                     screenshot):  # noqa: F811
    api, buyer, order = channels_api, shipped_order["en"]["buyer"], shipped_order["en"]["order"]
    context, page = logged_in_page(chromium, channels_app.url, buyer, "/notifications", **PHONE)
    try:
        item = page.locator('[data-kind="order_shipped"]')
        assert "has shipped" in item.inner_text() and "YT2412345678" in item.inner_text()
        tracking = item.locator("[data-tracking-link]")
        assert tracking.get_attribute("href") == "https://t.17track.net/en#nums=YT2412345678"
        link = item.locator("[data-notification-link]")
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # on the screen, not off its edge
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "notifications-feed-phone")
        link.tap()
        until(page, f"location.pathname === '/account/orders' && location.hash === '#order-{order['id']}'")
        until(page, f"document.querySelector('[data-order-id=\"{order['id']}\"]')?.getAttribute('aria-current')"
                    " === 'true'")
        card = page.locator(f'[data-order-id="{order["id"]}"]')
        assert card.is_visible() and "YT2412345678" in card.inner_text()
        screenshot(page, "notifications-order-phone")
        assert page.errors == []
        unread = wait_until(lambda: [n["kind"] for n in api.get(
            "/api/v1/me/notifications?unread=true", headers=buyer.headers).json()["items"]] == ["order_paid"])
        assert unread, "the notification opened from the feed is still unread"

        page.goto("/notifications/settings")
        assert page.locator("h2").all_inner_texts()[:4] == ["Shows", "Orders", "Bookings", "Openings"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "notifications-settings-phone", full_page=True)
    finally:
        context.close()
    context, page = logged_in_page(chromium, channels_app.url, buyer, "/notifications/settings",
                                   viewport={"width": 1280, "height": 900})
    try:
        grid = page.locator('[data-group="orders"] table').bounding_box()
        assert grid["width"] > 400 and page.evaluate("document.documentElement.scrollWidth") <= 1280
        screenshot(page, "notifications-settings-desktop")
    finally:
        context.close()


def test_the_feed_reads_right_to_left_in_arabic_on_a_phone(shipped_order, chromium, channels_app,  # noqa: F811
                                                           screenshot):  # noqa: F811
    buyer, order = shipped_order["ar"]["buyer"], shipped_order["ar"]["order"]
    context, page = logged_in_page(chromium, channels_app.url, buyer, "/notifications", **PHONE)
    try:
        assert page.evaluate("document.documentElement.dir") == "rtl"
        item = page.locator('[data-kind="order_shipped"]')
        assert f"شُحن طلبك {order['ref']}" in item.inner_text() and "رقم التتبع: YT2412345678" in item.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "notifications-feed-phone-ar")
        page.goto("/notifications/settings")
        assert page.locator("h2").all_inner_texts()[:4] == ["البث", "الطلبات", "الحجوزات", "الفتحات"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "notifications-settings-phone-ar")
        assert page.errors == []
    finally:
        context.close()
