"""Agencies, host profiles, the recruitment pipeline and training certification, over HTTP."""

from __future__ import annotations

import pytest

from tests.agency.support import add_host, make_agency, make_agency_admin, make_course, move
from tests.helpers import register, unique


@pytest.fixture()
def admin(api, app_server):
    return make_agency_admin(api, app_server.database_url)


@pytest.fixture()
def agency(api, admin):
    return make_agency(api, admin)


def test_only_agency_admins_open_agencies(api, admin):
    seller = register(api, roles=["seller", "host"])
    body = {"name": "Talent", "country": "CN"}
    assert api.post("/api/v1/agencies", json=body, headers=seller.headers).status_code == 403
    agency = make_agency(api, admin, name="Silk Road Talent")
    mine = api.get("/api/v1/me/agencies", headers=admin.headers).json()
    assert [a["name"] for a in mine] == ["Silk Road Talent"] and mine[0]["id"] == agency["id"]


def test_public_application_and_agency_added_host(api, admin, agency):
    email = f"{unique('applicant')}@example.com"
    form = {"display_name": "Camille", "email": email, "country": "FR", "languages": ["fr"], "markets": ["FR", "be"],
            "socials": [{"network": "tiktok", "handle": "@camille", "followers": 52000}],
            "timezone": "Europe/Paris"}
    applied = api.post(f"/api/v1/agencies/{agency['id']}/applications", json=form)
    assert applied.status_code == 201, applied.text
    assert (applied.json()["stage"], applied.json()["source"], applied.json()["markets"]) == ("applied", "form",
                                                                                               ["FR", "BE"])
    again = api.post(f"/api/v1/agencies/{agency['id']}/applications", json=form)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "email"
    added = add_host(api, admin, agency["id"], display_name="James", languages=["en"], markets=["US"])
    assert added["source"] == "agency" and added["fee_minor"] == 150000 and added["commission_bp"] == 500
    hosts = api.get(f"/api/v1/agencies/{agency['id']}/hosts", headers=admin.headers).json()
    assert {h["display_name"] for h in hosts} == {"Camille", "James"}
    french = api.get(f"/api/v1/agencies/{agency['id']}/hosts", params={"language": "fr"}, headers=admin.headers)
    assert [h["display_name"] for h in french.json()] == ["Camille"]
    by_market = api.get(f"/api/v1/agencies/{agency['id']}/hosts", params={"market": "us"}, headers=admin.headers)
    assert [h["display_name"] for h in by_market.json()] == ["James"]


@pytest.mark.parametrize("change, field, rule", [
    ({"fee_minor": -100}, "fee_minor", "greater_than_equal"),
    ({"commission_bp": 10_001}, "commission_bp", "less_than_equal"),
    ({"timezone": "Mars/Olympus"}, "timezone", "iana_timezone"),
    ({"languages": []}, "languages", "too_short"),
    ({"fee_currency": "XXX"}, "fee_currency", "known_currency"),
    ({"availability": {"days": [1], "from": "25:00", "to": "10:00"}}, "availability.from", "hh_mm"),
])
def test_bad_host_input_is_named_and_nothing_is_written(api, admin, agency, change, field, rule):
    body = {"display_name": "X", "email": f"{unique('bad')}@example.com", "country": "ES", "languages": ["es"],
            **change}
    response = api.post(f"/api/v1/agencies/{agency['id']}/hosts", json=body, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["rule"]) == (field, rule)
    assert api.get(f"/api/v1/agencies/{agency['id']}/hosts", headers=admin.headers).json() == []


def test_pipeline_moves_legal_and_illegal(api, admin, agency):
    host = add_host(api, admin, agency["id"])
    course = make_course(api, admin, agency["id"], modules=("Camera", "Selling", "Returns"))
    skipped = move(api, admin, host["id"], "active")
    assert skipped.status_code == 409 and skipped.json()["errors"][0]["rule"] == "pipeline_move"
    assert "from applied to active" in skipped.json()["errors"][0]["message"]
    assert move(api, admin, host["id"], "screening").json()["stage"] == "screening"
    # training is recorded only once the host is in training
    early = api.post(f"/api/v1/hosts/{host['id']}/completions", json={"module_id": course["modules"][0]["id"]},
                     headers=admin.headers)
    assert early.status_code == 409 and early.json()["errors"][0]["field"] == "stage"
    assert move(api, admin, host["id"], "training").json()["stage"] == "training"
    uncertified = move(api, admin, host["id"], "active")
    assert uncertified.status_code == 409 and uncertified.json()["errors"][0]["rule"] == "certified"
    for module in course["modules"][:2]:
        api.post(f"/api/v1/hosts/{host['id']}/completions", json={"module_id": module["id"]}, headers=admin.headers)
    training = api.get(f"/api/v1/hosts/{host['id']}/training", headers=admin.headers).json()
    assert (len(training["completed_module_ids"]), training["total_modules"], training["certified_at"]) == (2, 3, None)
    last = api.post(f"/api/v1/hosts/{host['id']}/completions", json={"module_id": course["modules"][2]["id"]},
                    headers=admin.headers)
    assert last.json()["certified_at"] is not None
    assert move(api, admin, host["id"], "active").json()["stage"] == "active"
    assert move(api, admin, host["id"], "paused").json()["stage"] == "paused"
    assert move(api, admin, host["id"], "active").json()["stage"] == "active"
    assert move(api, admin, host["id"], "left").json()["stage"] == "left"
    final = move(api, admin, host["id"], "active")
    assert final.status_code == 409 and "allowed: none" in final.json()["errors"][0]["message"]
    unknown = move(api, admin, host["id"], "famous")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "stage"


def test_module_of_another_agency_is_refused(api, app_server, admin, agency):
    other_admin = make_agency_admin(api, app_server.database_url)
    other = make_agency(api, other_admin)
    foreign = make_course(api, other_admin, other["id"])
    host = add_host(api, admin, agency["id"])
    move(api, admin, host["id"], "screening"), move(api, admin, host["id"], "training")
    response = api.post(f"/api/v1/hosts/{host['id']}/completions", headers=admin.headers,
                        json={"module_id": foreign["modules"][0]["id"]})
    assert response.status_code == 422 and response.json()["errors"][0]["rule"] == "agency_module"


def test_an_agency_sees_only_its_own_hosts(api, app_server, admin, agency):
    host = add_host(api, admin, agency["id"])
    rival = make_agency_admin(api, app_server.database_url)
    make_agency(api, rival)
    assert api.get(f"/api/v1/agencies/{agency['id']}/hosts", headers=rival.headers).status_code == 403
    assert api.get(f"/api/v1/hosts/{host['id']}", headers=rival.headers).status_code == 404
    assert api.patch(f"/api/v1/hosts/{host['id']}", json={"fee_minor": 1}, headers=rival.headers).status_code == 403
    assert api.get(f"/api/v1/hosts/{host['id']}", headers=admin.headers).json()["fee_minor"] == 150000


def test_update_rate_card_and_the_host_reads_their_profile(api, admin, agency):
    user = register(api, roles=["host"])
    host = add_host(api, admin, agency["id"], email=user.email)
    assert host["user_id"] == user.id
    changed = api.patch(f"/api/v1/hosts/{host['id']}", headers=admin.headers,
                        json={"fee_minor": 120000, "commission_bp": 250,
                              "availability": {"days": [0, 1, 2, 3, 4], "from": "18:00", "to": "02:00"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["availability"] == {"days": [0, 1, 2, 3, 4], "from": "18:00", "to": "02:00"}
    mine = api.get("/api/v1/me/host-profiles", headers=user.headers).json()
    assert [(p["id"], p["fee_minor"], p["commission_bp"]) for p in mine] == [(host["id"], 120000, 250)]
    assert api.patch(f"/api/v1/hosts/{host['id']}", json={"fee_minor": 9}, headers=user.headers).status_code == 403
