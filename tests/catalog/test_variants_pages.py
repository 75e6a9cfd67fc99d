"""The product's admin page manages its variants with plain forms: the axes, a new combination with its stock and own
price, a change of stock, a removal; a bad one is shown beside its field and changes nothing."""

from __future__ import annotations

from tests.helpers import make_product, make_shop, register
from tests.web.conftest import browser  # noqa: F401 (a fixture)


def test_a_seller_adds_changes_and_removes_variants_on_the_product_page(api, browser):  # noqa: F811
    seller = register(api, roles=["seller"])
    shop = make_shop(api, seller)
    product = make_product(api, seller, shop["id"], stock=5, price_minor=58800)
    page = browser("en")
    page.log_in(seller.email)
    path = f"/manage/products/{product['id']}"
    assert "Variants" in page.get(path).text

    assert page.post(f"{path}/axes", {"axes": "Size, Colour"}).status_code == 303
    added = page.post(f"{path}/variants", {"value_1": "M", "value_2": "Grey", "stock": "4", "price": ""})
    assert added.status_code == 303, added.text
    page.get(path)
    added = page.post(f"{path}/variants", {"value_1": "L", "value_2": "Red", "stock": "2", "price": "628.00"})
    assert added.status_code == 303, added.text
    seen = api.get(f"/api/v1/products/{product['id']}").json()
    assert seen["stock"] == 6 and [(v["label"], v["stock"], v["price_minor"]) for v in seen["variants"]] == [
        ("M / Grey", 4, None), ("L / Red", 2, 62800)]
    html = page.get(path).text
    assert "M / Grey" in html and 'value="628.00"' in html and "readonly" in html

    again = page.post(f"{path}/variants", {"value_1": "m", "value_2": "grey", "stock": "1", "price": ""})
    assert again.status_code == 422 and "This combination is already a variant." in again.text
    negative = page.post(f"{path}/variants", {"value_1": "S", "value_2": "Grey", "stock": "-3", "price": ""})
    assert negative.status_code == 422 and 'value="-3"' in negative.text
    assert api.get(f"/api/v1/products/{product['id']}").json()["stock"] == 6

    red_l = seen["variants"][1]["id"]
    page.get(path)
    assert page.post(f"{path}/variants/{red_l}", {"stock": "9", "price": "628.00", "image_id": ""}).status_code == 303
    assert api.get(f"/api/v1/products/{product['id']}").json()["stock"] == 13
    page.get(path)
    assert page.post(f"{path}/variants/{red_l}", {"remove": "1", "stock": "9", "price": ""}).status_code == 303
    seen = api.get(f"/api/v1/products/{product['id']}").json()
    assert seen["stock"] == 4 and [v["label"] for v in seen["variants"]] == ["M / Grey"]
    # The product form still saves with its stock shown (the variants' sum, read-only).
    page.get(path)
    saved = page.post(path, {"title": product["title"], "description": "", "category": "", "sku": product["sku"],
                             "price": "588", "stock": "4", "status": "active", "options": ""})
    assert saved.status_code == 303, saved.text


def test_the_shop_admin_puts_one_variant_on_a_flash_sale(api, browser):  # noqa: F811
    from datetime import datetime, timedelta, timezone

    from tests.helpers import make_show
    from tests.orders.test_variants import with_variants
    from tests.web.test_selling_pages import local

    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller)
    product = make_product(api, seller, shop["id"], title="Yak wool cardigan", stock=0, price_minor=58800)
    made = with_variants(api, seller, product["id"])
    grey_m = made["M / Grey"]
    show = make_show(api, seller, shop["id"], minutes_ahead=60)
    admin = browser()
    admin.log_in(seller.email)
    url = f"/manage/shops/{shop['id']}/flash-sales"
    form = admin.get(url).text
    assert f'value="{product["id"]}:{grey_m["id"]}"' in form and "Yak wool cardigan · M / Grey" in form
    start = datetime.now(timezone.utc) + timedelta(minutes=70)
    good = {"show_id": str(show["id"]), "product_id": f"{product['id']}:{grey_m['id']}", "sale_price": "399",
            "units": "3", "per_buyer_limit": "1", "starts_at": local(start), "duration_min": "5", "countdown_s": "10"}
    too_many = admin.post(url, {**good, "units": "5"})
    assert too_many.status_code == 422 and 'id="units-error">Not enough left in stock.' in too_many.text
    assert admin.post(url, good).status_code == 303
    sale = api.get(f"/api/v1/shows/{show['id']}/flash-sales").json()
    sale = sale["items"][0] if isinstance(sale, dict) else sale[0]
    assert (sale["variant_id"], sale["units"]) == (grey_m["id"], 3)
    variants = {v["label"]: v["stock"] for v in api.get(f"/api/v1/products/{product['id']}").json()["variants"]}
    assert variants["M / Grey"] == 1
