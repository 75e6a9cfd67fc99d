"""Bad input is refused with a problem naming the field and the rule, and changes nothing: ids out of range
in room frames, unknown countries, control and invisible characters, far dates, unreadable bodies, and pages
that answer a page, not JSON."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.agency.support import add_host, make_agency, make_agency_admin
from tests.helpers import PASSWORD, make_product, make_shop, make_show, register, unique
from tests.orders.support import ADDRESS, buy, live_shop
from tests.room_client import RoomClient
from tests.web.support import Browser

FAR = "9999-12-31T23:59:00+00:00"


def ahead(days: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


def refused(response, field: str, rule: str, status: int = 422) -> dict:
    """The problem of a refused request, checked to name `field` and `rule`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].startswith("https://livestall.org/problems/"), problem
    named = [{"field": e["field"], "rule": e["rule"]} for e in problem["errors"]]
    assert {"field": field, "rule": rule} in named, problem
    return problem


def page_refused(response, status: int = 422) -> str:
    """An HTML error page (never a JSON problem, never a 500)."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html"), response.text[:500]
    return response.text


# -- statements ---------------------------------------------------------------------------------

def test_statement_periods_out_of_range_are_refused_naming_the_period(api, app_server, database_url):
    admin = make_agency_admin(api, database_url)
    agency = make_agency(api, admin)
    host_user = register(api, roles=["host"])
    host = add_host(api, admin, agency["id"], email=host_user.email)
    for period in ("9999-12", "0000-01"):
        refused(api.get(f"/api/v1/hosts/{host['id']}/statements/{period}", headers=admin.headers),
                "period", "datetime_range")
    assert api.get(f"/api/v1/hosts/{host['id']}/statements/2026-01", headers=admin.headers).status_code == 200

    for user in (admin, host_user):  # pages speak the profile's language
        assert api.patch("/api/v1/me", json={"language": "es"}, headers=user.headers).status_code == 200
    console, own = Browser(app_server.url, "es"), Browser(app_server.url, "es")
    console.log_in(admin.email)
    own.log_in(host_user.email)
    for period in ("9999-12", "0000-01", "2026-13"):
        assert "Revisa lo que has escrito" in page_refused(
            console.get(f"/agency/{agency['id']}/statements?period={period}"))
        page_refused(own.get(f"/host/statements?period={period}"))
    assert console.get(f"/agency/{agency['id']}/statements").status_code == 200  # no period: this month
    for week in ("9999-12-31", "0001-01-03"):  # the bookings calendar's week, likewise
        page_refused(console.get(f"/agency/{agency['id']}/bookings?week={week}"))


# -- room frames --------------------------------------------------------------------------------

@pytest.mark.parametrize("bad_id", [2**63, 2**64, 2**31, 0, -1])
def test_room_frames_with_ids_out_of_range_get_an_invalid_frame_naming_the_field(api, app_server, bad_id):
    world = live_shop(api)
    show_id, seller = world["show"]["id"], world["seller"]
    viewer = register(api)
    with RoomClient(app_server.ws_base, show_id, seller.token) as host, \
            RoomClient(app_server.ws_base, show_id, viewer.token) as guest:
        asked = guest.request("question.ask", text="Is it wool?")
        assert asked["type"] == "ack", asked
        frames = [(guest, "question.upvote", {"question_id": bad_id}),
                  (host, "question.upvote", {"question_id": bad_id}),
                  (host, "question.answer", {"question_id": bad_id}),
                  (host, "mod.mute", {"user_id": bad_id, "minutes": 5}),
                  (host, "mod.ban", {"user_id": bad_id}),
                  (host, "mod.unban", {"user_id": bad_id})]
        for client, kind, fields in frames:
            reply = client.request(kind, **fields)
            assert reply["type"] == "error" and reply["code"] == "invalid", (kind, reply)
            assert reply["field"] == next(iter(fields)), (kind, reply)
        deleted = host.request("mod.delete", message_id="\x00")
        assert (deleted["code"], deleted["field"]) == ("invalid", "message_id"), deleted
        # the room goes on, and the real question was neither upvoted nor answered
        assert guest.request("chat.send", text="still here")["type"] == "ack"
    with RoomClient(app_server.ws_base, show_id, viewer.token) as again:
        assert [(q["votes"], q["status"]) for q in again.snapshot["questions"]] == [(0, "open")]


def test_ids_out_of_range_in_bodies_are_named(api):
    world = live_shop(api)
    buyer = register(api)
    refused(buy(api, buyer, world["show"]["id"], 2**63), "product_id", "id_range")
    show = {"shop_id": 2**63, "title": "t", "language": "es", "market": "ES", "scheduled_at": ahead(1)}
    refused(api.post("/api/v1/shows", json=show, headers=world["seller"].headers), "shop_id", "id_range")
    assert api.get("/api/v1/me/orders", headers=buyer.headers).json()["total"] == 0


def test_room_text_with_nul_or_only_invisible_characters_is_refused(api, app_server):
    world = live_shop(api)
    show_id = world["show"]["id"]
    viewer = register(api)
    with RoomClient(app_server.ws_base, show_id, viewer.token) as room:
        for kind, text in (("chat.send", "hi\x00there"), ("chat.send", "\u202e\u200b"), ("chat.send", "\ud800"),
                           ("question.ask", "\x00"), ("question.ask", "\u200b\u2800")):
            reply = room.request(kind, text=text)
            assert reply["type"] == "error" and reply["code"] == "invalid" and reply["field"] == "text", reply
        assert room.request("chat.send", text="plain words")["type"] == "ack"
    with RoomClient(app_server.ws_base, show_id) as later:
        assert [m["text"] for m in later.snapshot["messages"]] == ["plain words"]
        assert later.snapshot["questions"] == []


# -- countries and markets ----------------------------------------------------------------------

@pytest.mark.parametrize("code", ["XX", "ZZ", "EU", "QO", "E", "ESP"])
def test_unknown_country_and_market_codes_are_refused_and_nothing_changes(api, code):
    seller = register(api, roles=["seller", "host"], country="ES")
    shop = make_shop(api, seller, country="CN")
    product = make_product(api, seller, shop["id"])
    show = make_show(api, seller, shop["id"], market="ES")

    refused(api.patch("/api/v1/me", json={"country": code}, headers=seller.headers), "country", "iso_country")
    assert api.get("/api/v1/me", headers=seller.headers).json()["country"] == "ES"
    refused(api.post("/api/v1/auth/register", json={"email": f"{unique('c')}@example.com", "password": PASSWORD,
                                                    "display_name": "Ana", "country": code}), "country", "iso_country")

    name = unique("Shop")
    refused(api.post("/api/v1/shops", json={"name": name, "city": "Tianshui", "country": code},
                     headers=seller.headers), "country", "iso_country")
    assert api.get("/api/v1/shops", params={"q": name}).json()["total"] == 0
    refused(api.patch(f"/api/v1/shops/{shop['id']}", json={"country": code}, headers=seller.headers),
            "country", "iso_country")
    assert api.get(f"/api/v1/shops/{shop['id']}").json()["country"] == "CN"

    refused(api.post("/api/v1/shows", headers=seller.headers, json={
        "shop_id": shop["id"], "title": "t", "language": "es", "market": code, "scheduled_at": ahead(1)}),
        "market", "iso_country")
    refused(api.patch(f"/api/v1/shows/{show['id']}", json={"market": code}, headers=seller.headers),
            "market", "iso_country")
    assert api.get(f"/api/v1/shows/{show['id']}").json()["market"] == "ES"


def test_a_shipping_address_in_an_unknown_country_is_refused_and_nothing_is_reserved(api):
    world = live_shop(api)
    buyer = register(api)
    response = buy(api, buyer, world["show"]["id"], world["product"]["id"], shipping={**ADDRESS, "country": "ZZ"})
    refused(response, "shipping.country", "iso_country")
    assert api.get(f"/api/v1/products/{world['product']['id']}").json()["stock"] == world["product"]["stock"]
    assert api.get("/api/v1/me/orders", headers=buyer.headers).json()["total"] == 0


def test_country_codes_keep_being_upper_cased(api):
    seller = register(api, roles=["seller"], country="fr")
    assert api.get("/api/v1/me", headers=seller.headers).json()["country"] == "FR"
    assert make_shop(api, seller, country="tw")["country"] == "TW"


# -- text ---------------------------------------------------------------------------------------

NUL = ("Wool\x00scarf", "no_control_chars")
INVISIBLE = [("\u202e", "visible_text"), ("\u200b\u200b", "visible_text"), ("\u200b\u3000\ufeff", "visible_text"),
             ("\u3164", "visible_text")]


@pytest.mark.parametrize("text,rule", [NUL, *INVISIBLE])
def test_titles_and_names_with_nul_or_only_invisible_characters_are_refused(api, text, rule):
    seller = register(api, roles=["seller", "host"], display_name="Mei")
    shop = make_shop(api, seller)
    product = make_product(api, seller, shop["id"], title="Wool scarf")
    show = make_show(api, seller, shop["id"], title="Evening wool")

    email = f"{unique('t')}@example.com"
    refused(api.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD,
                                                    "display_name": text}), "display_name", rule)
    refused(api.patch("/api/v1/me", json={"display_name": text}, headers=seller.headers), "display_name", rule)
    refused(api.post("/api/v1/shops", json={"name": text, "city": "Tianshui", "country": "CN"},
                     headers=seller.headers), "name", rule)
    refused(api.patch(f"/api/v1/shops/{shop['id']}", json={"city": text}, headers=seller.headers), "city", rule)
    refused(api.post(f"/api/v1/shops/{shop['id']}/products", headers=seller.headers,
                     json={"title": text, "sku": unique("SKU"), "price_minor": 100}), "title", rule)
    refused(api.patch(f"/api/v1/products/{product['id']}", json={"options": ["S", text]}, headers=seller.headers),
            "options", rule)
    refused(api.post("/api/v1/shows", headers=seller.headers, json={
        "shop_id": shop["id"], "title": text, "language": "es", "market": "ES", "scheduled_at": ahead(1)}),
        "title", rule)
    refused(api.patch(f"/api/v1/shows/{show['id']}", json={"description": text}, headers=seller.headers),
            "description", rule)

    assert api.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD,
                                                   "display_name": "Ana"}).status_code == 201  # it was not taken
    assert api.get("/api/v1/me", headers=seller.headers).json()["display_name"] == "Mei"
    assert api.get(f"/api/v1/shops/{shop['id']}").json()["city"] == "Tianshui"
    assert api.get(f"/api/v1/products/{product['id']}").json()["options"] == []
    assert api.get(f"/api/v1/shows/{show['id']}").json()["description"] == ""


def test_text_keeps_its_newlines_and_visible_marks(api):
    seller = register(api, roles=["seller"], display_name="Zoë \u200dmarks")  # a joiner within a name is fine
    shop = make_shop(api, seller, description="First line\nSecond line\twith a tab")
    assert shop["description"] == "First line\nSecond line\twith a tab"


# -- dates --------------------------------------------------------------------------------------

def test_flash_sales_start_within_30_days_and_far_dates_are_named(api):
    world = live_shop(api)
    seller, show_id, product = world["seller"], world["show"]["id"], world["product"]
    body = {"product_id": product["id"], "duration_s": 300, "sale_price_minor": 9900, "units": 5}
    url = f"/api/v1/shows/{show_id}/flash-sales"
    refused(api.post(url, json={**body, "starts_at": ahead(31)}, headers=seller.headers), "starts_at", "starts_within")
    refused(api.post(url, json={**body, "starts_at": FAR}, headers=seller.headers), "starts_at", "datetime_range")
    refused(api.post(url, json={**body, "starts_at": "9000-01-01T00:00:00Z"}, headers=seller.headers),
            "starts_at", "datetime_range")
    assert api.get(f"/api/v1/products/{product['id']}").json()["stock"] == product["stock"]  # no units locked away
    assert api.post(url, json={**body, "starts_at": ahead(29)}, headers=seller.headers).status_code == 201


def test_shows_are_scheduled_within_a_year(api):
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller)
    show = make_show(api, seller, shop["id"])
    body = {"shop_id": shop["id"], "title": "Far away", "language": "es", "market": "ES"}
    refused(api.post("/api/v1/shows", json={**body, "scheduled_at": ahead(400)}, headers=seller.headers),
            "scheduled_at", "scheduled_within")
    refused(api.post("/api/v1/shows", json={**body, "scheduled_at": FAR}, headers=seller.headers),
            "scheduled_at", "scheduled_within")
    refused(api.patch(f"/api/v1/shows/{show['id']}", json={"scheduled_at": ahead(400)}, headers=seller.headers),
            "scheduled_at", "scheduled_within")
    assert api.get(f"/api/v1/shows/{show['id']}").json()["scheduled_at"] == show["scheduled_at"]
    later = api.post("/api/v1/shows", json={**body, "scheduled_at": ahead(300)}, headers=seller.headers)
    assert later.status_code == 201, later.text


# -- bodies -------------------------------------------------------------------------------------

@pytest.mark.parametrize("content,content_type,status,rule", [
    (b'{"name": "Silk", "ci', "application/json", 422, "json"),
    (b'{"name": "\xff\xfe", "city": "x", "country": "CN"}', "application/json", 422, "utf8"),
    (b'[' * 100_000, "application/json", 422, "json"),
    (b'name=Silk&city=x&country=CN', "text/plain", 415, "content_type"),
    (b'{"name": "Silk", "city": "x", "country": "CN"}', None, 415, "content_type"),
])
def test_unreadable_bodies_are_named_with_a_rule(api, content, content_type, status, rule):
    seller = register(api, roles=["seller"])
    headers = {**seller.headers, **({"content-type": content_type} if content_type else {})}
    before = api.get("/api/v1/shops", params={"q": "Silk"}).json()["total"]
    problem = refused(api.post("/api/v1/shops", content=content, headers=headers), "body", rule, status)
    assert problem["status"] == status and problem["type"] != "about:blank"
    assert api.get("/api/v1/shops", params={"q": "Silk"}).json()["total"] == before


# -- pages answer pages -------------------------------------------------------------------------

def test_pages_answer_bad_input_with_a_page_in_the_users_language(api, app_server):
    user = register(api, roles=["seller"], country="ES", display_name="Mei", language="es")
    browser = Browser(app_server.url, "es")
    browser.log_in(user.email)
    for path in ("/account?saved=abc", "/account/orders?page_no=x", "/search?q=" + "y" * 200, "/shops/abc",
                 "/agencies/abc/apply"):
        html = page_refused(browser.get(path))
        assert "Revisa lo que has escrito" in html and '<html lang="es"' in html, path

    browser.get("/account")
    form = {"display_name": "Mei", "language": "es", "country": "XX", "currency": "EUR"}
    html = page_refused(browser.post("/account", form))
    assert "Usa un código de país de dos letras, como ES." in html
    html = page_refused(browser.post("/account", {**form, "country": "ES", "display_name": "\u200b\u202e"}))
    assert "Escribe algún carácter visible" in html
    html = page_refused(browser.post("/account", {**form, "country": "ES", "display_name": "Mei\x00"}))
    assert "Quita los caracteres de control" in html
    me = api.get("/api/v1/me", headers=user.headers).json()
    assert (me["country"], me["display_name"]) == ("ES", "Mei")

    broken = browser.client.post("/account", content=b'{"display_name": "Me', headers={
        "content-type": "application/json", "Origin": app_server.url, "X-CSRF-Token": browser.token})
    page_refused(broken)


def test_a_nul_in_a_search_is_never_a_server_error(api):
    # SQLite finds nothing; PostgreSQL cannot compare text holding NUL, and the problem names the parameter.
    response = api.get("/api/v1/shops", params={"q": "silk\x00road"})
    if response.status_code != 200:
        refused(response, "q", "no_control_chars")
