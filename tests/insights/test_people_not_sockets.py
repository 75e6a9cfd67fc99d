"""One client with many sockets is one viewer: in the room's counter, the show's figures, the dashboard and the
scorecard an agency pays by; anonymous sockets past the per-address cap are refused by name."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.agency.support import brand_show, make_active_host, make_agency, make_agency_admin
from tests.helpers import register
from tests.helpers_db import make_operator
from tests.room_client import RoomClient

MARKET = "FO"  # a market no other test uses: the dashboard's figures are this show's alone
BROWSER = "0f3a9c1e7b2d4f6a8e5c3b1d9a7f2e4c"
CAP = 8  # LIVESTALL_REALTIME_ANONYMOUS_PER_ADDRESS's default


def wait_for(fetch, ready, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        result = fetch()
        if ready(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.3)


@pytest.fixture(scope="module")
def watched(app_server):
    """A booked show watched by one browser through 12 sockets (8 admitted) and one user through 3, then ended."""
    with httpx.Client(base_url=app_server.url, timeout=30) as api:
        url = app_server.database_url
        admin = make_agency_admin(api, url)
        agency = make_agency(api, admin)
        host_user, host = make_active_host(api, admin, agency["id"], markets=[MARKET])
        brand = brand_show(api, datetime.now(timezone.utc) + timedelta(minutes=30), market=MARKET)
        show_id = brand["show"]["id"]
        booking = api.post(f"/api/v1/hosts/{host['id']}/bookings", headers=admin.headers,
                           json={"host_id": host["id"], "show_id": show_id}).json()
        assert api.post(f"/api/v1/bookings/{booking['id']}/accept", headers=host_user.headers).status_code == 200
        assert api.post(f"/api/v1/shows/{show_id}/start", headers=host_user.headers).status_code == 200
        ann = register(api)
        operator = make_operator(api, url)
        opened, refusals = [], []
        try:
            opened += [RoomClient(app_server.ws_base, show_id, ann.token) for _ in range(3)]
            for _ in range(12):
                client = RoomClient(app_server.ws_base, show_id, viewer=BROWSER, expect_snapshot=False)
                first = client.wait_frame(lambda f: f["type"] in ("snapshot", "error"))
                if first["type"] == "snapshot":
                    opened.append(client)
                else:
                    refusals.append((first, client.wait_closed()))
            live = opened[0].wait_event("viewers", lambda d: d["concurrent"] == 2 and d["unique"] == 2)
            assert api.post("/api/v1/insights/refresh", headers=operator.headers).status_code == 200
            board = api.get("/api/v1/insights/dashboard", params={"market": MARKET}, headers=operator.headers).json()
        finally:
            for client in opened:
                client.close()
        assert api.post(f"/api/v1/shows/{show_id}/end", headers=host_user.headers).status_code == 200
        assert api.post("/api/v1/insights/refresh", headers=operator.headers).status_code == 200
        yield {"show_id": show_id, "admitted": len(opened) - 3, "refusals": refusals, "live": live,
               "board": board, "operator": operator, "admin": admin, "agency": agency, "host": host,
               "host_user": host_user}


def test_anonymous_sockets_past_the_cap_are_refused_naming_the_rule(watched):
    assert watched["admitted"] == CAP and len(watched["refusals"]) == 12 - CAP
    for error, close in watched["refusals"]:
        assert (error["code"], error["field"], error["rule"]) == ("rate-limited", "client", "anonymous_per_address")
        assert close == (4429, "anonymous_per_address")


def test_the_live_counter_counts_people(watched):
    assert watched["live"] == {"concurrent": 2, "peak": 2, "unique": 2}
    now = watched["board"]["concurrent_now"]
    assert now["viewers"] == 2 and now["by_market_language"] == [
        {"market": MARKET, "language": "es", "viewers": 2, "rooms": 1}]


def test_the_saved_figures_count_people(api, watched):
    show_id, operator = watched["show_id"], watched["operator"]
    metrics = wait_for(lambda: api.get(f"/api/v1/insights/shows/{show_id}", headers=operator.headers).json(),
                       lambda m: m["unique_viewers"] >= 2)
    assert (metrics["peak_viewers"], metrics["unique_viewers"], metrics["viewers_first_10_minutes"]) == (2, 2, 2)
    assert max(metrics["concurrent_per_minute"]) == 2
    shown = api.get(f"/api/v1/shows/{show_id}").json()
    assert (shown["peak_viewers"], shown["unique_viewers"]) == (2, 2)


def test_the_agency_scorecard_counts_people(api, watched):
    cards = api.get(f"/api/v1/agencies/{watched['agency']['id']}/scorecards", headers=watched["admin"].headers)
    assert cards.status_code == 200, cards.text
    mine = next(c for c in cards.json() if c["host_id"] == watched["host"]["id"])["totals"]
    assert (mine["shows"], mine["peak_viewers"], mine["unique_viewers"], mine["viewers_at_10_min"]) == (1, 2, 2, 2)
