"""A buyer's address book: add, edit, make default, delete; bad input named; nobody else sees or edits it; the room's
buy uses the default address when the frame names none."""

from __future__ import annotations

import uuid

from tests.helpers import register
from tests.helpers_db import run_sql
from tests.orders.support import ADDRESS, live_shop
from tests.room_client import RoomClient
from tests.test_cli import livestall

HOME = {"name": "Sofía García", "line1": "Calle Mayor 12", "line2": "3º B", "city": "Madrid", "region": "Madrid",
        "postal_code": "28013", "country": "es", "phone": "+34 600 555 104"}
WORK = {"name": "Sofía García", "line1": "Paseo de la Castellana 200", "city": "Madrid", "postal_code": "28046",
        "country": "ES"}


def book(api, actor) -> list[dict]:
    response = api.get("/api/v1/me/addresses", headers=actor.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def add(api, actor, address: dict, **extra):
    return api.post("/api/v1/me/addresses", json={**address, **extra}, headers=actor.headers)


def test_the_first_address_is_the_default_and_the_default_can_move(api):
    sofia = register(api)
    assert book(api, sofia) == []
    home = add(api, sofia, HOME)
    assert home.status_code == 201, home.text
    home = home.json()
    assert home["is_default"] is True and home["country"] == "ES" and home["line2"] == "3º B"
    work = add(api, sofia, WORK).json()
    assert work["is_default"] is False and work["phone"] == "" and work["region"] == ""
    assert [(a["id"], a["is_default"]) for a in book(api, sofia)] == [(home["id"], True), (work["id"], False)]

    moved = api.post(f"/api/v1/me/addresses/{work['id']}/default", headers=sofia.headers)
    assert moved.status_code == 200 and moved.json()["is_default"] is True
    assert [(a["id"], a["is_default"]) for a in book(api, sofia)] == [(work["id"], True), (home["id"], False)]

    # added as the default: the one before stops being it
    third = add(api, sofia, {**WORK, "line1": "Gran Vía 1"}, make_default=True).json()
    assert [a["id"] for a in book(api, sofia) if a["is_default"]] == [third["id"]]


def test_editing_replaces_the_address_and_can_make_it_the_default(api):
    sofia = register(api)
    home = add(api, sofia, HOME).json()
    work = add(api, sofia, WORK).json()
    edited = api.put(f"/api/v1/me/addresses/{work['id']}", headers=sofia.headers,
                     json={**WORK, "line1": "Calle de Alcalá 50", "phone": "+34 91 555 0000", "make_default": True})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["line1"], edited.json()["phone"], edited.json()["is_default"]) == (
        "Calle de Alcalá 50", "+34 91 555 0000", True)
    items = {a["id"]: a for a in book(api, sofia)}
    assert items[home["id"]]["is_default"] is False and items[work["id"]]["line1"] == "Calle de Alcalá 50"


def test_deleting_the_default_makes_the_newest_left_the_default(api):
    sofia = register(api)
    home = add(api, sofia, HOME).json()
    work = add(api, sofia, WORK).json()
    gym = add(api, sofia, {**WORK, "line1": "Calle Luna 3"}).json()
    assert api.delete(f"/api/v1/me/addresses/{home['id']}", headers=sofia.headers).status_code == 204
    assert [(a["id"], a["is_default"]) for a in book(api, sofia)] == [(gym["id"], True), (work["id"], False)]
    assert api.delete(f"/api/v1/me/addresses/{work['id']}", headers=sofia.headers).status_code == 204
    assert api.delete(f"/api/v1/me/addresses/{gym['id']}", headers=sofia.headers).status_code == 204
    assert book(api, sofia) == []
    assert api.delete(f"/api/v1/me/addresses/{gym['id']}", headers=sofia.headers).status_code == 404


def problem(response) -> list[tuple[str, str]]:
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


def test_bad_input_names_the_field_and_the_rule_and_changes_nothing(api):
    sofia = register(api)
    home = add(api, sofia, HOME).json()
    cases = [
        ({**HOME, "name": ""}, ("name", "string_too_short")),
        ({**HOME, "postal_code": "28013!"}, ("postal_code", "string_pattern_mismatch")),
        ({**HOME, "phone": "call me"}, ("phone", "string_pattern_mismatch")),
        ({**HOME, "country": "XX"}, ("country", "iso_country")),
        ({**HOME, "line1": "x" * 201}, ("line1", "string_too_long")),
        ({**HOME, "city": "Madrid\x00"}, ("city", "no_control_chars")),
        ({k: v for k, v in HOME.items() if k != "city"}, ("city", "missing")),
        ({**HOME, "make_default": "yes"}, ("make_default", "bool_type")),
        ({**HOME, "floor": 3}, ("floor", "extra_forbidden")),
    ]
    for body, expected in cases:
        response = api.post("/api/v1/me/addresses", json=body, headers=sofia.headers)
        assert response.status_code == 422, (body, response.text)
        assert problem(response) == [expected], (body, response.text)
        edit = api.put(f"/api/v1/me/addresses/{home['id']}", json=body, headers=sofia.headers)
        assert edit.status_code == 422 and problem(edit) == [expected]
    assert book(api, sofia) == [home]  # nothing added, nothing changed


def test_a_book_holds_at_most_twenty_addresses(api):
    sofia = register(api)
    for n in range(20):
        assert add(api, sofia, {**WORK, "line1": f"Calle {n}"}).status_code == 201
    refused = add(api, sofia, WORK)
    assert refused.status_code == 409 and problem(refused) == [("addresses", "max_addresses")]
    assert len(book(api, sofia)) == 20


def test_nobody_else_sees_or_changes_an_address(api):
    sofia, mallory = register(api), register(api)
    home = add(api, sofia, HOME).json()
    assert book(api, mallory) == []
    path = f"/api/v1/me/addresses/{home['id']}"
    assert api.put(path, json=WORK, headers=mallory.headers).status_code == 404
    assert api.post(f"{path}/default", headers=mallory.headers).status_code == 404
    assert api.delete(path, headers=mallory.headers).status_code == 404
    assert book(api, sofia) == [home]
    assert api.get("/api/v1/me/addresses").status_code == 401
    assert api.post("/api/v1/me/addresses", json=HOME).status_code == 401


def test_a_room_buy_without_an_address_is_sent_to_the_default_one(api, app_server):
    world = live_shop(api, stock=5)
    show_id, product_id = world["show"]["id"], world["product"]["id"]
    sofia = register(api)
    with RoomClient(app_server.ws_base, show_id, sofia.token) as room:
        empty = room.request("buy", product_id=product_id, quantity=1, key=uuid.uuid4().hex)
        assert (empty["code"], empty["field"]) == ("invalid", "shipping")  # an empty book: nothing to send it to
        add(api, sofia, WORK)
        add(api, sofia, HOME, make_default=True)
        bought = room.request("buy", product_id=product_id, quantity=1, key=uuid.uuid4().hex)
        assert bought["type"] == "ack", bought
        assert bought["data"]["order"]["shipping"] == {**HOME, "country": "ES"}
        # an address in the frame wins over the default
        given = room.request("buy", product_id=product_id, quantity=1, key=uuid.uuid4().hex, shipping=ADDRESS)
        assert given["data"]["order"]["shipping"]["city"] == "Shanghai"

        # the answer to a tap was lost, the default moved, the page retries with the same key: the same order
        key = uuid.uuid4().hex
        tapped = room.request("buy", product_id=product_id, quantity=1, key=key)
        work = next(a for a in book(api, sofia) if a["line1"] == WORK["line1"])
        assert api.post(f"/api/v1/me/addresses/{work['id']}/default", headers=sofia.headers).status_code == 200
        retried = room.request("buy", product_id=product_id, quantity=1, key=key)
        assert retried["type"] == "ack", retried
        assert retried["data"] == {"order": tapped["data"]["order"], "replayed": True}


def test_each_demo_viewer_has_one_default_address_made_once(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    sql = ("SELECT u.email, a.city, a.postal_code, a.phone, a.is_default FROM shipping_addresses a "
           "JOIN users u ON u.id = a.user_id ORDER BY u.email")
    assert livestall(tmp_path, url, "demo").returncode == 0
    first = run_sql(url, sql)
    assert livestall(tmp_path, url, "demo").returncode == 0
    assert run_sql(url, sql) == first
    assert [(email.split("@")[0], city) for email, city, *_ in first] == [
        ("emily", "Chicago"), ("layla", "Riyadh"), ("liu", "Lanzhou"), ("pierre", "Lyon"), ("sofia", "Madrid"),
        ("wang", "Shanghai"), ("zhang", "Xi'an")]
    assert all(postal and phone and is_default for _, _, postal, phone, is_default in first)
