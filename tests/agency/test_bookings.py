"""Brands' requests and bookings of hosts onto shows: certification, double bookings, time zones, accepting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.agency.support import add_host, brand_show, make_active_host, make_agency, make_agency_admin, move
from tests.helpers import register


@pytest.fixture()
def admin(api, app_server):
    return make_agency_admin(api, app_server.database_url)


@pytest.fixture()
def agency(api, admin):
    return make_agency(api, admin)


def local(tz: str, days_ahead: int, hour: int, minute: int = 0, weekday: int | None = None) -> datetime:
    """A wall-clock time in `tz`, `days_ahead` from today (moved on to `weekday` if given), as UTC."""
    zone = ZoneInfo(tz)
    day = datetime.now(zone).date() + timedelta(days=days_ahead)
    if weekday is not None:
        day += timedelta(days=(weekday - day.weekday()) % 7)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(timezone.utc)


def book(api, admin, host_id: int, show_id: int, **fields):
    return api.post(f"/api/v1/hosts/{host_id}/bookings", headers=admin.headers,
                    json={"host_id": host_id, "show_id": show_id, **fields})


def test_book_accept_and_the_host_takes_the_show(api, admin, agency):
    user, host = make_active_host(api, admin, agency["id"])
    brand = brand_show(api, local("Europe/Madrid", 3, 20))
    booked = book(api, admin, host["id"], brand["show"]["id"], duration_minutes=90)
    assert booked.status_code == 201, booked.text
    body = booked.json()
    assert (body["status"], body["fee_minor"], body["fee_currency"], body["commission_bp"]) == ("proposed", 150000,
                                                                                               "CNY", 500)
    assert body["host_local_start"].startswith(local("Europe/Madrid", 3, 20).astimezone(ZoneInfo("Europe/Madrid"))
                                               .strftime("%Y-%m-%dT20:00"))
    stranger = register(api, roles=["host"])
    assert api.post(f"/api/v1/bookings/{body['id']}/accept", headers=stranger.headers).status_code == 403
    assert api.post(f"/api/v1/bookings/{body['id']}/accept", headers=admin.headers).status_code == 403
    mine = api.get("/api/v1/me/bookings", headers=user.headers).json()
    assert [b["id"] for b in mine] == [body["id"]]
    listed = [b for b in api.get(f"/api/v1/agencies/{agency['id']}/bookings", headers=admin.headers).json()
              if b["id"] == body["id"]]
    assert listed[0]["host_local_start"] == body["host_local_start"]  # the agency's list, in the host's time
    accepted = api.post(f"/api/v1/bookings/{body['id']}/accept", headers=user.headers)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert api.get(f"/api/v1/shows/{brand['show']['id']}").json()["host_id"] == user.id
    twice = api.post(f"/api/v1/bookings/{body['id']}/decline", headers=user.headers)
    assert twice.status_code == 409 and twice.json()["errors"][0]["field"] == "status"


def test_double_booking_is_refused_naming_the_field(api, admin, agency):
    user, host = make_active_host(api, admin, agency["id"])
    first = brand_show(api, local("Europe/Madrid", 4, 19))
    overlapping = brand_show(api, local("Europe/Madrid", 4, 20))
    after = brand_show(api, local("Europe/Madrid", 4, 21))
    assert book(api, admin, host["id"], first["show"]["id"], duration_minutes=120).status_code == 201
    clash = book(api, admin, host["id"], overlapping["show"]["id"])
    assert clash.status_code == 409, clash.text
    problem = clash.json()["errors"][0]
    assert (problem["field"], problem["rule"]) == ("starts_at", "no_double_booking")
    assert "19:00" in problem["message"] and "21:00 Europe/Madrid" in problem["message"]
    # back to back is not a clash
    assert book(api, admin, host["id"], after["show"]["id"]).status_code == 201
    # a declined booking frees the time
    proposed = api.get("/api/v1/me/bookings", headers=user.headers).json()
    api.post(f"/api/v1/bookings/{proposed[0]['id']}/decline", headers=user.headers)
    assert book(api, admin, host["id"], overlapping["show"]["id"], duration_minutes=60).status_code == 201


def test_time_zone_conflict_across_zones(api, admin, agency):
    # James works 09:00-17:00 New York time, Monday to Friday; the brand is in Beijing
    _, host = make_active_host(api, admin, agency["id"], display_name="James", languages=["en"],
                               timezone="America/New_York",
                               availability={"days": [0, 1, 2, 3, 4], "from": "09:00", "to": "17:00"})
    nine_ny = local("America/New_York", 3, 9, weekday=1)  # a Tuesday, 09:00 in New York
    early = brand_show(api, nine_ny - timedelta(hours=1), language="en", market="US")  # 08:00 New York
    refused = book(api, admin, host["id"], early["show"]["id"], duration_minutes=60)
    assert refused.status_code == 409, refused.text
    problem = refused.json()["errors"][0]
    assert (problem["field"], problem["rule"]) == ("starts_at", "host_availability")
    assert "08:00" in problem["message"] and "America/New_York" in problem["message"]
    on_time = brand_show(api, nine_ny, language="en", market="US")
    assert book(api, admin, host["id"], on_time["show"]["id"], duration_minutes=60).status_code == 201
    too_long = brand_show(api, nine_ny + timedelta(days=1, hours=7), language="en", market="US")  # 16:00, 2 h
    assert book(api, admin, host["id"], too_long["show"]["id"]).json()["errors"][0]["rule"] == "host_availability"
    saturday = brand_show(api, nine_ny + timedelta(days=4, hours=1), language="en", market="US")
    weekend = book(api, admin, host["id"], saturday["show"]["id"], duration_minutes=60)
    assert weekend.status_code == 409 and "Saturday" in weekend.json()["errors"][0]["message"]


def test_night_window_spanning_midnight(api, admin, agency):
    _, host = make_active_host(api, admin, agency["id"], timezone="Europe/Madrid",
                               availability={"days": [0, 1, 2, 3, 4, 5, 6], "from": "22:00", "to": "02:00"})
    late = brand_show(api, local("Europe/Madrid", 5, 23, 30))
    assert book(api, admin, host["id"], late["show"]["id"], duration_minutes=120).status_code == 201
    too_late = brand_show(api, local("Europe/Madrid", 6, 1, 30))
    refused = book(api, admin, host["id"], too_late["show"]["id"], duration_minutes=60)
    assert refused.status_code == 409 and refused.json()["errors"][0]["rule"] == "host_availability"


def test_uncertified_paused_and_wrong_language_hosts_are_refused(api, admin, agency):
    brand = brand_show(api, local("Europe/Madrid", 3, 20))
    fresh = add_host(api, admin, agency["id"])
    refused = book(api, admin, fresh["id"], brand["show"]["id"])
    assert refused.status_code == 409 and refused.json()["errors"][0] == {
        "field": "host_id", "rule": "certified", "message": "Lucía has not completed training"}
    _, paused = make_active_host(api, admin, agency["id"])
    move(api, admin, paused["id"], "paused")
    response = book(api, admin, paused["id"], brand["show"]["id"])
    assert response.status_code == 409 and response.json()["errors"][0]["rule"] == "active_stage"
    _, french = make_active_host(api, admin, agency["id"], languages=["fr"])
    response = book(api, admin, french["id"], brand["show"]["id"])
    assert response.status_code == 409 and response.json()["errors"][0]["rule"] == "speaks_language"
    assert api.get(f"/api/v1/agencies/{agency['id']}/bookings", headers=admin.headers).json() == []


def test_brand_request_is_booked_and_one_host_per_show(api, app_server, admin, agency):
    _, host = make_active_host(api, admin, agency["id"])
    _, other = make_active_host(api, admin, agency["id"])
    at = local("Europe/Madrid", 3, 20)
    brand = brand_show(api, at)
    body = {"shop_id": brand["shop"]["id"], "language": "es", "market": "ES", "date": at.date().isoformat(),
            "show_id": brand["show"]["id"], "note": "knitwear"}
    outsider = register(api, roles=["seller"])
    assert api.post(f"/api/v1/agencies/{agency['id']}/requests", json=body,
                    headers=outsider.headers).status_code == 403
    asked = api.post(f"/api/v1/agencies/{agency['id']}/requests", json=body, headers=brand["owner"].headers)
    assert asked.status_code == 201, asked.text
    assert api.get(f"/api/v1/agencies/{agency['id']}/requests", headers=brand["owner"].headers).status_code == 403
    open_ = api.get(f"/api/v1/agencies/{agency['id']}/requests", params={"status": "open"}, headers=admin.headers)
    assert [r["id"] for r in open_.json()] == [asked.json()["id"]]
    booked = book(api, admin, host["id"], brand["show"]["id"], request_id=asked.json()["id"])
    assert booked.status_code == 201 and booked.json()["request_id"] == asked.json()["id"]
    assert api.get(f"/api/v1/agencies/{agency['id']}/requests", params={"status": "open"},
                   headers=admin.headers).json() == []
    second = book(api, admin, other["id"], brand["show"]["id"])
    assert second.status_code == 409 and second.json()["errors"][0]["rule"] == "one_host_per_show"
    cancelled = api.post(f"/api/v1/bookings/{booked.json()['id']}/cancel", headers=admin.headers)
    assert cancelled.json()["status"] == "cancelled"
    assert book(api, admin, other["id"], brand["show"]["id"]).status_code == 201
    rival = make_agency_admin(api, app_server.database_url)
    assert api.get(f"/api/v1/agencies/{agency['id']}/bookings", headers=rival.headers).status_code == 403
    assert book(api, rival, other["id"], brand["show"]["id"]).status_code == 403


def test_the_same_person_in_two_agencies_is_not_double_booked(api, app_server, admin, agency):
    user, host = make_active_host(api, admin, agency["id"])
    other_admin = make_agency_admin(api, app_server.database_url)
    other = make_agency(api, other_admin)
    course = api.post(f"/api/v1/agencies/{other['id']}/courses", headers=other_admin.headers,
                      json={"title": "Ours", "modules": ["Camera"]}).json()
    twin = add_host(api, other_admin, other["id"], email=user.email)
    for stage in ("screening", "training"):
        move(api, other_admin, twin["id"], stage)
    api.post(f"/api/v1/hosts/{twin['id']}/completions", json={"module_id": course["modules"][0]["id"]},
             headers=other_admin.headers)
    assert move(api, other_admin, twin["id"], "active").status_code == 200
    first = brand_show(api, local("Europe/Madrid", 3, 20))
    second = brand_show(api, local("Europe/Madrid", 3, 21))
    assert book(api, admin, host["id"], first["show"]["id"]).status_code == 201
    clash = book(api, other_admin, twin["id"], second["show"]["id"])
    assert clash.status_code == 409 and clash.json()["errors"][0]["rule"] == "no_double_booking"
