"""Attendance computed from the shows' publish sessions: late, short and no-show appearances."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.agency.support import brand_show, make_active_host, make_agency, make_agency_admin, publish
from tests.helpers import register


def _booked(api, admin, host_id: int, user, at: datetime) -> dict:
    brand = brand_show(api, at)
    booking = api.post(f"/api/v1/hosts/{host_id}/bookings", headers=admin.headers,
                       json={"host_id": host_id, "show_id": brand["show"]["id"], "duration_minutes": 120}).json()
    assert api.post(f"/api/v1/bookings/{booking['id']}/accept", headers=user.headers).status_code == 200
    return {**brand, "booking": booking}


def _over(api, user, show_id: int) -> None:
    """The host takes the show live and ends it (the status; the video is what the sessions record)."""
    assert api.post(f"/api/v1/shows/{show_id}/start", headers=user.headers).status_code == 200
    assert api.post(f"/api/v1/shows/{show_id}/end", headers=user.headers).status_code == 200


def test_late_short_and_no_show_from_publish_sessions(api, app_server):
    admin = make_agency_admin(api, app_server.database_url)
    agency = make_agency(api, admin)
    user, host = make_active_host(api, admin, agency["id"])
    base = (datetime.now(timezone.utc) + timedelta(days=3)).replace(second=0, microsecond=0)
    late = _booked(api, admin, host["id"], user, base)
    short = _booked(api, admin, host["id"], user, base + timedelta(hours=3))
    absent = _booked(api, admin, host["id"], user, base + timedelta(hours=6))
    pending = _booked(api, admin, host["id"], user, base + timedelta(hours=9))
    url = app_server.database_url
    # 12 minutes late, then 100 of the 120 booked minutes, in two sessions (the stream dropped once)
    publish(url, late["show"]["id"], base + timedelta(minutes=12), base + timedelta(minutes=60))
    publish(url, late["show"]["id"], base + timedelta(minutes=61), base + timedelta(minutes=113))
    # on time, but only 50 minutes
    publish(url, short["show"]["id"], base + timedelta(hours=3, minutes=2), base + timedelta(hours=3, minutes=52))
    for done in (late, short, absent):
        _over(api, user, done["show"]["id"])
    rows = api.get(f"/api/v1/agencies/{agency['id']}/attendance", headers=admin.headers)
    assert rows.status_code == 200, rows.text
    by_show = {r["show_id"]: r for r in rows.json()}
    first = by_show[late["show"]["id"]]
    assert (first["late"], first["late_minutes"], first["short"], first["no_show"]) == (True, 12, False, False)
    assert first["streamed_minutes"] == 100 and first["actual_start"].startswith(
        (base + timedelta(minutes=12)).strftime("%Y-%m-%dT%H:%M"))
    second = by_show[short["show"]["id"]]
    assert (second["late"], second["short"], second["no_show"], second["streamed_minutes"]) == (False, True, False, 50)
    third = by_show[absent["show"]["id"]]
    assert (third["no_show"], third["streamed_minutes"], third["actual_start"]) == (True, 0, None)
    fourth = by_show[pending["show"]["id"]]
    assert (fourth["settled"], fourth["no_show"], fourth["late"], fourth["short"]) == (False, False, False, False)
    mine = api.get("/api/v1/me/attendance", headers=user.headers).json()
    assert {r["booking_id"] for r in mine} == {x["booking"]["id"] for x in (late, short, absent, pending)}
    assert api.get(f"/api/v1/agencies/{agency['id']}/attendance",
                   headers=register(api).headers).status_code == 403
