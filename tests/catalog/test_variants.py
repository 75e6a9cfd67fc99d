"""A product's option axes and variants over HTTP: each combination with its own stock, price and image; the product's
stock always their sum; every bad input named by field and rule, changing nothing."""

from __future__ import annotations

import pytest

from tests.helpers import make_product, make_shop, register


def product_with_axes(api, axes=("Size", "Colour"), **fields):
    seller = register(api, roles=["seller"])
    shop = make_shop(api, seller)
    product = make_product(api, seller, shop["id"], stock=7, **fields)
    response = api.put(f"/api/v1/products/{product['id']}/option-axes", json={"axes": list(axes)},
                       headers=seller.headers)
    assert response.status_code == 200, response.text
    return seller, response.json()


def add(api, seller, product_id, options, **fields):
    return api.post(f"/api/v1/products/{product_id}/variants", json={"options": options, **fields},
                    headers=seller.headers)


def product_of(api, product_id):
    return api.get(f"/api/v1/products/{product_id}").json()


def refused(response, status, field, rule):
    assert response.status_code == status, response.text
    problem = response.json()["errors"][0]
    assert (problem["field"], problem["rule"]) == (field, rule), problem


def test_variants_keep_the_product_stock_their_sum(api):
    seller, product = product_with_axes(api, price_minor=12800)
    assert product["option_axes"] == ["Size", "Colour"] and product["variants"] == []
    grey_m = add(api, seller, product["id"], {"Size": "M", "Colour": "Grey"}, stock=4)
    assert grey_m.status_code == 201, grey_m.text
    grey_m = grey_m.json()
    assert grey_m["options"] == {"Size": "M", "Colour": "Grey"} and grey_m["label"] == "M / Grey"
    assert grey_m["sku"] == f"{product['sku']}-1"
    # The first variant's stock replaces the units the product counted alone (7).
    assert product_of(api, product["id"])["stock"] == 4
    red_l = add(api, seller, product["id"], {"size": "L", "colour": "Red"}, stock=0, price_minor=13800,
                sku="CARD-RED-L").json()
    assert red_l["options"] == {"Size": "L", "Colour": "Red"} and red_l["price_minor"] == 13800
    changed = api.patch(f"/api/v1/products/{product['id']}/variants/{red_l['id']}", json={"stock": 6},
                        headers=seller.headers)
    assert changed.status_code == 200 and changed.json()["stock"] == 6
    seen = product_of(api, product["id"])
    assert seen["stock"] == 10 and [v["label"] for v in seen["variants"]] == ["M / Grey", "L / Red"]
    listed = api.get(f"/api/v1/products/{product['id']}/variants").json()
    assert [v["stock"] for v in listed] == [4, 6]
    # Back to the product's price; then the variant goes, and its units with it.
    back = api.patch(f"/api/v1/products/{product['id']}/variants/{red_l['id']}", json={"price_minor": None},
                     headers=seller.headers).json()
    assert back["price_minor"] is None
    gone = api.delete(f"/api/v1/products/{product['id']}/variants/{red_l['id']}", headers=seller.headers)
    assert gone.status_code == 204
    assert product_of(api, product["id"])["stock"] == 4
    # The product's own stock is its variants' to set now.
    refused(api.patch(f"/api/v1/products/{product['id']}", json={"stock": 50}, headers=seller.headers),
            409, "stock", "set_on_variants")
    # Renaming an axis is fine; adding one while variants exist is not.
    renamed = api.put(f"/api/v1/products/{product['id']}/option-axes", json={"axes": ["Size", "Color"]},
                      headers=seller.headers)
    assert renamed.status_code == 200 and renamed.json()["variants"][0]["options"] == {"Size": "M", "Color": "Grey"}
    refused(api.put(f"/api/v1/products/{product['id']}/option-axes", json={"axes": ["Size", "Color", "Fit"]},
                    headers=seller.headers), 409, "option_axes", "same_count_with_variants")


def test_a_variant_image_is_one_of_the_product_images(api):
    seller, product = product_with_axes(api, axes=("Size",))
    refused(add(api, seller, product["id"], {"Size": "S"}, image_id=999999), 422, "image_id", "image_of_product")


@pytest.fixture(scope="module")
def shared(app_server):
    import httpx
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        seller, product = product_with_axes(client)
        made = add(client, seller, product["id"], {"Size": "M", "Colour": "Grey"}, stock=4, sku="GREY-M")
        assert made.status_code == 201, made.text
        return seller, product


@pytest.mark.parametrize("body, status, field, rule", [
    ({"options": {"Size": "M", "Colour": "grey"}}, 409, "options", "unique_combination"),
    ({"options": {"Size": "S", "Colour": "Grey", "Fabric": "Wool"}}, 422, "options", "known_axis"),
    ({"options": {"Size": "S"}}, 422, "options", "all_axes"),
    ({"options": {"Size": "S", "Colour": "Grey"}, "stock": -1}, 422, "stock", "greater_than_equal"),
    ({"options": {"Size": "S", "Colour": "Grey"}, "price_minor": -5}, 422, "price_minor", "greater_than_equal"),
    ({"options": {"Size": "S", "Colour": "Grey"}, "sku": "GREY-M"}, 409, "sku", "unique_in_product"),
    ({"options": {"Size": "S", "Colour": "x" * 41}}, 422, "options.Colour", "string_too_long"),
])
def test_bad_variants_are_named_and_change_nothing(api, shared, body, status, field, rule):
    seller, product = shared
    response = api.post(f"/api/v1/products/{product['id']}/variants", json=body, headers=seller.headers)
    assert response.status_code == status, response.text
    problem = response.json()["errors"][0]
    assert problem["field"] == field and problem["rule"] == rule, problem
    seen = product_of(api, product["id"])
    assert len(seen["variants"]) == 1 and seen["stock"] == 4


@pytest.mark.parametrize("axes, status, rule", [
    (["Size", "Colour", "Fit", "Sleeve"], 422, "too_long"),
    (["Size", "size"], 422, "unique"),
])
def test_bad_axes_are_named(api, axes, status, rule):
    seller, product = product_with_axes(api, axes=("Size",))
    response = api.put(f"/api/v1/products/{product['id']}/option-axes", json={"axes": axes}, headers=seller.headers)
    assert response.status_code == status, response.text
    problem = response.json()["errors"][0]
    assert problem["field"].split(".")[-1] in ("axes", "option_axes") and problem["rule"] == rule, problem
    assert product_of(api, product["id"])["option_axes"] == ["Size"]


def test_only_the_shop_changes_its_variants(api, shared):
    seller, product = shared
    stranger = register(api)
    response = add(api, stranger, product["id"], {"Size": "S", "Colour": "Red"}, stock=1)
    assert response.status_code == 403
    assert len(product_of(api, product["id"])["variants"]) == 1
