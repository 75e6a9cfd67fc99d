"""Which events reach whom: an agency hears the shows its accepted hosts are on; a shop hears its openings."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from tests.agency.support import brand_show, make_active_host, make_agency, make_agency_admin
from tests.notifications.support import wait_until
from tests.openings.support import buy_ticket, buyer_with, live_lot, open_ticket
from tests.webhooks.receiver import Receiver, verify


def _deliveries(api, owner, endpoint_id: int) -> list[dict]:
    return api.get(f"/api/v1/webhooks/{endpoint_id}/deliveries", headers=owner.headers).json()["items"]


def _agency_with_host(api, database_url: str) -> tuple:
    admin = make_agency_admin(api, database_url)
    agency = make_agency(api, admin)
    user, host = make_active_host(api, admin, agency["id"])
    return admin, agency, user, host


def test_an_agency_hears_the_shows_its_accepted_host_is_on(dev_api, dev_app):
    show = brand_show(dev_api, datetime.now(timezone.utc) + timedelta(minutes=45))["show"]
    declined_admin, declined_agency, declined_user, declined_host = _agency_with_host(dev_api, dev_app.database_url)
    admin, agency, user, host = _agency_with_host(dev_api, dev_app.database_url)
    with Receiver() as declined_receiver, Receiver() as receiver:
        hooks = {}
        for owner, agency_id, url in ((declined_admin, declined_agency["id"], declined_receiver.url),
                                      (admin, agency["id"], receiver.url)):
            made = dev_api.post(f"/api/v1/agencies/{agency_id}/webhooks", headers=owner.headers,
                                json={"url": url, "events": ["show.started", "show.ended"]})
            assert made.status_code == 201, made.text
            hooks[agency_id] = made.json()
        stranger = make_agency_admin(dev_api, dev_app.database_url)  # of no agency here
        assert dev_api.post(f"/api/v1/agencies/{agency['id']}/webhooks", headers=stranger.headers,
                            json={"url": receiver.url, "events": ["show.started"]}).status_code == 403

        # the first agency's host says no, the second's says yes
        for owner, person, profile, answer in ((declined_admin, declined_user, declined_host, "decline"),
                                               (admin, user, host, "accept")):
            booking = dev_api.post(f"/api/v1/hosts/{profile['id']}/bookings", headers=owner.headers,
                                   json={"host_id": profile["id"], "show_id": show["id"]})
            assert booking.status_code == 201, booking.text
            answered = dev_api.post(f"/api/v1/bookings/{booking.json()['id']}/{answer}", headers=person.headers)
            assert answered.status_code == 200, answered.text
        assert dev_api.post(f"/api/v1/shows/{show['id']}/start", headers=user.headers).status_code == 200

        assert wait_until(lambda: receiver.received, timeout=30), _deliveries(dev_api, admin, hooks[agency["id"]]["id"])
        headers, body = receiver.received[0]
        event = json.loads(body)
        assert event["type"] == "show.started" and event["data"]["show_id"] == show["id"]
        assert event["data"]["host_id"] == user.id and verify(hooks[agency["id"]]["secret"], headers, body)
        # deliveries are queued in the start's own transaction: none was queued for the declined agency
        assert _deliveries(dev_api, declined_admin, hooks[declined_agency["id"]]["id"]) == []
        assert declined_receiver.received == []


def test_an_opening_result_reaches_the_shop(dev_api, dev_app):
    world = live_lot(dev_api, price_minor=990, quantity=2)
    seller, lot = world["seller"], world["lot"]
    with Receiver() as receiver:
        made = dev_api.post(f"/api/v1/shops/{world['shop']['id']}/webhooks", headers=seller.headers,
                            json={"url": receiver.url, "events": ["opening.result"]}).json()
        buyer = buyer_with(dev_api, dev_app.database_url)
        ticket = buy_ticket(dev_api, buyer, lot["id"])
        assert ticket.status_code == 201, ticket.text
        opened = open_ticket(dev_api, seller, lot["id"], ticket.json()["id"], pearl_count=3, colour="golden")
        assert opened.status_code == 200, opened.text
        assert wait_until(lambda: receiver.received, timeout=30), _deliveries(dev_api, seller, made["id"])
    [(headers, body)] = receiver.received  # buying a ticket is not an opening.result
    event = json.loads(body)
    assert event["type"] == "opening.result" and verify(made["secret"], headers, body)
    data = event["data"]
    assert (data["lot_id"], data["ticket_id"], data["buyer_id"], data["kind"]) == (
        lot["id"], ticket.json()["id"], buyer.id, "oyster")
    assert data["outcome"]["pearl_count"] == 3 and data["outcome"]["colour"] == "golden" and data["opened_at"]
