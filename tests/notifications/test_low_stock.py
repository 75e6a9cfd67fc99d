"""Low-stock alerts: a sale that brings a variant's stock (or a product's, without variants) to the threshold (3) or
below tells the shop's owner and staff once per crossing, in the feed and by email in each one's language; selling on
below the line tells nobody again, and a restock arms the next alert. One app with a real SMTP server
(tests/notifications/conftest.py); the catalogue is put in with a Shopify CSV."""

from __future__ import annotations

import csv
import io

import pytest

from tests.helpers import make_show, register
from tests.notifications.support import wait_until
from tests.notifications.test_personal_notifications import about, mails_to, subject
from tests.orders.support import buy

HEADER = ["Handle", "Title", "Option1 Name", "Option1 Value", "Variant SKU", "Variant Inventory Qty", "Variant Price"]


def catalogue(scarf_s: int, scarf_m: int, mug: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([HEADER, ["wool-scarf", "Wool scarf", "Size", "S", "SCARF-S", scarf_s, "128"],
                      ["wool-scarf", "", "", "M", "SCARF-M", scarf_m, "128"],
                      ["clay-mug", "Clay mug", "Title", "Default Title", "MUG", mug, "45"]])
    return out.getvalue().encode()


@pytest.fixture()
def shop(channels_api):
    """A shop (owner in English, staff in French) selling a scarf in two sizes and a mug, live, both pinned."""
    api = channels_api
    owner = register(api, roles=["seller", "host"], language="en")
    staff = register(api, language="fr")
    shop = api.post("/api/v1/shops", json={"name": "Tianshui Wool", "city": "Tianshui", "country": "CN"},
                    headers=owner.headers).json()
    assert api.post(f"/api/v1/shops/{shop['id']}/staff", json={"email": staff.email},
                    headers=owner.headers).status_code == 201
    world = {"owner": owner, "staff": staff, "shop": shop}
    restock(api, world, scarf_s=5, scarf_m=10, mug=4)
    products = api.get(f"/api/v1/shops/{shop['id']}/products", headers=owner.headers).json()["items"]
    world["product"] = {p["sku"]: p["id"] for p in products}
    show = make_show(api, owner, shop["id"])
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=owner.headers).status_code == 200
    assert api.put(f"/api/v1/shows/{show['id']}/pins", headers=owner.headers,
                   json={"product_ids": list(world["product"].values())}).status_code == 200
    return {**world, "show": show, "buyer": register(api)}


def restock(api, world, **stock) -> None:
    response = api.post(f"/api/v1/shops/{world['shop']['id']}/products/import", headers=world["owner"].headers,
                        files={"file": ("stock.csv", catalogue(**stock))})
    assert response.status_code == 200, response.text


def sell(api, world, sku: str, quantity: int = 1, **body) -> None:
    response = buy(api, world["buyer"], world["show"]["id"], world["product"][sku], quantity=quantity, **body)
    assert response.status_code == 201, response.text


def alerts(api, user, product_id: int) -> list[dict]:
    return [n for n in about(api, user, "low_stock") if n["data"]["product_id"] == product_id]


def test_a_variant_reaching_the_threshold_tells_owner_and_staff_once_per_crossing(channels_api, mailbox, shop):
    api, box = channels_api, mailbox[0]
    scarf = shop["product"]["wool-scarf"]
    sell(api, shop, "wool-scarf", options={"Size": "S"})  # 5 → 4: above the line
    assert alerts(api, shop["owner"], scarf) == []
    sell(api, shop, "wool-scarf", options={"Size": "S"})  # 4 → 3: crosses it
    sell(api, shop, "wool-scarf", options={"Size": "S"})  # 3 → 2: already below, nobody told again
    sell(api, shop, "wool-scarf", options={"Size": "M"}, quantity=2)  # M: 10 → 8, far from it
    for user in (shop["owner"], shop["staff"]):
        told = alerts(api, user, scarf)
        assert len(told) == 1, told
        data = told[0]["data"]
        assert (data["sku"], data["units_left"], data["threshold"]) == ("SCARF-S", 3, 3)
    assert about(api, shop["buyer"], "low_stock") == []

    owner_mail = wait_until(lambda: [m for m in mails_to(box, shop["owner"]) if "Low stock" in subject(m)])
    assert [subject(m) for m in owner_mail] == ["Low stock: Wool scarf (S), 3 left"]
    staff_mail = wait_until(lambda: [m for m in mails_to(box, shop["staff"]) if "Stock bas" in subject(m)])
    assert [subject(m) for m in staff_mail] == ["Stock bas : Wool scarf (S), il en reste 3"]

    restock(api, shop, scarf_s=10, scarf_m=8, mug=4)  # above the line again: the next crossing tells again
    sell(api, shop, "wool-scarf", options={"Size": "S"}, quantity=8)  # 10 → 2 in one sale
    told = alerts(api, shop["owner"], scarf)
    assert [n["data"]["units_left"] for n in told] == [2, 3]  # newest first
    assert wait_until(lambda: len([m for m in mails_to(box, shop["owner"]) if "Low stock" in subject(m)]) == 2)


def test_a_product_without_variants_has_its_own_alert(channels_api, shop):
    api = channels_api
    mug = shop["product"]["MUG"]
    sell(api, shop, "MUG")  # 4 → 3
    told = alerts(api, shop["owner"], mug)
    assert len(told) == 1 and told[0]["data"]["item"] == "Clay mug" and told[0]["data"]["variant_id"] is None
    assert told[0]["data"]["path"] == f"/manage/products/{mug}"
    sell(api, shop, "MUG")  # 3 → 2
    assert len(alerts(api, shop["owner"], mug)) == 1
