"""The operator's pages: the console (users, a wallet top-up, a refund, the books check in words), festival setup,
and the dashboard's chart axes; over HTTP and in Chromium on a phone and a desktop."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from starlette.requests import Request

from livestall.ledger.check import LedgerReport
from livestall.web.i18n import Localizer, translations
from livestall.web.templating import environment, gettext_callables
from tests.festivals.support import fund, make_festival, wallet_balance
from tests.helpers import make_product, register, unique
from tests.helpers_db import make_operator, run_sql
from tests.orders.support import buy, live_shop, top_up
from tests.web.conftest import chromium, screenshot  # noqa: F401
from tests.web.support import logged_in_page, until

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
BALANCED = re.compile(r"^The books balance: [\d,]+ transfers?, every account sums to zero\.$")


@pytest.fixture(scope="module")
def api(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        yield client


# Made before the module's Chromium starts (tests name it first): the database helpers run their own event loop.
@pytest.fixture(scope="module")
def world(api, app_server):
    operator = make_operator(api, app_server.database_url)
    operador = make_operator(api, app_server.database_url)  # reads the pages in Spanish, their profile's language
    run_sql(app_server.database_url, "UPDATE users SET language = 'es' WHERE id = :id", id=operador.id)
    arabic = make_operator(api, app_server.database_url)
    run_sql(app_server.database_url, "UPDATE users SET language = 'ar' WHERE id = :id", id=arabic.id)
    shop = live_shop(api, price_minor=4200)
    buyer = register(api, display_name=unique("Buyer"))
    top_up(api, app_server.database_url, buyer, 10_000)
    return {"operator": operator, "operador": operador, "arabic": arabic, "buyer": buyer,
            "viewer": register(api, display_name=unique("Viewer")),
            "shop": shop, "seller": shop["seller"]}


def local(seconds: float) -> str:
    """A datetime-local value `seconds` from now (the pages read it as UTC here: no time zone cookie)."""
    return (datetime.now(timezone.utc) + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M")


def error_of(html: str, name: str) -> str:
    found = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


# -- who gets in --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/operator", "/operator/ledger", "/festivals/new"])
def test_a_visitor_is_sent_to_log_in_and_a_viewer_is_refused(world, browser, path):
    visitor = browser()
    response = visitor.get(path)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    viewer = browser()
    viewer.log_in(world["seller"].email)  # a seller running a shop is no operator either
    refused = viewer.get(path)
    assert refused.status_code == 403 and "Not allowed" in refused.text
    assert 'href="/operator"' not in refused.text


def test_a_viewer_cannot_top_up_even_with_a_good_token(world, api, browser):
    viewer = browser()
    viewer.log_in(world["viewer"].email)
    viewer.get("/account")
    response = viewer.post(f"/operator/users/{world['viewer'].id}/topups",
                           {"amount": "1000", "currency": "CNY", "reference": "me", "key": "a" * 32})
    assert response.status_code == 403
    assert wallet_balance(api, world["viewer"]) == 0


def test_forms_need_their_token(world, browser):
    operator = browser()
    operator.log_in(world["operator"].email)
    response = operator.post(f"/operator/users/{world['viewer'].id}/topups",
                             {"amount": "10", "currency": "CNY", "reference": "cash"}, token=False)
    assert response.status_code == 403
    page = operator.get(f"/operator/users/{world['viewer'].id}")
    assert page.text.count('name="csrf_token"') >= 3  # log out, language, top-up


# -- the console over HTTP ----------------------------------------------------------------------

def test_users_are_found_by_email_or_name_a_page_at_a_time(world, api, browser):
    tag = unique("zq").lower()
    made = [register(api, display_name=f"Ana {tag} {i}", email=f"{tag}-{i}@example.com") for i in range(27)]
    operator = browser()
    operator.log_in(world["operator"].email)
    first = operator.get(f"/operator?q={tag.upper()}")
    assert first.status_code == 200 and "27 users match" in first.text
    ids = re.findall(r'data-user-id="(\d+)"', first.text)
    assert len(ids) == 25 and ids[0] == str(made[-1].id)  # newest first
    second = operator.get(f"/operator?q={tag}&p=2")
    assert re.findall(r'data-user-id="(\d+)"', second.text) == [str(made[1].id), str(made[0].id)]
    by_email = operator.get(f"/operator?q={made[3].email}")
    assert re.findall(r'data-user-id="(\d+)"', by_email.text) == [str(made[3].id)]
    assert "No user matches" in operator.get("/operator?q=nobody-by-this-name-at-all").text


def test_a_top_up_converts_major_units_once_and_refuses_bad_input_by_field(world, api, browser, app_server):
    person = register(api)
    operator = browser("es")
    operator.log_in(world["operador"].email)
    page = operator.get(f"/operator/users/{person.id}")
    key = re.search(r'name="key" value="(\w+)"', page.text).group(1)
    bad = operator.post(f"/operator/users/{person.id}/topups", {"amount": "12,x", "currency": "CNY", "reference": "",
                                                                "key": key})
    assert bad.status_code == 422
    assert error_of(bad.text, "amount") == "Escribe un importe como 12,50."
    assert error_of(bad.text, "reference") == "Este campo es obligatorio."
    too_fine = operator.post(f"/operator/users/{person.id}/topups",
                             {"amount": "1.005", "currency": "CNY", "reference": "cash", "key": key})
    assert too_fine.status_code == 422 and error_of(too_fine.text, "amount")
    assert wallet_balance(api, person) == 0
    form = {"amount": "1 250,5", "currency": "CNY", "reference": "Bank transfer #8812", "key": key}
    for _ in range(2):  # a double tap: one transfer
        done = operator.post(f"/operator/users/{person.id}/topups", form)
        assert done.status_code == 303, done.text
    assert wallet_balance(api, person) == 125_050
    shown = operator.get(done.headers["location"])
    assert "1250,50" in shown.text.replace("\u00a0", "").replace(".", "") and "Bank transfer #8812" in shown.text
    again = operator.post(f"/operator/users/{person.id}/topups", {**form, "amount": "5"})
    assert again.status_code == 422 and wallet_balance(api, person) == 125_050  # the same form, another amount
    ok = api.get("/api/v1/ledger/check", headers=world["operator"].headers).json()
    assert ok["ok"], ok["problems"]


def test_a_refund_asks_first_then_gives_the_money_back(world, api, browser):
    shop = world["shop"]
    buyer = world["buyer"]
    paid = buy(api, buyer, shop["show"]["id"], shop["product"]["id"], pay_with="wallet").json()
    assert paid["status"] == "paid"
    before = wallet_balance(api, buyer)
    operator = browser()
    operator.log_in(world["operator"].email)
    user_page = operator.get(f"/operator/users/{buyer.id}")
    assert f'href="/operator/orders/{paid["id"]}/refund"' in user_page.text
    confirm = operator.get(f"/operator/orders/{paid['id']}/refund")
    assert confirm.status_code == 200 and "CN¥42.00 goes back to the buyer" in confirm.text
    assert wallet_balance(api, buyer) == before  # asking changes nothing
    done = operator.post(f"/operator/orders/{paid['id']}/refund")
    assert done.status_code == 303 and done.headers["location"].startswith(f"/operator/users/{buyer.id}")
    assert wallet_balance(api, buyer) == before + 4200
    order = api.get(f"/api/v1/orders/{paid['id']}", headers=buyer.headers).json()
    assert order["status"] == "cancelled"
    twice = operator.post(f"/operator/orders/{paid['id']}/refund")
    assert twice.status_code == 409 and "cannot be refunded: it is Cancelled" in twice.text
    assert wallet_balance(api, buyer) == before + 4200


def test_the_ledger_check_lists_each_problem_as_a_sentence():
    report = LedgerReport(transfers=12_345, entries=30_000, accounts=40, orders_checked=900)
    report.add("account 7 (shop_revenue shop:3 CNY) is below zero: -500")
    report.add("transfer 9 (order:4) does not balance: 1 entries summing to 10 in CNY..CNY")
    request = Request({"type": "http", "method": "GET", "path": "/operator/ledger", "query_string": b"", "headers": []})
    values = {"report": report, "l10n": Localizer("fr"), "user": None, "request": request, "csrf_token": "t",
              "languages": [], "language_names": {}, "path": "/", "lang": "fr", "dir": "ltr", "js_messages": {},
              **gettext_callables(translations("fr"))}
    html = environment().get_template("operator/ledger.html").render(values)
    assert "Les comptes ne sont pas équilibrés : 2 problèmes trouvés." in html.replace("\u202f", " ").replace(
        "\u00a0", " ")
    items = re.findall(r"<li>(.*?)</li>", html.split("data-problems")[1].split("</ol>")[0])
    assert items == ["Account 7 (shop_revenue shop:3 CNY) is below zero: -500.",
                     "Transfer 9 (order:4) does not balance: 1 entries summing to 10 in CNY..CNY."]


# -- festivals over HTTP ------------------------------------------------------------------------

def test_festival_errors_show_by_their_field_in_the_page_language_and_change_nothing(world, api, browser):
    operator = browser("es")
    operator.log_in(world["operador"].email)
    operator.get("/festivals/new")
    name = unique("Fiesta")
    response = operator.post("/festivals/new", {"name": name, "starts_at": local(7200), "ends_at": local(3600),
                                                "shops": "12, x"})
    assert response.status_code == 422
    assert error_of(response.text, "shops") == "Escribe números de tienda separados por comas, como 12, 15."
    response = operator.post("/festivals/new", {"name": name, "starts_at": local(7200), "ends_at": local(3600),
                                                "shops": str(world["shop"]["shop"]["id"])})
    assert error_of(response.text, "ends_at") == "El final debe ser posterior al inicio."
    response = operator.post("/festivals/new", {"name": "", "starts_at": "", "ends_at": local(3600)})
    assert error_of(response.text, "starts_at") == "Elige una fecha y una hora."
    listed = api.get("/api/v1/festivals", params={"include_ended": True}).json()["items"]
    assert name not in [f["name"] for f in listed]


def test_the_operator_sets_up_prices_and_vouchers_with_errors_by_field(world, api, browser):
    shop, seller = world["shop"]["shop"], world["seller"]
    festival = make_festival(api, world["operator"], [shop["id"]], name=unique("Double 11"))
    other = make_product(api, seller, shop["id"], price_minor=10_000)
    operator = browser()
    operator.log_in(world["operator"].email)
    base = f"/festivals/{festival['id']}"
    operator.get(f"{base}/edit")
    above = operator.post(f"{base}/prices", {"product_id": str(other["id"]), "price": "150"})
    assert above.status_code == 422
    assert error_of(above.text, "price") == "A festival price must not be above the product&#39;s price."
    both = operator.post(f"{base}/prices", {"product_id": str(other["id"]), "price": "80", "discount_pct": "10"})
    assert error_of(both.text, "price") == "Give either a festival price or a discount, not both."
    added = operator.post(f"{base}/prices", {"product_id": str(other["id"]), "price": "79.90"})
    assert added.status_code == 303, added.text
    prices = api.get(f"/api/v1{base}/prices").json()
    assert [(p["product_id"], p["price_minor"]) for p in prices] == [(other["id"], 7990)]
    code = unique("D").replace("-", "").upper()
    bad = operator.post(f"{base}/vouchers", {"code": "x!", "amount_off": "20", "per_user_limit": "1"})
    assert error_of(bad.text, "code") == "Use 3 to 32 letters, digits, dashes or underscores."
    made = operator.post(f"{base}/vouchers", {"code": code, "amount_off": "20", "min_spend": "199",
                                              "per_user_limit": "2"})
    assert made.status_code == 303, made.text
    edit = operator.get(f"{base}/edit")
    assert f'data-voucher-code="{code}"' in edit.text and "CN¥20.00 off" in edit.text
    vouchers = api.get(f"/api/v1{base}/vouchers", headers=world["operator"].headers).json()
    assert [(v["code"], v["amount_off_minor"], v["min_spend_minor"], v["per_user_limit"]) for v in vouchers] == [
        (code, 2000, 19900, 2)]
    shortened = operator.post(f"{base}/edit", {"name": "Shorter", "starts_at": local(-60), "ends_at": local(60)})
    assert shortened.status_code == 409  # the festival price would outlast the festival
    assert "Festival prices would fall outside these dates: remove them first." in (
        error_of(shortened.text, "starts_at"), error_of(shortened.text, "ends_at"))
    assert api.get(f"/api/v1{base}").json()["name"] == festival["name"]
    longer = operator.post(f"{base}/edit", {"name": "Double 11 (longer)", "starts_at": local(-120),
                                            "ends_at": local(7200)})
    assert longer.status_code == 303
    assert api.get(f"/api/v1{base}").json()["name"] == "Double 11 (longer)"


# -- in Chromium --------------------------------------------------------------------------------

@pytest.mark.parametrize("screen", SCREENS)
def test_the_operator_creates_a_festival_from_the_pages_and_sees_it_listed(world, api, chromium, app_server, screen,
                                                                           screenshot):  # noqa: F811
    context, page = logged_in_page(chromium, app_server.url, world["operator"], "/festivals", **SCREENS[screen])
    try:
        page.locator("[data-new-festival]").click()
        page.wait_for_url("**/festivals/new")
        name = unique("Double 12")
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Starts").fill(local(-120))
        page.get_by_label("Ends").fill(local(-600))  # before the start: refused, by the field
        # The shop is found by its name, not typed by its number.
        shop = world["shop"]["shop"]
        page.get_by_label("Find a shop by name or city").fill(shop["name"])
        page.locator("[data-pick-found] button", has_text=shop["name"]).click()
        assert page.locator("[data-pick-chosen] .chip").inner_text().startswith(f"{shop['name']} #{shop['id']}")
        assert page.get_by_label("Shops taking part").input_value() == str(shop["id"])
        page.get_by_role("button", name="Create the festival").click()
        assert page.locator("#ends_at-error").inner_text() == "The end must be after the start."
        assert page.get_by_label("Name", exact=True).input_value() == name  # what was typed stays
        page.get_by_label("Ends").fill(local(86_400))
        page.get_by_role("button", name="Create the festival").click()
        page.wait_for_url("**/edit?created=1")
        assert page.locator(f"[data-festival-shops] [data-shop-id='{world['shop']['shop']['id']}']").count() == 1
        # A festival price for a product found by its name.
        product = make_product(api, world["seller"], shop["id"], title=unique("Silk scarf"), price_minor=9900)
        prices = page.locator("#prices")
        prices.get_by_label("Find a product by name").fill(product["title"])
        prices.locator("[data-pick-found] button", has_text=product["title"]).click()
        assert prices.get_by_label("Product number").input_value() == str(product["id"])
        prices.get_by_label("Festival price (in the product's currency)").fill("79")
        prices.get_by_role("button", name="Add the price").click()
        page.locator("[data-festival-prices] li", has_text=product["title"]).wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        screenshot(page, f"festival-setup-{screen}", full_page=True)
        page.goto("/festivals")
        card = page.locator(".festival-card", has_text=name)
        assert card.count() == 1 and card.locator("[data-edit-festival]").count() == 1
        assert not page.errors, page.errors
    finally:
        context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_the_operator_tops_up_a_wallet_and_the_viewer_sees_it(world, chromium, app_server, screen,
                                                              screenshot):  # noqa: F811
    viewer = world["viewer"]
    context, page = logged_in_page(chromium, app_server.url, world["operator"], "/", **SCREENS[screen])
    try:
        if screen == "desktop":
            page.locator("nav.menu a[href='/operator']").click()
        else:
            assert page.locator("nav.menu a[href='/operator']").count() == 1
            page.goto("/operator")
        page.get_by_label("Find a user by email or name").fill(viewer.email)
        page.get_by_role("button", name="Find").click()
        page.locator(f"[data-user-id='{viewer.id}'] a").click()
        page.wait_for_url(f"**/operator/users/{viewer.id}")
        before = page.locator("[data-wallet-balances] [data-balance]").all_inner_texts()
        page.get_by_label("Amount").fill("150.5")
        until(page, "document.querySelector('[data-topup-preview]').textContent === 'To add: CN¥150.50'")
        page.get_by_label("Reference").fill(f"Cash at the desk ({screen})")
        page.get_by_role("button", name="Top up the wallet").click()
        page.wait_for_url("**topped_up=15050**")
        assert page.locator("[data-topped-up]").inner_text() == "Added CN¥150.50 to the wallet."
        after = page.locator("[data-wallet-balances] [data-balance]").inner_text()
        expected = {(): "CN¥150.50", ("CN¥150.50",): "CN¥301.00"}[tuple(before)]
        assert after == expected
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        screenshot(page, f"operator-user-{screen}", full_page=True)
        assert not page.errors, page.errors
    finally:
        context.close()
    context, page = logged_in_page(chromium, app_server.url, viewer, "/account/wallet", **SCREENS[screen])
    try:
        assert page.locator("[data-wallet-balances] [data-balance]").inner_text() == expected
        newest = page.locator("[data-wallet-history] li").first
        assert newest.get_attribute("data-kind") == "wallet_topup" and "+CN¥150.50" in newest.inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_the_operator_reads_the_ledger_check_in_words(world, chromium, app_server, screen, screenshot):  # noqa: F811
    context, page = logged_in_page(chromium, app_server.url, world["operator"], "/operator", **SCREENS[screen])
    try:
        page.get_by_role("link", name="Ledger check").click()
        page.wait_for_url("**/operator/ledger")
        verdict = page.locator("[data-verdict]").inner_text()
        assert BALANCED.match(verdict), verdict
        assert "{" not in page.locator("main").inner_text()  # words, not JSON
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        screenshot(page, f"operator-ledger-{screen}")
    finally:
        context.close()


def test_the_console_reads_right_to_left_in_arabic_on_a_phone(world, chromium, app_server, screenshot):  # noqa: F811
    path = f"/operator/users/{world['buyer'].id}"
    context, page = logged_in_page(chromium, app_server.url, world["arabic"], path, **PHONE)
    try:
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert page.locator("[data-topup-form] button[type=submit]").inner_text() == "اشحن المحفظة"
        page.get_by_label("المبلغ").fill("12,5")
        until(page, "document.querySelector('[data-topup-preview]').textContent.startsWith('سيُضاف')")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "operator-user-phone-ar", full_page=True)
        assert not page.errors, page.errors
    finally:
        context.close()


def test_a_non_operator_is_refused_in_the_browser(world, chromium, app_server):  # noqa: F811
    context, page = logged_in_page(chromium, app_server.url, world["viewer"], "/", **PHONE)
    try:
        assert page.locator("nav.menu a[href='/operator']").count() == 0
        response = page.goto("/operator")
        assert response.status == 403 and page.locator("h1").inner_text() == "Not allowed"
        response = page.goto("/festivals/new")
        assert response.status == 403
    finally:
        context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_the_dashboard_charts_have_axis_values_and_hover_labels(world, api, chromium, app_server, screen,
                                                                screenshot):  # noqa: F811
    sold = live_shop(api, price_minor=12_345)
    buyer = register(api)
    fund(api, world["operator"], buyer, 20_000)
    assert buy(api, buyer, sold["show"]["id"], sold["product"]["id"], pay_with="wallet").json()["status"] == "paid"
    assert api.post(f"/api/v1/shows/{sold['show']['id']}/end", headers=sold["seller"].headers).status_code == 200
    assert api.post("/api/v1/insights/refresh", headers=world["operator"].headers).status_code == 200
    context, page = logged_in_page(chromium, app_server.url, world["operator"], "/insights", **SCREENS[screen])
    try:
        charts = page.locator("[data-chart=bar]")
        assert charts.count() >= 2
        gmv = charts.nth(1)
        ticks = gmv.locator("[data-axis=value] [data-tick]").all_text_contents()
        assert len(ticks) == 3 and ticks[0] == "CN¥0.00"
        top = max(int(v) for v in gmv.locator("rect.bar").evaluate_all("els => els.map(e => e.dataset.value)"))
        assert top >= 12_345 and ticks[2] == f"CN¥{top / 100:,.2f}"  # today's sales, this one's among them
        labels = gmv.locator("[data-axis=labels] [data-label]").all_text_contents()
        assert 1 <= len(labels) <= 7 and all(re.fullmatch(r"\d\d-\d\d", text) for text in labels)
        titles = gmv.locator("rect.bar title").all_text_contents()
        assert any(t.endswith(ticks[2]) for t in titles)
        # readable: the tick labels are at least 10 px high on the screen and inside it
        box = gmv.locator("[data-tick]").nth(2).bounding_box()
        assert box["height"] >= 10 and box["x"] >= 0
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        page.locator(".charts").scroll_into_view_if_needed()
        screenshot(page, f"insights-charts-{screen}")
        assert not page.errors, page.errors
    finally:
        context.close()
