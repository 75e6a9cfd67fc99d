"""Shows: schedule, the state machine, listings, moderators and stream keys, over HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.helpers import make_show, register, unique



def test_schedule_start_end(api, seller, shop):
    show = make_show(api, seller, shop["id"], title="Wool scarves live")
    assert (show["status"], show["host_id"], show["stream_state"]) == ("scheduled", seller.id, "offline")
    started = api.post(f"/api/v1/shows/{show['id']}/start", headers=seller.headers)
    assert started.status_code == 200 and started.json()["status"] == "live" and started.json()["started_at"]
    again = api.post(f"/api/v1/shows/{show['id']}/start", headers=seller.headers)
    assert again.status_code == 409 and again.json()["errors"][0] == {
        "field": "status", "rule": "can_start", "message": "a live show cannot start"}
    ended = api.post(f"/api/v1/shows/{show['id']}/end", headers=seller.headers)
    assert ended.json()["status"] == "ended" and ended.json()["ended_at"]
    assert api.post(f"/api/v1/shows/{show['id']}/cancel", headers=seller.headers).status_code == 409
    assert api.patch(f"/api/v1/shows/{show['id']}", headers=seller.headers, json={"title": "x"}).status_code == 409


def test_cancel_a_scheduled_show(api, seller, shop):
    show = make_show(api, seller, shop["id"])
    assert api.post(f"/api/v1/shows/{show['id']}/cancel", headers=seller.headers).json()["status"] == "cancelled"
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=seller.headers).status_code == 409


def test_only_the_host_and_shop_run_a_show(api, seller, shop):
    host = register(api, roles=["host"])
    show = make_show(api, seller, shop["id"], host_id=host.id)
    stranger = register(api, roles=["host", "seller"])
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=stranger.headers).status_code == 403
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers).status_code == 403  # not asked yet
    invitation = api.get("/api/v1/me/host-invitations", headers=host.headers).json()[0]
    assert api.post(f"/api/v1/host-invitations/{invitation['id']}/accept", headers=host.headers).status_code == 200
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers).status_code == 200
    viewer = register(api)
    assert api.post(f"/api/v1/shows/{show['id']}/end", headers=viewer.headers).status_code == 403
    assert api.put(f"/api/v1/shows/{show['id']}/moderators/{viewer.id}", headers=viewer.headers).status_code == 403


@pytest.mark.parametrize("change, field, rule", [
    ({"scheduled_at": "2020-01-01T00:00:00Z"}, "scheduled_at", "in_future"),
    ({"scheduled_at": "2030-01-01T00:00:00"}, "scheduled_at", "timezone_aware"),
    ({"language": "de"}, "language", "literal_error"),
    ({"market": "Spain"}, "market", "iso_country"),
    ({"title": ""}, "title", "string_too_short"),
    ({"shop_id": 99999999}, "shop_id", "existing_shop"),
    ({"host_id": 99999999}, "host_id", "existing_user"),
])
def test_bad_show_input_is_named(api, seller, shop, change, field, rule):
    body = {"shop_id": shop["id"], "title": "T", "language": "es", "market": "ES",
            "scheduled_at": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(), **change}
    response = api.post("/api/v1/shows", json=body, headers=seller.headers)
    assert response.status_code == 422, response.text
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["rule"]) == (field, rule)


def test_host_needs_the_host_or_seller_role(api, seller, shop):
    viewer = register(api)
    body = {"shop_id": shop["id"], "title": "T", "language": "es", "market": "ES", "host_id": viewer.id,
            "scheduled_at": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()}
    response = api.post("/api/v1/shows", json=body, headers=seller.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "host_role"


def test_listings_live_upcoming_and_filters(api, seller, shop):
    category = unique("cat")
    soon = make_show(api, seller, shop["id"], minutes_ahead=30, category=category, language="es", market="ES")
    later = make_show(api, seller, shop["id"], minutes_ahead=90, category=category, language="fr", market="FR")
    live = make_show(api, seller, shop["id"], minutes_ahead=10, category=category, language="es", market="MX")
    api.post(f"/api/v1/shows/{live['id']}/start", headers=seller.headers)

    def ids(**params):
        return [s["id"] for s in api.get("/api/v1/shows", params={"category": category, **params}).json()["items"]]

    assert ids(when="live") == [live["id"]]
    assert ids(when="upcoming") == [soon["id"], later["id"]]
    assert ids(language="es") == [live["id"], soon["id"]] or set(ids(language="es")) == {live["id"], soon["id"]}
    assert ids(market="FR") == [later["id"]]
    assert ids(when="upcoming", language="fr") == [later["id"]]


def test_stream_key_is_shown_once_and_rotates(api, seller):
    assert api.get("/api/v1/me/stream-key", headers=seller.headers).json() is None
    first = api.post("/api/v1/me/stream-key", headers=seller.headers).json()
    assert first["key"].startswith("lsk_") and first["hint"] == first["key"][-4:]
    shown = api.get("/api/v1/me/stream-key", headers=seller.headers).json()
    assert "key" not in shown and shown["hint"] == first["hint"]
    second = api.post("/api/v1/me/stream-key", headers=seller.headers).json()
    assert second["key"] != first["key"]
    viewer = register(api)
    assert api.post("/api/v1/me/stream-key", headers=viewer.headers).status_code == 403


def test_moderators(api, seller, shop):
    show = make_show(api, seller, shop["id"])
    helper = register(api)
    assert api.put(f"/api/v1/shows/{show['id']}/moderators/{helper.id}", headers=seller.headers).status_code == 204
    assert api.put(f"/api/v1/shows/{show['id']}/moderators/99999999", headers=seller.headers).status_code == 404
    assert api.delete(f"/api/v1/shows/{show['id']}/moderators/{helper.id}", headers=seller.headers).status_code == 204
