"""Shops and products over HTTP: create, change, list, search, paginate, convert prices, refuse bad input."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.helpers import make_product, make_shop, register, unique
from tests.helpers_db import run_sql


@pytest.fixture()
def seller(api):
    return register(api, roles=["seller"])


@pytest.fixture()
def shop(api, seller):
    return make_shop(api, seller, name="Mei's Wardrobe")


def png_bytes(size=(8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def test_seller_opens_a_shop_in_cny_by_default(api, seller):
    shop = make_shop(api, seller, city="Tianshui", description="Clothes from Gansu")
    assert shop["currency"] == "CNY" and shop["country"] == "CN"
    assert shop["members"] == [{"user_id": seller.id, "role": "owner"}]
    assert api.get(f"/api/v1/shops/{shop['id']}").json()["name"] == shop["name"]


def test_viewer_cannot_open_a_shop(api):
    viewer = register(api)
    response = api.post("/api/v1/shops", json={"name": "Nope", "city": "X", "country": "CN"}, headers=viewer.headers)
    assert response.status_code == 403


def test_product_lifecycle_and_visibility(api, seller, shop):
    draft = make_product(api, seller, shop["id"], title="Linen qipao dress", status="draft", price_minor=39900)
    assert draft["price"] == {"amount_minor": 39900, "currency": "CNY", "formatted": "CNY 399.00"}
    # A draft is invisible to the public and visible to the shop.
    assert api.get(f"/api/v1/products/{draft['id']}").status_code == 404
    assert api.get(f"/api/v1/products/{draft['id']}", headers=seller.headers).status_code == 200
    active = api.patch(f"/api/v1/products/{draft['id']}", headers=seller.headers,
                       json={"status": "active", "stock": 5, "price_minor": 35900})
    assert active.status_code == 200
    assert (active.json()["status"], active.json()["stock"], active.json()["price"]["amount_minor"]) == (
        "active", 5, 35900)
    assert api.get(f"/api/v1/products/{draft['id']}").status_code == 200
    archived = api.patch(f"/api/v1/products/{draft['id']}", headers=seller.headers, json={"status": "archived"})
    assert archived.json()["status"] == "archived"
    assert api.get(f"/api/v1/products/{draft['id']}").status_code == 404


def test_spanish_viewer_sees_eur_beside_cny(api, seller, shop):
    product = make_product(api, seller, shop["id"], price_minor=150000)
    sofia = register(api, country="ES", currency="EUR", language="es")
    seen = api.get(f"/api/v1/products/{product['id']}", headers=sofia.headers).json()
    assert seen["price"]["currency"] == "CNY" and seen["price"]["amount_minor"] == 150000
    # 1,500 CNY at 6.64 CNY and 0.86 EUR per USD is about 194.28 EUR.
    assert seen["display_price"] == {"amount_minor": 19428, "currency": "EUR", "formatted": "EUR 194.28"}
    as_usd = api.get(f"/api/v1/products/{product['id']}", params={"currency": "USD"}).json()
    assert as_usd["display_price"]["amount_minor"] == 22590  # about 226 USD
    bad = api.get(f"/api/v1/products/{product['id']}", params={"currency": "XXX"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "currency"


def test_search_filter_and_paginate(api, seller, shop):
    tag = unique("yak")
    for i in range(5):
        make_product(api, seller, shop["id"], title=f"{tag} cardigan {i}", category="knitwear")
    make_product(api, seller, shop["id"], title=f"{tag} scarf", category="scarves")
    make_product(api, seller, shop["id"], title=f"{tag} hidden", status="draft")
    page1 = api.get("/api/v1/products", params={"q": tag.upper(), "per_page": 4}).json()
    assert page1["total"] == 6 and len(page1["items"]) == 4
    page2 = api.get("/api/v1/products", params={"q": tag, "per_page": 4, "page": 2}).json()
    assert len(page2["items"]) == 2
    assert not {p["id"] for p in page1["items"]} & {p["id"] for p in page2["items"]}
    scarves = api.get("/api/v1/products", params={"q": tag, "category": "scarves"}).json()
    assert [p["title"] for p in scarves["items"]] == [f"{tag} scarf"]
    # The shop's own listing shows drafts to its members only.
    mine = api.get(f"/api/v1/shops/{shop['id']}/products", params={"q": tag}, headers=seller.headers).json()
    public = api.get(f"/api/v1/shops/{shop['id']}/products", params={"q": tag}).json()
    assert (mine["total"], public["total"]) == (7, 6)
    assert api.get(f"/api/v1/shops/{shop['id']}/products", params={"status": "draft"}).json()["total"] == 0
    wildcard = api.get("/api/v1/products", params={"q": "%"}).json()
    assert wildcard["total"] == 0  # LIKE wildcards are searched for literally


def test_shop_staff_may_edit_products_but_not_the_shop(api, seller, shop):
    staff = register(api)
    assert api.post(f"/api/v1/shops/{shop['id']}/staff", headers=seller.headers,
                    json={"email": staff.email}).status_code == 201
    product = make_product(api, staff, shop["id"])
    assert api.patch(f"/api/v1/products/{product['id']}", headers=staff.headers, json={"stock": 3}).status_code == 200
    assert api.patch(f"/api/v1/shops/{shop['id']}", headers=staff.headers, json={"city": "X"}).status_code == 403
    again = api.post(f"/api/v1/shops/{shop['id']}/staff", headers=seller.headers, json={"email": staff.email})
    assert again.status_code == 409


def count_products(app_server, shop_id: int) -> int:
    return run_sql(app_server.database_url, "SELECT count(*) FROM products WHERE shop_id = :s", s=shop_id)[0][0]


@pytest.mark.parametrize("change, field, rule", [
    ({"price_minor": -1}, "price_minor", "greater_than_equal"),
    ({"price_minor": 12.5}, "price_minor", "int_type"),
    ({"price_minor": "100"}, "price_minor", "int_type"),
    ({"currency": "ABC"}, "currency", "known_currency"),
    ({"currency": "EUR"}, "currency", "matches_shop_currency"),
    ({"title": ""}, "title", "string_too_short"),
    ({"title": "   "}, "title", "string_too_short"),
    ({"title": "x" * 201}, "title", "string_too_long"),
    ({"description": "x" * 5001}, "description", "string_too_long"),
    ({"sku": "has spaces"}, "sku", "string_pattern_mismatch"),
    ({"stock": -3}, "stock", "greater_than_equal"),
    ({"status": "sold"}, "status", "literal_error"),
])
def test_bad_product_input_is_named_and_writes_nothing(api, app_server, seller, shop, change, field, rule):
    before = count_products(app_server, shop["id"])
    body = {"title": "Scarf", "sku": unique("SKU"), "price_minor": 100, **change}
    response = api.post(f"/api/v1/shops/{shop['id']}/products", json=body, headers=seller.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {"field": field, "rule": rule} in [{"field": p["field"], "rule": p["rule"]} for p in response.json()["errors"]]
    assert count_products(app_server, shop["id"]) == before


def test_duplicate_sku_is_a_conflict(api, seller, shop):
    first = make_product(api, seller, shop["id"])
    again = api.post(f"/api/v1/shops/{shop['id']}/products", headers=seller.headers,
                     json={"title": "Again", "sku": first["sku"], "price_minor": 1})
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "sku"


def test_image_upload_is_checked_by_content_and_served(api, app_server, seller, shop):
    product = make_product(api, seller, shop["id"])
    url = f"/api/v1/products/{product['id']}/images"
    ok = api.post(url, headers=seller.headers, files={"file": ("photo.txt", png_bytes((16, 9)), "text/plain")})
    assert ok.status_code == 201, ok.text
    image = ok.json()
    assert (image["content_type"], image["width"], image["height"]) == ("image/png", 16, 9)
    served = api.get(image["url"])
    assert served.status_code == 200 and served.content == png_bytes((16, 9))
    assert api.get(f"/api/v1/products/{product['id']}").json()["images"][0]["id"] == image["id"]

    fake = api.post(url, headers=seller.headers, files={"file": ("evil.png", b"<script>alert(1)</script>", "image/png")})
    assert fake.status_code == 422 and fake.json()["errors"][0] == {
        "field": "file", "rule": "image_type", "message": "must be a JPEG, PNG, WebP or GIF image"}
    huge = b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024)
    too_big = api.post(url, headers=seller.headers, files={"file": ("big.png", huge, "image/png")})
    assert too_big.status_code == 413 and too_big.json()["errors"][0]["field"] == "file"
    assert len(api.get(f"/api/v1/products/{product['id']}").json()["images"]) == 1
    files = list((app_server.data_dir / "uploads" / "products").iterdir())
    assert image["url"].rsplit("/", 1)[1] in {f.name for f in files}

    assert api.delete(f"{url}/{image['id']}", headers=seller.headers).status_code == 204
    assert api.get(image["url"]).status_code == 404
