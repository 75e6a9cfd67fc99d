"""A viewer can pay: the wallet page (balances, history, top-up) on a phone, the demo's viewers with money, and buy
refusals in the viewer's language."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.auctions.support import auction_world, bidder, open_auction
from tests.helpers import register
from tests.ledger import stripe_support
from tests.orders.support import ADDRESS, buy, top_up
from tests.room_client import RoomClient
from tests.test_cli import livestall
from tests.web.support import lang_of, live_world, until

stripe_app = stripe_support.stripe_app  # the app process configured for the local stand-in of Stripe's API
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LANGS = {"en": "My wallet", "es": "Mi monedero", "fr": "Mon porte-monnaie", "zh": "我的钱包", "ar": "محفظتي"}


# Set up before the module's Chromium starts (tests name it first): the top-ups run their own event loop.
@pytest.fixture(scope="module")
def world(module_api, database_url):
    """A live show selling in CNY; a funded viewer who bought the scarf, and a Spanish viewer with almost nothing."""
    api = module_api
    w = live_world(api, language="en")
    assert api.post(f"/api/v1/shows/{w['show']['id']}/pins", json={"product_id": w["cardigan"]["id"]},
                    headers=w["host"].headers).status_code == 200
    w["buyer"] = register(api, display_name="Emily", language="en", currency="CNY")
    top_up(api, database_url, w["buyer"], 100_000)
    bought = buy(api, w["buyer"], w["show"]["id"], w["scarf"]["id"], option="S", pay_with="wallet")
    assert bought.status_code == 201 and bought.json()["status"] == "paid", bought.text
    w["sofia"] = register(api, display_name="Sofía", language="es", currency="EUR", country="ES")
    top_up(api, database_url, w["sofia"], 1_000)  # CNY 10.00: short of any product
    return w


def phone_page(chromium, base_url: str, actor, *, language: str = "en-US", shipping: dict | None = None):
    context = chromium.new_context(**PHONE, locale=language, base_url=base_url)
    context.add_init_script("localStorage.setItem('livestall.swiped', '1')")
    if shipping:
        context.add_init_script(f"localStorage.setItem('livestall.shipping', {json.dumps(json.dumps(shipping))})")
    context.add_cookies([{"name": "livestall_session", "value": actor.token, "url": base_url, "httpOnly": True,
                          "sameSite": "Lax"}])
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return context, page


def test_anonymous_visitors_are_sent_to_the_login_page(browser):
    response = browser().get("/account/wallet")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/account/wallet"


@pytest.mark.parametrize("lang", LANGS)
def test_the_wallet_page_speaks_each_language(world, api, browser, lang):
    viewer = register(api, language=lang)
    client = browser(lang)
    client.log_in(viewer.email)
    page = client.get("/account/wallet")
    assert page.status_code == 200
    assert lang_of(page.text) == (lang, "rtl" if lang == "ar" else "ltr")
    assert f"<h1>{LANGS[lang]}</h1>" in page.text
    assert "data-wallet-empty" in page.text


def test_a_funded_viewer_sees_balance_and_purchase_on_a_phone_and_no_dead_top_up_button(world, chromium, app_server,
                                                                                         screenshot):
    context, page = phone_page(chromium, app_server.url, world["buyer"])
    try:
        page.goto("/account/wallet")
        assert page.locator("[data-wallet-balances] [data-balance]").all_inner_texts() == ["CN¥872.00"]  # 1,000 - 128
        history = page.locator("[data-wallet-history] li")
        assert history.count() == 2
        assert history.nth(0).get_attribute("data-kind") == "order_payment"  # newest first
        assert "Purchase" in history.nth(0).inner_text() and "-CN¥128.00" in history.nth(0).inner_text()
        assert history.nth(1).get_attribute("data-kind") == "wallet_topup"
        assert "Top-up" in history.nth(1).inner_text() and "+CN¥1,000.00" in history.nth(1).inner_text()
        # no Stripe here: the page says who tops up, and offers no button that would do nothing
        assert page.locator("[data-topup-operator]").inner_text().startswith("Card top-ups are not offered here")
        assert page.locator("[data-topup-form]").count() == 0
        assert page.locator("main button").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        assert page.locator("nav.menu a[href='/account/wallet']").count() == 1
        screenshot(page, "phone-wallet")
        assert not page.errors, page.errors
    finally:
        context.close()


def test_an_auction_hold_and_its_return_are_named_on_a_phone_in_arabic(api, app_server, database_url, chromium,
                                                                      screenshot):
    world = auction_world(api)
    auction_id, show_id = world["auction"]["id"], world["show"]["id"]
    layla = bidder(api, database_url, name="Layla", language="ar")
    rival = bidder(api, database_url, name="Rival")
    open_auction(api, world)
    for actor, amount in ((layla, 10000), (rival, 11000)):  # Layla leads, then is outbid: her hold comes back
        with RoomClient(app_server.ws_base, show_id, actor.token) as room:
            answer = room.request("bid", auction_id=auction_id, amount=amount)
            assert answer["data"]["outcome"] == "leading", answer
    context, page = phone_page(chromium, app_server.url, layla, language="ar")
    try:
        page.goto("/account/wallet")
        history = page.locator("[data-wallet-history] li")
        assert [history.nth(i).get_attribute("data-kind") for i in range(3)] == [
            "auction_holds", "auction_holds", "wallet_topup"]
        assert "أُعيد من مزاد" in history.nth(0).inner_text()  # back from the auction, newest first
        assert "محجوز لمزاد" in history.nth(1).inner_text()  # held for it
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "phone-wallet-auction-ar")
        assert not page.errors, page.errors
    finally:
        context.close()


def test_with_stripe_the_top_up_form_leads_to_the_checkout_page(world, chromium, stripe_app):
    base = str(stripe_app.base_url).rstrip("/")
    context, page = phone_page(chromium, base, world["buyer"])
    try:
        page.route("https://checkout.stripe.com/**",
                   lambda route: route.fulfill(status=200, content_type="text/html", body="<p>Stripe checkout</p>"))
        page.goto("/account/wallet")
        form = page.locator("[data-topup-form]")
        assert page.locator("[data-topup-operator]").count() == 0
        assert form.get_by_label("Currency").input_value() == "CNY"  # the wallet's currency
        form.get_by_label("Amount").fill("12,x")
        form.get_by_role("button", name="Top up by card").click()
        assert form.locator("[data-topup-error]").inner_text() == "Enter an amount such as 12.50."
        form.get_by_label("Amount").fill("50.5")
        form.get_by_role("button", name="Top up by card").click()
        page.wait_for_url("https://checkout.stripe.com/**")
        session = stripe_support.FakeStripe.sessions[-1]
        assert page.url == f"https://checkout.stripe.com/c/pay/{session['id']}"
        assert "5050" in session["form"].values()  # CNY 50.50 in fen
    finally:
        context.close()


def test_a_spanish_viewer_short_of_money_reads_why_in_spanish_on_the_show_page(world, chromium, app_server, api):
    show = world["show"]
    context, page = phone_page(chromium, app_server.url, world["sofia"], language="es-ES", shipping=ADDRESS)
    try:
        page.goto(f"/shows/{show['id']}")
        until(page, "window.livestallShow?.room && document.querySelector('[data-bag-count]').textContent === '2'")
        page.locator(".phone-bag").click()
        bag = page.locator("dialog[data-sheet=bag]")
        bag.wait_for()
        bag.locator("[data-shelf-items] li", has_text="Yak wool cardigan").locator("[data-buy]").click()
        sheet = page.locator("dialog[data-sheet=buy]")
        sheet.wait_for()
        until(page, "!document.querySelector('[data-buy-wallet-short]').hidden")
        assert sheet.locator("[data-buy-wallet-short] [data-top-up]").get_attribute("href") == "/account/wallet"
        sheet.locator("[data-buy-submit]").click()
        until(page, "document.querySelector('[data-buy-outcome]').textContent.length > 0")
        outcome = sheet.locator("[data-buy-outcome]").inner_text()
        assert outcome.startswith("Tu monedero tiene menos de lo que cuesta."), outcome
        assert "holds less" not in outcome
        orders = api.get("/api/v1/me/orders", headers=world["sofia"].headers).json()["items"]
        assert [o["status"] for o in orders] == ["reserved"]
        assert not page.errors, page.errors
    finally:
        context.close()


WALLETS = ("SELECT u.email, a.currency, sum(e.amount_minor) FROM ledger_accounts a "
           "JOIN ledger_entries e ON e.account_id = a.id JOIN users u ON a.owner_key = 'user:' || u.id "
           "WHERE a.kind = 'buyer_wallet' GROUP BY u.email, a.currency ORDER BY u.email")


def test_the_demo_gives_its_viewers_money_once(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    for _ in range(2):
        result = livestall(tmp_path, url, "demo")
        assert result.returncode == 0, result.stderr

    def run_sql(_, sql):  # plain sqlite3: this module's Playwright holds the event loop run_sql would need
        with sqlite3.connect(tmp_path / "demo.db") as db:
            return db.execute(sql).fetchall()

    wallets = run_sql(url, WALLETS)
    assert [email.split("@")[0] for email, _, _ in wallets] == ["emily", "layla", "liu", "pierre", "sofia", "wang",
                                                                 "zhang"]
    assert {(currency, int(total)) for _, currency, total in wallets} == {("CNY", 200_000)}
    assert run_sql(url, "SELECT count(*) FROM ledger_transfers WHERE reference LIKE 'demo-topup:%'") == [(7,)]
