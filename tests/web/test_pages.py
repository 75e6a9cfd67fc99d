"""The pages over plain HTTP against a real server: languages, forms and their errors, CSRF, escaping, access."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.catalog.test_products import png_bytes
from tests.helpers import PASSWORD, make_product, make_shop, make_show, register, unique
from tests.web.support import lang_of, live_world


@pytest.fixture(scope="module")
def world(app_server):
    import httpx

    with httpx.Client(base_url=app_server.url, timeout=30) as api:
        yield live_world(api)


def test_every_page_renders_for_a_visitor(browser, world):
    visitor = browser()
    show_id, shop_id = world["show"]["id"], world["shop"]["id"]
    for path in ("/", "/search?q=wool", "/login", "/signup", f"/shops/{shop_id}", f"/hosts/{world['host'].id}",
                 f"/shows/{show_id}", f"/shows/{show_id}/replay", f"/embed/shows/{show_id}"):
        response = visitor.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["content-type"].startswith("text/html")
        assert lang_of(response.text) == ("en", "ltr")
    assert "Content-Security-Policy" in visitor.get("/").headers


def test_pages_that_need_a_login_send_visitors_to_it(browser):
    visitor = browser()
    for path in ("/account", "/account/orders", "/studio", "/manage"):
        response = visitor.get(path)
        assert response.status_code == 303 and response.headers["location"] == f"/login?next={path}"


def test_the_language_comes_from_accept_language_and_arabic_is_right_to_left(browser, world):
    page = browser("ar-SA,ar;q=0.9,en;q=0.5").get("/")
    assert lang_of(page.text) == ("ar", "rtl")
    assert "مباشر الآن" in page.text  # "Live now"
    french = browser("fr-FR").get(f"/shows/{world['show']['id']}")
    assert lang_of(french.text) == ("fr", "ltr") and "Connectez-vous pour discuter" in french.text


def test_a_visitor_switches_language_in_the_page(browser):
    visitor = browser("en")
    visitor.get("/")
    switched = visitor.post("/lang", {"lang": "zh", "next": "/search?q=x"})
    assert switched.status_code == 303 and switched.headers["location"] == "/search?q=x"
    assert lang_of(visitor.get("/").text) == ("zh", "ltr")
    assert visitor.post("/lang", {"lang": "de", "next": "//evil.example"}).headers["location"] == "/"


def test_signup_errors_are_shown_beside_the_fields_in_the_page_language(browser):
    spanish = browser("es-ES")
    spanish.get("/signup")
    response = spanish.post("/signup", {"email": "not-an-email", "password": "short", "display_name": "Sofía <b>",
                                        "country": "Spain", "currency": "EUR"})
    assert response.status_code == 422
    html = response.text
    assert 'id="email-error">Escribe un correo como nombre@ejemplo.com.' in html
    assert 'id="f-email" name="email" type="email" value="not-an-email"' in html  # what was typed stays
    assert 'value="Sofía &lt;b&gt;"' in html  # and is escaped
    assert "short" not in re.findall(r'name="password"[^>]*>', html)[0]  # a password is never echoed
    assert re.search(r'name="country"[^>]* maxlength="2" autocapitalize="characters">', html)  # a real limit


def test_signup_logs_in_and_the_profile_language_wins(browser):
    newcomer = browser("en")
    newcomer.get("/signup")
    email = f"{unique('wang')}@example.com"
    response = newcomer.post("/signup", {"email": email, "password": PASSWORD, "display_name": "Wang Fang",
                                         "language": "zh", "country": "CN", "currency": "CNY", "roles": "seller",
                                         "next": "/account"})
    assert response.status_code == 303 and response.headers["location"] == "/account"
    profile = newcomer.get("/account")
    assert lang_of(profile.text) == ("zh", "ltr") and email in profile.text
    saved = newcomer.post("/account", {"display_name": "Wang F.", "language": "ar", "country": "sa", "currency": "SAR"})
    assert saved.status_code == 303
    page = newcomer.get("/account?saved=1")
    assert lang_of(page.text) == ("ar", "rtl") and 'value="SA"' in page.text and "تم الحفظ." in page.text
    assert "/manage" in page.text  # the seller role asked for at sign-up


def test_login_and_logout(browser):
    user = register_user(browser)
    visitor = browser()
    visitor.get("/login")
    wrong = visitor.post("/login", {"email": user.email, "password": "Wrong-password-1", "next": "/account"})
    assert wrong.status_code == 422 and "Email or password is wrong." in wrong.text
    assert f'value="{user.email}"' in wrong.text
    right = visitor.post("/login", {"email": user.email, "password": PASSWORD, "next": "/account/orders"})
    assert right.status_code == 303 and right.headers["location"] == "/account/orders"
    assert visitor.get("/account").status_code == 200
    assert visitor.post("/logout").status_code == 303
    assert visitor.get("/account").status_code == 303


def register_user(browser, **fields):
    import httpx

    with httpx.Client(base_url=browser().base_url, timeout=30) as api:
        return register(api, **fields)


def test_forms_and_api_writes_need_the_pages_token(browser, app_server):
    import httpx

    user = register_user(browser, display_name="Before")
    victim = browser()
    victim.log_in(user.email)
    forged = victim.post("/account", {"display_name": "Hacked"}, token=False)
    assert forged.status_code == 403
    cookie = {"livestall_session": victim.client.cookies["livestall_session"]}
    with httpx.Client(base_url=app_server.url, cookies=cookie, timeout=30) as raw:
        from_elsewhere = raw.patch("/api/v1/me", json={"display_name": "Hacked"},
                                   headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
        assert from_elsewhere.status_code == 403 and from_elsewhere.json()["errors"][0]["rule"] == "csrf_token"
        assert raw.get("/api/v1/me").json()["display_name"] == "Before"
        victim.get("/")
        ours = raw.patch("/api/v1/me", json={"display_name": "After"},
                         headers={"Origin": app_server.url, "X-CSRF-Token": victim.token})
        assert ours.status_code == 200 and ours.json()["display_name"] == "After"
    anonymous = browser()
    anonymous.get("/login")
    assert anonymous.post("/login", {"email": user.email, "password": PASSWORD}, token=False).status_code == 403
    assert anonymous.post("/signup", {"email": "x@example.com", "password": PASSWORD, "display_name": "X"},
                          token=False).status_code == 403


def test_user_text_is_escaped(api, browser):
    seller = register(api, roles=["seller", "host"], display_name="<img src=x onerror=alert(1)>")
    shop = make_shop(api, seller, name="<script>alert('shop')</script>")
    make_product(api, seller, shop["id"], title="<script>alert('t')</script>", description="<b>bold</b>")
    show = make_show(api, seller, shop["id"], title="<script>alert('show')</script>")
    visitor = browser()
    for path in (f"/shops/{shop['id']}", f"/shows/{show['id']}", f"/hosts/{seller.id}", "/search?q=alert"):
        html = visitor.get(path).text
        assert "<script>alert(" not in html and "<img src=x" not in html and "<b>bold</b>" not in html, path
        assert "&lt;script&gt;alert(" in html, path


def test_shop_admin_opens_a_shop_and_creates_a_product_with_a_photo(api, browser):
    seller = register(api, roles=["seller"])
    admin = browser()
    admin.log_in(seller.email)
    admin.get("/manage")
    opened = admin.post("/manage/shops", {"name": "Jade Peak Outdoor", "city": "Hangzhou", "country": "CN",
                                          "currency": "CNY"})
    assert opened.status_code == 303
    shop_id = int(opened.headers["location"].rsplit("/", 1)[1])
    admin.get(f"/manage/shops/{shop_id}/products/new")
    fields = {"title": "700-fill down jacket", "description": "Light & warm", "sku": "JP-DOWN-700",
              "price": "899,50", "stock": "150", "status": "active", "options": "S, M, L", "category": "outerwear"}
    bad = admin.post(f"/manage/shops/{shop_id}/products", {**fields, "price": "8.999", "stock": "lots"})
    assert bad.status_code == 422
    assert 'id="price-error">Enter an amount such as 12.50.' in bad.text
    assert 'id="stock-error">Enter a whole number.' in bad.text
    assert 'value="700-fill down jacket"' in bad.text
    assert 'accept="image/jpeg,image/png,image/webp,image/gif" multiple>' in bad.text  # the picker offers photos
    made = admin.post(f"/manage/shops/{shop_id}/products", fields,
                      files={"images": ("jacket.png", png_bytes(), "image/png")})
    assert made.status_code == 303, made.text
    products = api.get(f"/api/v1/shops/{shop_id}/products").json()["items"]
    assert len(products) == 1
    product = products[0]
    assert (product["price"]["amount_minor"], product["stock"], product["options"]) == (89950, 150, ["S", "M", "L"])
    assert len(product["images"]) == 1
    again = admin.post(f"/manage/shops/{shop_id}/products", {**fields, "title": "Other"})
    assert again.status_code == 422 and 'id="sku-error">This SKU is already used in this shop.' in again.text
    assert len(api.get(f"/api/v1/shops/{shop_id}/products").json()["items"]) == 1  # nothing written
    page = admin.get(f"/manage/shops/{shop_id}")
    assert "700-fill down jacket" in page.text and "CN¥899.50" in page.text
    edit = admin.post(f"/manage/products/{product['id']}", {**fields, "stock": "149", "status": "draft"})
    assert edit.status_code == 303
    assert api.get(f"/api/v1/products/{product['id']}", headers=seller.headers).json()["stock"] == 149


def test_scheduling_a_show_and_remind_me(api, browser):
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller)
    admin = browser()
    admin.log_in(seller.email)
    admin.get(f"/manage/shops/{shop['id']}")
    past = admin.post(f"/manage/shops/{shop['id']}/shows", {"title": "Too late", "language": "es", "market": "ES",
                                                           "scheduled_at": "2020-01-01T20:00"})
    assert past.status_code == 422 and 'id="scheduled_at-error">Pick a time in the future.' in past.text
    title = unique("Qipao night")
    in_a_month = datetime.now(timezone.utc) + timedelta(days=30)  # shows are scheduled within a year
    made = admin.post(f"/manage/shops/{shop['id']}/shows", {"title": title, "language": "es", "market": "es",
                                                           "scheduled_at": f"{in_a_month:%Y-%m-%d}T20:00",
                                                           "category": "dresses"})
    assert made.status_code == 303
    show_id = int(re.search(r"scheduled=(\d+)", made.headers["location"]).group(1))
    fan = browser()
    fan.log_in(register(api).email)
    discover = fan.get("/?category=dresses&language=es")
    assert title in discover.text and f'action="/shows/{show_id}/remind"' in discover.text
    assert fan.post(f"/shows/{show_id}/remind", {"on": "1", "next": "/"}).status_code == 303
    following = fan.get("/account/following")
    assert title in following.text
    assert fan.post(f"/shows/{show_id}/remind", {"on": "0"}).status_code == 303
    assert title not in fan.get("/account/following").text


def test_discover_search_and_filters(browser, world):
    visitor = browser()
    page = visitor.get("/")
    live = page.text.split('id="upcoming"')[0]
    assert world["show"]["title"] in live
    assert world["show"]["title"] not in visitor.get("/?language=ar").text.split('id="upcoming"')[0]
    found = visitor.get("/search", params={"q": world["shop"]["name"][-10:]}).text
    assert f'href="/shops/{world["shop"]["id"]}"' in found
    products = visitor.get("/search", params={"q": "yak wool"}).text
    assert "Yak wool cardigan" in products and "CN¥588.00" in products


def test_the_show_page_carries_the_room_and_the_shelf(browser, world, app_server):
    page = browser("es").get(f"/shows/{world['show']['id']}").text
    data = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page).group(1)
    import json

    data = json.loads(data)
    assert data["ws_url"] == f"{app_server.ws_base}/ws/shows/{world['show']['id']}"
    assert data["currency"] == "EUR" and data["status"] == "live"
    assert [item["title"] for item in data["shelf"]] == ["Hand-knitted wool scarf"]
    assert "EUR" in data["shelf"][0]["display_prices"]


def test_studio_is_for_the_show_runners_only(api, browser, world):
    host = browser()
    host.log_in(world["host"].email)
    studio = host.get(f"/studio/shows/{world['show']['id']}")
    assert studio.status_code == 200 and f"/live/{world['show']['id']}?key=" in studio.text
    sales = host.get(f"/studio/shows/{world['show']['id']}/sales", headers={"Accept": "application/json"})
    assert sales.json()["orders"] >= 0 and sales.json()["gmv"]["currency"] == "CNY"
    viewer = browser()
    viewer.log_in(register(api).email)
    refused = viewer.get(f"/studio/shows/{world['show']['id']}")
    assert refused.status_code == 403 and "Not allowed" in refused.text
    assert viewer.get(f"/manage/shops/{world['shop']['id']}").status_code == 403


def test_only_the_embed_may_be_framed_by_other_sites(browser, world):
    visitor = browser()
    embed = visitor.get(f"/embed/shows/{world['show']['id']}")
    # framed by the shop's own list of websites (tests/web/test_embed.py); with none listed, only by this site
    assert "frame-ancestors 'self'" in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers
    page = visitor.get(f"/shows/{world['show']['id']}")
    assert page.headers["x-frame-options"] == "DENY"


def test_unknown_things_are_404_pages(browser):
    visitor = browser("fr")
    for path in ("/shows/99999999", "/shops/99999999", "/hosts/99999999"):
        response = visitor.get(path)
        assert response.status_code == 404 and "Introuvable" in response.text, path
