"""The shop's "Import and export products" page: on a 390x844 touch phone in Chromium a seller uploads a CSV with
mistakes and reads each problem by line and column in their language, nothing imported; then imports the good
products only; over HTTP the page's link from the shop, its download, and a Spanish report."""

from __future__ import annotations

import httpx
import pytest

from tests.catalog.csv_files import sheet
from tests.helpers import make_shop, register
from tests.web.conftest import DESKTOP, PHONE, chromium, screenshot  # noqa: F401  (the module's Chromium, screenshots)
from tests.web.support import Browser, logged_in_page, until

BAD_ROWS = [
    {"Handle": "wool-scarf", "Title": "Hand-knitted wool scarf", "Option1 Name": "Size", "Option1 Value": "S",
     "Variant SKU": "SCARF-S", "Variant Inventory Qty": "3", "Variant Price": "twelve"},
    {"Handle": "wool-scarf", "Option1 Value": "M", "Variant SKU": "SCARF-M", "Variant Inventory Qty": "-2",
     "Variant Price": "128"},
    {"Handle": "clay-mug", "Title": "Clay mug", "Variant SKU": "MUG", "Variant Inventory Qty": "12",
     "Variant Price": "45"},
]


@pytest.fixture()
def seller(api):
    owner = register(api, roles=["seller"], language="en")  # the pages speak the profile's language
    return {"owner": owner, "shop": make_shop(api, owner)}


def products_of(api, seller) -> list[str]:
    listed = api.get(f"/api/v1/shops/{seller['shop']['id']}/products", headers=seller["owner"].headers)
    return sorted(p["sku"] for p in listed.json()["items"])


def test_a_phone_uploads_a_csv_and_reads_the_problems_then_imports_the_good_products(
        chromium, app_server, api, seller, screenshot, tmp_path):  # noqa: F811
    path = tmp_path / "products.csv"
    path.write_bytes(sheet(BAD_ROWS))
    context, page = logged_in_page(chromium, app_server.url, seller["owner"],
                                   f"/manage/shops/{seller['shop']['id']}", **PHONE)
    try:
        page.locator("[data-catalog-io]").tap()
        until(page, "!!document.querySelector('[data-import-form]')")
        page.set_input_files("input[name=file]", str(path))
        until(page, "document.querySelector('[data-file-chosen]').textContent.includes('products.csv')")
        page.locator("[data-import-button]").tap()
        until(page, "!!document.querySelector('[data-problems]')")
        problems = page.locator("[data-problems] li")
        found = {(problems.nth(i).get_attribute("data-line"), problems.nth(i).get_attribute("data-column"),
                  problems.nth(i).get_attribute("data-rule")) for i in range(problems.count())}
        assert found == {("2", "Variant Price", "money_format"), ("3", "Variant Inventory Qty", "non_negative")}
        assert "Not a price: write it like 12.50." in page.locator("[data-problems]").inner_text()
        assert "Nothing was imported" in page.locator("[data-import-report]").inner_text()
        # Fits the phone: nothing wider than the screen, the report at the top of the view.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = page.locator("[data-import-report]").bounding_box()
        assert box["width"] <= 390 and box["y"] < 844
        screenshot(page, "catalog-import-problems-phone")
        assert products_of(api, seller) == []

        page.set_input_files("input[name=file]", str(path))
        page.locator("input[name=partial]").tap()
        page.locator("[data-import-button]").tap()
        until(page, "document.querySelector('[data-import-report]')?.dataset.state === 'imported'")
        assert "Clay mug" in page.locator("[data-imported]").inner_text()
        assert "wool-scarf" in page.locator("[data-skipped]").inner_text()
        assert products_of(api, seller) == ["MUG"]
        screenshot(page, "catalog-import-partial-phone")
        assert page.errors == []
    finally:
        context.close()
    context, page = logged_in_page(chromium, app_server.url, seller["owner"],
                                   f"/manage/shops/{seller['shop']['id']}/catalog", **DESKTOP)
    try:
        assert page.locator("[data-export]").is_visible() and page.locator("[data-import-button]").is_visible()
        screenshot(page, "catalog-io-desktop")
    finally:
        context.close()
    arabic = register(api, roles=["seller"], language="ar")
    shop = make_shop(api, arabic)
    context, page = logged_in_page(chromium, app_server.url, arabic, f"/manage/shops/{shop['id']}/catalog", **PHONE)
    try:  # right to left, and still no wider than the phone
        page.set_input_files("input[name=file]", str(path))
        page.locator("[data-import-button]").tap()
        until(page, "!!document.querySelector('[data-problems]')")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert "لم يُستورد أي شيء" in page.locator("[data-import-report]").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "catalog-import-problems-phone-ar")
    finally:
        context.close()


def test_the_page_over_http_in_spanish_and_its_download(app_server, api):
    owner = register(api, roles=["seller"], language="es")
    seller = {"owner": owner, "shop": make_shop(api, owner)}
    client = Browser(app_server.url, language="es")
    try:
        client.log_in(seller["owner"].email)
        shop_id = seller["shop"]["id"]
        shop_page = client.get(f"/manage/shops/{shop_id}")
        assert f'href="/manage/shops/{shop_id}/catalog"' in shop_page.text
        form = client.get(f"/manage/shops/{shop_id}/catalog")
        assert form.status_code == 200 and f'href="/api/v1/shops/{shop_id}/products.csv"' in form.text
        posted = client.post(f"/manage/shops/{shop_id}/catalog", files={"file": ("p.csv", sheet(BAD_ROWS))})
        assert posted.status_code == 422
        assert 'data-rule="money_format"' in posted.text and "Nada se importó" in posted.text
        no_file = client.post(f"/manage/shops/{shop_id}/catalog", {"partial": "on"})
        assert no_file.status_code == 422 and "data-file-error" in no_file.text and "Rellene este campo." in no_file.text
        forged = client.post(f"/manage/shops/{shop_id}/catalog", files={"file": ("p.csv", sheet(BAD_ROWS[2:]))},
                             token=False)
        assert forged.status_code == 403
        good = client.post(f"/manage/shops/{shop_id}/catalog", files={"file": ("p.csv", sheet(BAD_ROWS[2:]))})
        assert good.status_code == 200 and 'data-state="imported"' in good.text
        download = client.get(f"/api/v1/shops/{shop_id}/products.csv")
        assert download.status_code == 200 and "MUG" in download.text
        assert download.headers["content-disposition"].startswith("attachment")
    finally:
        client.close()
    stranger = register(api, roles=["seller"])
    context_free = httpx.get(f"{app_server.url}/manage/shops/{shop_id}/catalog", headers=stranger.headers)
    assert context_free.status_code == 403
