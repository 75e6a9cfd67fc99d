"""Selling outside a live show, over HTTP: the product page, the shop page's buy buttons, the offers the buy sheet
reads, and the shop admin scheduling a flash sale with its errors by field."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from tests.helpers import make_product, make_shop, make_show, register, unique


def local(moment: datetime) -> str:
    """A datetime-local value (the page's time zone is UTC until the browser tells another)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M")


def seller_with_product(api, **fields):
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller, name=unique("Wardrobe"))
    product = make_product(api, seller, shop["id"], **{"title": "Yak wool cardigan", "price_minor": 58800,
                                                       "stock": 3, "options": ["S", "M"], **fields})
    return seller, shop, product


def test_the_product_page_shows_price_options_stock_and_the_shows_featuring_it(api, browser):
    seller, shop, product = seller_with_product(api, description="Warm.\nHand-made in Tianshui.")
    featuring = make_show(api, seller, shop["id"], title=unique("Wool night"), minutes_ahead=30)
    other = make_show(api, seller, shop["id"], title=unique("Silk night"), minutes_ahead=40)
    sale = api.post(f"/api/v1/shows/{featuring['id']}/flash-sales", headers=seller.headers, json={
        "product_id": product["id"], "starts_at": (datetime.now(timezone.utc) + timedelta(minutes=31)).isoformat(),
        "duration_s": 300, "sale_price_minor": 30000, "units": 1})
    assert sale.status_code == 201, sale.text
    visitor = browser()
    page = visitor.get(f"/products/{product['id']}")
    assert page.status_code == 200
    html = page.text
    assert "Yak wool cardigan" in html and "Hand-made in Tianshui." in html and "CN¥588.00" in html
    assert 'data-stock-for="{0}">Only 2 left<'.format(product["id"]) in html  # one unit went to the flash sale
    assert '<li class="chip">S</li>' in html and f'data-buy-product="{product["id"]}"' in html
    assert featuring["title"] in html and other["title"] not in html
    assert f'href="/shops/{shop["id"]}"' in html
    spanish = browser("es").get(f"/products/{product['id']}").text
    assert "Solo quedan 2" in spanish


def test_sold_out_draft_and_archived_products(api, browser):
    seller, shop, product = seller_with_product(api, stock=0)
    html = browser().get(f"/products/{product['id']}").text
    assert ">Sold out<" in html and re.search(rf'data-buy-product="{product["id"]}" disabled', html)
    draft = make_product(api, seller, shop["id"], status="draft")
    assert browser().get(f"/products/{draft['id']}").status_code == 404
    assert api.get("/products/offers", params={"ids": f"{draft['id']},{product['id']}"}).json()["items"][0][
        "product_id"] == product["id"]  # a draft is not offered
    bad = api.get("/products/offers", params={"ids": "1,x"}, headers={"Accept": "application/json"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ids"


def test_the_shop_page_lists_products_with_prices_and_buy_buttons(api, browser):
    _, shop, product = seller_with_product(api)
    html = browser().get(f"/shops/{shop['id']}").text
    card = html.split(f'id="product-{product["id"]}"', 1)[1].split("</article>", 1)[0]
    assert f'href="/products/{product["id"]}"' in card and "CN¥588.00" in card and "Only 3 left" in card
    assert f'data-buy-product="{product["id"]}"' in card and "data-buy-sheet" in html
    offer = api.get("/products/offers", params={"ids": str(product["id"])}).json()["items"][0]
    assert offer["price"] == {"amount_minor": 58800, "currency": "CNY", "formatted": offer["price"]["formatted"]}
    assert offer["options"] == ["S", "M"] and offer["stock"] == 3 and "EUR" in offer["display_prices"]


def test_the_shop_admin_schedules_a_flash_sale_with_errors_by_field(api, browser):
    seller, shop, product = seller_with_product(api, stock=10)
    show = make_show(api, seller, shop["id"], title=unique("Wool night"), minutes_ahead=60)
    admin = browser()
    admin.log_in(seller.email)
    assert f'/manage/shops/{shop["id"]}/flash-sales?show={show["id"]}' in admin.get(f"/manage/shops/{shop['id']}").text
    form = admin.get(f"/manage/shops/{shop['id']}/flash-sales?show={show['id']}").text
    assert f'<option value="{show["id"]}" selected>' in form
    url = f"/manage/shops/{shop['id']}/flash-sales"
    start = datetime.now(timezone.utc) + timedelta(minutes=70)
    good = {"show_id": str(show["id"]), "product_id": str(product["id"]), "sale_price": "399",
            "units": "4", "per_buyer_limit": "2", "starts_at": local(start), "duration_min": "5", "countdown_s": "10"}

    empty = admin.post(url, {"show_id": "", "product_id": "", "sale_price": "", "units": "", "starts_at": ""})
    assert empty.status_code == 422
    for name in ("show_id", "product_id", "sale_price", "units", "starts_at"):
        assert f'id="{name}-error"' in empty.text, name
    bad = admin.post(url, {**good, "sale_price": "3.999", "units": "0", "per_buyer_limit": "x",
                           "duration_min": "30"})
    assert bad.status_code == 422
    assert 'id="sale_price-error">Enter an amount such as 12.50.' in bad.text
    assert 'id="units-error">This number is too small.' in bad.text
    assert 'id="per_buyer_limit-error">Enter a whole number.' in bad.text
    assert 'id="duration_min-error">This number is too large.' in bad.text
    early = admin.post(url, {**good, "starts_at": local(start - timedelta(minutes=30))})
    assert 'id="starts_at-error">Pick a start at or after the show&#39;s start.' in early.text
    too_many = admin.post(url, {**good, "units": "11"})
    assert too_many.status_code == 422 and 'id="units-error">Not enough left in stock.' in too_many.text
    stranger_shop = make_shop(api, register(api, roles=["seller"]))
    assert admin.post(f"/manage/shops/{stranger_shop['id']}/flash-sales", good).status_code == 403
    assert api.get(f"/api/v1/shows/{show['id']}/flash-sales").json() == []
    assert api.get(f"/api/v1/products/{product['id']}").json()["stock"] == 10

    made = admin.post(url, good)
    assert made.status_code == 303, made.text
    sales = api.get(f"/api/v1/shows/{show['id']}/flash-sales").json()
    assert [(s["product_id"], s["sale_price"]["amount_minor"], s["units"], s["per_buyer_limit"], s["countdown_s"])
            for s in sales] == [(product["id"], 39900, 4, 2, 10)]
    assert sales[0]["starts_at"].startswith(start.strftime("%Y-%m-%dT%H:%M"))
    listed = admin.get(made.headers["location"]).text
    assert "Flash sale scheduled." in listed and f'data-flash-sale="{sales[0]["id"]}"' in listed
    overlap = admin.post(url, good)
    assert 'id="starts_at-error">This product already has a flash sale at that time.' in overlap.text
