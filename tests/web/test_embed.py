"""The embed over HTTP and the room socket: each shop's allowed websites, their rules, the frame-ancestors policy of
the embed page, the room's Origin check per show, the settings page and the loader script."""

from __future__ import annotations

import json
import re
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.helpers import register
from tests.web.support import live_world

PAGE_DATA = re.compile(r'<script type="application/json" id="page-data">(.*?)</script>', re.S)


@pytest.fixture()
def world(api):
    return live_world(api)


def set_origins(api, actor, shop_id: int, origins: list[str]):
    return api.put(f"/api/v1/shops/{shop_id}/embed-origins", json={"origins": origins}, headers=actor.headers)


def frame_ancestors(response) -> str:
    policy = response.headers["content-security-policy"]
    return next(d.strip() for d in policy.split(";") if d.strip().startswith("frame-ancestors"))


def page_data(response) -> dict:
    return json.loads(PAGE_DATA.search(response.text).group(1))


def test_an_owner_lists_websites_normalized_and_reads_them_back(api, world):
    host, shop = world["host"], world["shop"]
    saved = set_origins(api, host, shop["id"], ["HTTPS://Shop.Example/", "https://shop.example", "",
                                                "http://localhost:8443", "https://*.example.com"])
    assert saved.status_code == 200, saved.text
    assert saved.json()["origins"] == ["https://shop.example", "http://localhost:8443", "https://*.example.com"]
    read = api.get(f"/api/v1/shops/{shop['id']}/embed-origins", headers=host.headers)
    assert read.json()["origins"] == saved.json()["origins"]
    assert set_origins(api, host, shop["id"], []).json()["origins"] == []


@pytest.mark.parametrize(("origin", "rule"), [
    ("ftp://shop.example", "origin_scheme"),
    ("shop.example", "origin_scheme"),
    ("https://shop.example/store", "origin_no_path"),
    ("https://shop.example?x=1", "origin_no_path"),
    ("https://user@shop.example", "origin_no_path"),
    ("https://shop*.example.com", "origin_wildcard"),
    ("https://*.com", "origin_wildcard"),
    ("https://sh op.example", "origin_format"),
    ("https://shop.example:99999", "origin_format"),
    ("https://" + "a" * 250 + ".example", "too_long"),
])
def test_a_bad_website_is_refused_by_its_line_and_rule_and_changes_nothing(api, world, origin, rule):
    host, shop = world["host"], world["shop"]
    assert set_origins(api, host, shop["id"], ["https://kept.example"]).status_code == 200
    refused = set_origins(api, host, shop["id"], ["https://fine.example", origin])
    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [("origins[1]", rule)]
    read = api.get(f"/api/v1/shops/{shop['id']}/embed-origins", headers=host.headers)
    assert read.json()["origins"] == ["https://kept.example"]


def test_at_most_twenty_websites_and_only_owners_change_them(api, world):
    host, shop = world["host"], world["shop"]
    many = [f"https://shop{n}.example" for n in range(21)]
    refused = set_origins(api, host, shop["id"], many)
    assert refused.status_code == 422
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [("origins", "max_origins")]
    assert set_origins(api, host, shop["id"], many[:20]).status_code == 200
    stranger = register(api, roles=["seller"])
    assert set_origins(api, stranger, shop["id"], []).status_code == 403
    assert api.get(f"/api/v1/shops/{shop['id']}/embed-origins", headers=stranger.headers).status_code == 403


def test_the_embed_may_be_framed_only_by_the_shops_websites(api, world):
    host, shop, show_id = world["host"], world["shop"], world["show"]["id"]
    plain = api.get(f"/embed/shows/{show_id}?origin=https://shop.example")
    assert frame_ancestors(plain) == "frame-ancestors 'self'"  # no list: only Livestall itself
    assert page_data(plain)["parent_origin"] is None
    assert "x-frame-options" not in plain.headers

    set_origins(api, host, shop["id"], ["https://shop.example", "https://*.brand.example"])
    listed = api.get(f"/embed/shows/{show_id}?origin=https://shop.example&cart=host&chat=false")
    assert frame_ancestors(listed) == "frame-ancestors 'self' https://shop.example https://*.brand.example"
    assert listed.headers["content-security-policy"].count("frame-ancestors") == 1
    data = page_data(listed)
    assert (data["parent_origin"], data["cart"], data["chat"]) == ("https://shop.example", "host", False)
    assert 'class="watch embed no-chat"' in listed.text
    assert page_data(api.get(f"/embed/shows/{show_id}?origin=https://eu.brand.example"))["parent_origin"] \
        == "https://eu.brand.example"
    # a page that says it is another website gets no messages: they would go to that site
    assert page_data(api.get(f"/embed/shows/{show_id}?origin=https://evil.example"))["parent_origin"] is None

    set_origins(api, host, shop["id"], ["*"])
    assert frame_ancestors(api.get(f"/embed/shows/{show_id}")) == "frame-ancestors *"
    # every other page still refuses frames
    assert frame_ancestors(api.get(f"/shows/{show_id}")) == "frame-ancestors 'none'"


def _join(url: str, origin: str | None):
    """The first frame of a room joined from `origin`, or the close (code, reason) when refused."""
    with connect(url, origin=origin, open_timeout=10) as ws:
        first = json.loads(ws.recv(timeout=10))
        if first["type"] == "snapshot":
            return first
        try:
            ws.recv(timeout=10)
        except ConnectionClosed as closed:
            return first, closed.rcvd.code, closed.rcvd.reason
    raise AssertionError("the refused socket stayed open")


def test_the_room_admits_the_shops_websites_and_names_the_refusal_for_others(api, app_server, world):
    host, shop, show_id = world["host"], world["shop"], world["show"]["id"]
    url = f"{app_server.ws_base}/ws/shows/{show_id}"
    assert _join(url, app_server.url)["type"] == "snapshot"  # the app's own pages, as always
    error, code, reason = _join(url, "https://shop.example")
    assert (error["type"], code, reason) == ("error", 4403, "origin_not_allowed")
    assert "https://shop.example" in error["message"] or error.get("field") == "origin"

    set_origins(api, host, shop["id"], ["https://shop.example", "https://*.brand.example"])
    time.sleep(5.2)  # the room keeps each show's list for 5 s
    assert _join(url, "https://shop.example")["type"] == "snapshot"
    assert _join(url, "https://eu.brand.example")["type"] == "snapshot"
    assert _join(url, "https://shop.example:8443")[1:] == (4403, "origin_not_allowed")  # another port, another site
    # another shop's show does not take this shop's list
    other = live_world(api)
    assert _join(f"{app_server.ws_base}/ws/shows/{other['show']['id']}", "https://shop.example")[1] == 4403


def test_the_settings_page_names_each_bad_line_in_the_owners_language(browser, api, world):
    host, shop = world["host"], world["shop"]
    assert api.patch("/api/v1/me", json={"language": "es"}, headers=host.headers).status_code == 200
    owner = browser("es")
    owner.client.cookies.set("livestall_session", host.token)
    page = owner.get(f"/manage/shops/{shop['id']}")
    assert f'href="/manage/shops/{shop["id"]}/embed"' in page.text
    form = owner.get(f"/manage/shops/{shop['id']}/embed")
    assert form.status_code == 200 and "/embed.js" in form.text
    refused = owner.post(f"/manage/shops/{shop['id']}/embed",
                         {"origins": "https://shop.example\nhttps://shop.example/tienda\nftp://x.example"})
    assert refused.status_code == 422
    errors = re.search(r'data-origin-errors>(.*?)</div>', refused.text, re.S).group(1)
    assert "Línea 2 (https://shop.example/tienda)" in errors and "Línea 3 (ftp://x.example)" in errors
    assert "https://shop.example/tienda" in refused.text  # what was typed stays in the box
    assert api.get(f"/api/v1/shops/{shop['id']}/embed-origins", headers=host.headers).json()["origins"] == []

    saved = owner.post(f"/manage/shops/{shop['id']}/embed", {"origins": "https://shop.example\n\nhttps://b.example"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("/embed?saved=1")
    assert api.get(f"/api/v1/shops/{shop['id']}/embed-origins", headers=host.headers).json()["origins"] \
        == ["https://shop.example", "https://b.example"]
    assert "https://b.example" in owner.get(f"/manage/shops/{shop['id']}/embed?saved=1").text


def test_the_loader_is_served_at_a_stable_address(api):
    loader = api.get("/embed.js")
    assert loader.status_code == 200
    assert loader.headers["content-type"].startswith("text/javascript")
    assert "/embed/shows/" in loader.text and "postMessage" in loader.text and '"*"' not in loader.text
