"""The agency pages over HTTP against a real server: the console (hosts, pipeline board, bookings calendar,
statements, scorecards), the host's bookings with accept and decline, and the public application form."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from livestall.web.i18n import Localizer
from tests.agency.support import (
    brand_show, make_active_host, make_agency, make_agency_admin, make_course, next_utc, publish,
)
from tests.helpers import register, unique
from tests.web.support import Browser, lang_of

TABS = ("", "/pipeline", "/bookings", "/statements", "/scorecards")


@pytest.fixture()
def browser(app_server):
    made: list[Browser] = []

    def open_(language: str = "en", actor=None, tz: str | None = None) -> Browser:
        made.append(Browser(app_server.url, language))
        if tz:
            made[-1].client.cookies.set("livestall_tz", tz)
        if actor is not None:
            made[-1].log_in(actor.email)
            made[-1].get("/")  # the form token follows the login
        return made[-1]

    yield open_
    for b in made:
        b.close()


@pytest.fixture()
def admin(api, app_server):
    return make_agency_admin(api, app_server.database_url)


@pytest.fixture()
def agency(api, admin):
    return make_agency(api, admin)


def hosts_of(api, admin, agency_id: int) -> list[dict]:
    return api.get(f"/api/v1/agencies/{agency_id}/hosts", headers=admin.headers).json()


def form_error(html: str) -> str:
    """The form-wide error of a page."""
    found = re.search(r'<p class="error form-error" role="alert">([^<]*)</p>', html)
    return unescape(found.group(1)) if found else ""


def card(html: str, host_id: int) -> str:
    """One host's card on the pipeline board."""
    return re.search(rf'<li class="card lead[^"]*" id="host-{host_id}".*?</li>', html, re.S).group(0)


def column_of(html: str, host_id: int) -> str:
    """The stage of the board column holding the host's card."""
    before = html[:html.index(f'id="host-{host_id}"')]
    return re.findall(r'data-stage="(\w+)"', before)[-1]


def test_the_console_is_for_the_agency_s_admins_and_the_menu_leads_there(api, app_server, browser, admin, agency):
    console = browser(actor=admin)
    assert 'href="/agency"' in console.get("/").text
    opened = console.get("/agency")  # one agency: straight to its console
    assert opened.status_code == 303 and opened.headers["location"] == f"/agency/{agency['id']}"
    for tab in TABS:
        page = console.get(f"/agency/{agency['id']}{tab}")
        assert page.status_code == 200 and agency["name"] in page.text, (tab, page.text[:300])
    visitor = browser().get(f"/agency/{agency['id']}/pipeline")
    assert visitor.status_code == 303 and visitor.headers["location"] == f"/login?next=/agency/{agency['id']}/pipeline"
    other = make_agency_admin(api, app_server.database_url)
    make_agency(api, other)
    stranger = browser(actor=other)
    for tab in TABS:
        assert stranger.get(f"/agency/{agency['id']}{tab}").status_code == 403, tab
    user, host = make_active_host(api, admin, agency["id"])
    assert stranger.get(f"/agency/hosts/{host['id']}").status_code == 403
    own = browser(actor=user)
    assert 'href="/host/bookings"' in own.get("/").text and 'href="/agency"' not in own.get("/").text
    assert own.get(f"/agency/hosts/{host['id']}").status_code == 403  # a host reads their own pages, not the console


def test_adding_a_host_and_moving_them_along_the_board_in_arabic(api, browser, admin, agency):
    make_course(api, admin, agency["id"], modules=("Camera", "Selling"))
    console = browser(actor=admin)
    console.get(f"/agency/{agency['id']}")
    fields = {"display_name": "Camille <b>", "email": f"{unique('camille')}@example.com", "country": "FR",
              "languages": ["fr"], "markets": "fr, be", "timezone": "Europe/Paris", "fee": "1500",
              "fee_currency": "CNY", "commission": "3", "currency": "EUR", "social_network": "tiktok",
              "social_handle": "@camille.direct", "social_followers": "31000"}
    bad = console.post(f"/agency/{agency['id']}/hosts", {**fields, "fee": "-5", "commission": "150"})
    assert bad.status_code == 422
    assert 'id="fee-error">A fee cannot be negative.' in bad.text
    assert 'id="commission-error">A commission is at most 100 percent.' in bad.text
    assert 'value="Camille &lt;b&gt;"' in bad.text  # what was typed stays, escaped
    zone = console.post(f"/agency/{agency['id']}/hosts", {**fields, "timezone": "Paris"})
    assert zone.status_code == 422 and 'id="timezone-error">Use a time zone such as Europe/Madrid.' in zone.text
    assert hosts_of(api, admin, agency["id"]) == []  # nothing written
    added = console.post(f"/agency/{agency['id']}/hosts", fields)
    assert added.status_code == 303, added.text
    [host] = hosts_of(api, admin, agency["id"])
    assert (host["markets"], host["fee_minor"], host["commission_bp"], host["socials"][0]["followers"]) == (
        ["FR", "BE"], 150000, 300, 31000)
    roster = console.get(f"/agency/{agency['id']}").text
    assert "Camille &lt;b&gt;" in roster and "CN¥1,500.00" in roster and "31,000" in roster

    console.post("/lang", {"lang": "ar", "next": "/"})
    board = console.get(f"/agency/{agency['id']}/pipeline")
    assert lang_of(board.text) == ("ar", "rtl") and column_of(board.text, host["id"]) == "applied"
    assert 'data-move="screening"' in card(board.text, host["id"])
    skip = console.post(f"/agency/hosts/{host['id']}/stage", {"stage": "training", "view": "board"})
    assert skip.status_code == 409 and form_error(skip.text) == "هذا الانتقال غير مسموح من المرحلة الحالية للمقدّم."
    assert hosts_of(api, admin, agency["id"])[0]["stage"] == "applied"
    for stage in ("screening", "training"):
        moved = console.post(f"/agency/hosts/{host['id']}/stage", {"stage": stage, "view": "board"})
        assert moved.status_code == 303 and moved.headers["location"].endswith(f"/pipeline#host-{host['id']}")
    early = console.post(f"/agency/hosts/{host['id']}/stage", {"stage": "active"})
    assert early.status_code == 409 and form_error(early.text) == "على المقدّم إكمال التدريب أولًا."
    page = console.get(f"/agency/hosts/{host['id']}").text
    module_ids = re.findall(r'name="module_id" value="(\d+)"', page)
    assert len(module_ids) == 2
    for module_id in module_ids:
        assert console.post(f"/agency/hosts/{host['id']}/completions", {"module_id": module_id}).status_code == 303
    assert console.post(f"/agency/hosts/{host['id']}/stage", {"stage": "active"}).status_code == 303
    board = console.get(f"/agency/{agency['id']}/pipeline").text
    assert column_of(board, host["id"]) == "active" and "معتمد" in card(board, host["id"])  # "Certified"


def test_booking_in_the_calendar_in_the_viewer_s_time_zone_and_the_host_accepts(api, browser, admin, agency):
    user, host = make_active_host(api, admin, agency["id"])  # Europe/Madrid, Spanish
    at = next_utc(weekday=1, hour=14)  # a Tuesday, 14:00 UTC
    show = brand_show(api, at)["show"]
    clash = brand_show(api, at + timedelta(minutes=30))["show"]
    console = browser(actor=admin, tz="Asia%2FShanghai")  # as the page's script sets it, URL-encoded
    console.get(f"/agency/hosts/{host['id']}")
    booked = console.post(f"/agency/hosts/{host['id']}/bookings", {"show_id": str(show["id"]),
                                                                   "duration_minutes": "90"})
    assert booked.status_code == 303, booked.text
    calendar = console.get(booked.headers["location"]).text
    shanghai, madrid = Localizer("en", ZoneInfo("Asia/Shanghai")), Localizer("en", ZoneInfo("Europe/Madrid"))
    slot = re.search(r'<li class="card slot status-proposed" id="booking-\d+".*?</li>', calendar, re.S).group(0)
    assert f">{shanghai.time(at)}</time>–<time" in slot and shanghai.time(at + timedelta(minutes=90)) in slot
    assert f"{madrid.time(at)} for the host (Europe/Madrid)" in slot
    day = re.search(rf'data-date="{at.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()}".*?</section>',
                    calendar, re.S).group(0)
    assert show["title"] in day and "Awaiting the host" in day
    slot_id = re.search(r'id="(booking-\d+)"', slot).group(1)
    monday = date.fromisoformat(re.search(r"week=([\d-]+)", booked.headers["location"]).group(1))
    for other_week in (monday - timedelta(days=7), monday + timedelta(days=7)):
        assert slot_id not in console.get(f"/agency/{agency['id']}/bookings?week={other_week}").text

    console.get(f"/agency/hosts/{host['id']}")
    double = console.post(f"/agency/hosts/{host['id']}/bookings", {"show_id": str(clash["id"])})
    assert double.status_code == 409 and form_error(double.text) == "The host is already booked at that time."
    assert len(api.get(f"/api/v1/agencies/{agency['id']}/bookings", headers=admin.headers).json()) == 1

    lucia = browser(actor=user)
    mine = lucia.get("/host/bookings")
    assert mine.status_code == 200 and "data-to-answer" in mine.text and show["title"] in mine.text
    [booking] = api.get("/api/v1/me/bookings", headers=user.headers).json()
    stranger = browser(actor=register(api, roles=["host"]))
    stranger.get("/host/bookings")
    assert stranger.post(f"/host/bookings/{booking['id']}/accept").status_code == 403
    accepted = lucia.post(f"/host/bookings/{booking['id']}/accept")
    assert accepted.status_code == 303
    assert api.get("/api/v1/me/bookings", headers=user.headers).json()[0]["status"] == "accepted"
    assert api.get(f"/api/v1/shows/{show['id']}").json()["host_id"] == user.id
    again = lucia.post(f"/host/bookings/{booking['id']}/decline")
    assert again.status_code == 409 and form_error(again.text) == "This booking has already been answered."
    calendar = console.get(booked.headers["location"]).text
    assert "status-accepted" in calendar and "Withdraw" in calendar
    withdrawn = console.post(f"/agency/bookings/{booking['id']}/cancel")
    assert withdrawn.status_code == 303 and withdrawn.headers["location"] == booked.headers["location"]
    assert api.get("/api/v1/me/bookings", headers=user.headers).json()[0]["status"] == "cancelled"


def test_statements_payouts_and_scorecards(api, app_server, browser, admin, agency):
    user, host = make_active_host(api, admin, agency["id"], currency="EUR")
    show = brand_show(api, datetime.now(timezone.utc) + timedelta(minutes=30))["show"]
    booking = api.post(f"/api/v1/hosts/{host['id']}/bookings", headers=admin.headers,
                       json={"host_id": host["id"], "show_id": show["id"]}).json()
    assert api.post(f"/api/v1/bookings/{booking['id']}/accept", headers=user.headers).status_code == 200
    start = datetime.fromisoformat(booking["starts_at"])
    with ThreadPoolExecutor(1) as pool:  # on air the whole booked time
        pool.submit(publish, app_server.database_url, show["id"], start, start + timedelta(hours=2)).result()
    for action in ("start", "end"):
        assert api.post(f"/api/v1/shows/{show['id']}/{action}", headers=user.headers).status_code == 200
    period = booking["starts_at"][:7]
    console = browser(actor=admin)
    console.post("/lang", {"lang": "es", "next": "/"})  # saved to the admin's profile
    page = console.get(f"/agency/{agency['id']}/statements?period={period}")
    row = re.search(rf'<tr id="booking-{booking["id"]}".*?</tr>', page.text, re.S).group(0)
    assert Localizer("es").money({"amount_minor": 150000, "currency": "CNY"}) in row
    assert ">Pagar</button>" in row  # "Pay", in Spanish
    paid = console.post(f"/agency/bookings/{booking['id']}/payout")
    assert paid.status_code == 303 and paid.headers["location"].endswith(f"period={period}#booking-{booking['id']}")
    statement = api.get(f"/api/v1/hosts/{host['id']}/statements/{period}", headers=user.headers).json()
    assert statement["lines"][0]["paid"] is True
    again = console.post(f"/agency/bookings/{booking['id']}/payout")
    assert again.status_code == 409 and form_error(again.text) == "Este directo ya está pagado."

    own = browser(actor=user).get(f"/host/statements?period={period}").text
    assert agency["name"] in own and "/payout" not in own
    in_eur = Localizer("en").money(statement["totals_in_host_currency"])
    assert f"≈ {in_eur}" in own and "CN¥1,500.00" in own

    cards = console.get(f"/agency/{agency['id']}/scorecards").text
    body = re.search(rf'<tbody data-host-id="{host["id"]}">.*?</tbody>', cards, re.S).group(0)
    assert host["display_name"] in body and "<td>1</td>" in body
    assert f'href="/api/v1/agencies/{agency["id"]}/scorecards.csv"' in cards
    assert console.get(f"/api/v1/agencies/{agency['id']}/scorecards.csv").status_code == 200


def test_anyone_applies_through_the_public_form(api, browser, admin, agency):
    visitor = browser("fr-FR")
    form = visitor.get(f"/agencies/{agency['id']}/apply")
    assert form.status_code == 200 and lang_of(form.text) == ("fr", "ltr") and agency["name"] in form.text
    email = f"{unique('amelie')}@example.com"
    fields = {"display_name": "Amélie", "email": email, "country": "FR", "languages": ["fr", "en"],
              "markets": "FR BE CH", "timezone": "Europe/Paris", "note": "I sell skincare on TikTok."}
    bad = visitor.post(f"/agencies/{agency['id']}/apply", {**fields, "languages": [], "email": "amelie"})
    assert bad.status_code == 422
    assert 'id="email-error">' in bad.text and 'id="languages-error">' in bad.text
    assert 'value="FR BE CH"' in bad.text
    sent = visitor.post(f"/agencies/{agency['id']}/apply", fields)
    assert sent.status_code == 303 and sent.headers["location"] == f"/agencies/{agency['id']}/apply?sent=1"
    assert "data-sent" in visitor.get(sent.headers["location"]).text
    twice = visitor.post(f"/agencies/{agency['id']}/apply", fields)
    assert twice.status_code == 422 and 'id="email-error">Cet e-mail a déjà postulé auprès de cette agence.' in twice.text
    [applicant] = hosts_of(api, admin, agency["id"])
    assert (applicant["stage"], applicant["source"], applicant["languages"]) == ("applied", "form", ["fr", "en"])
    board = browser(actor=admin).get(f"/agency/{agency['id']}/pipeline").text
    assert column_of(board, applicant["id"]) == "applied" and "Amélie" in card(board, applicant["id"])
    assert visitor.get("/agencies/99999999/apply").status_code == 404


@pytest.mark.slow
def test_in_chromium_the_calendar_follows_the_browser_s_time_zone_and_fits_a_phone_in_arabic(
        api, app_server, chromium, screenshot):
    with ThreadPoolExecutor(1) as pool:  # the role is given in SQL, outside Playwright's running event loop
        admin = pool.submit(make_agency_admin, api, app_server.database_url).result()
    agency = make_agency(api, admin)
    _, host = make_active_host(api, admin, agency["id"])
    at = next_utc(weekday=3, hour=9, minute=30)  # a Thursday, 09:30 UTC
    show = brand_show(api, at)["show"]
    api.post(f"/api/v1/hosts/{host['id']}/bookings", headers=admin.headers,
             json={"host_id": host["id"], "show_id": show["id"]})
    assert api.patch("/api/v1/me", headers=admin.headers, json={"language": "ar"}).status_code == 200
    context = chromium.new_context(viewport={"width": 360, "height": 740}, timezone_id="America/New_York",
                                   base_url=app_server.url)
    context.add_cookies([{"name": "livestall_session", "value": admin.token, "url": app_server.url,
                          "httpOnly": True, "sameSite": "Lax"}])
    try:
        page = context.new_page()
        path = f"/agency/{agency['id']}/bookings?week={at.date().isoformat()}"
        page.goto(path)  # the page's script tells the server the browser's time zone, for the next page
        page.goto(path)
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
        slot = page.locator(f"[data-booking-id] >> text={show['title']}").locator("xpath=ancestor::li[1]")
        new_york = Localizer("ar", ZoneInfo("America/New_York"))
        assert new_york.time(at) in slot.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "agency-bookings-ar-phone", full_page=True)
        page.goto(f"/agency/{agency['id']}/pipeline")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, "agency-pipeline-ar-phone", full_page=True)
    finally:
        context.close()


def test_a_brand_requests_a_host_from_the_roster_and_the_agency_books_from_the_request(api, browser, admin, agency):
    user, host = make_active_host(api, admin, agency["id"])  # Spanish, Europe/Madrid
    at = next_utc(weekday=2, hour=17) + timedelta(days=14)  # a Wednesday at least two weeks ahead
    brand = brand_show(api, at)
    shop_browser = browser(actor=brand["owner"])
    roster = shop_browser.get(f"/agencies/{agency['id']}/hosts?host={host['id']}")
    assert roster.status_code == 200 and host["display_name"] in roster.text
    assert f'<option value="{host["id"]}" selected>' in roster.text  # the host asked for is chosen
    bad = shop_browser.post(f"/agencies/{agency['id']}/requests", {"host_id": str(host["id"]), "shop_id": "",
                                                                   "language": "es", "market": "ES", "date": ""})
    assert bad.status_code == 422 and 'id="shop_id-error"' in bad.text and 'id="date-error"' in bad.text
    assert api.get(f"/api/v1/agencies/{agency['id']}/requests", headers=admin.headers).json() == []
    sent = shop_browser.post(f"/agencies/{agency['id']}/requests", {
        "host_id": str(host["id"]), "shop_id": str(brand["shop"]["id"]), "show_id": str(brand["show"]["id"]),
        "language": "es", "market": "ES", "date": at.date().isoformat(), "note": "Pearls, please"})
    assert sent.status_code == 303, sent.text
    [request] = api.get(f"/api/v1/agencies/{agency['id']}/requests", headers=admin.headers).json()
    assert (request["host_id"], request["show_id"], request["status"]) == (host["id"], brand["show"]["id"], "open")
    mine = shop_browser.get(sent.headers["location"]).text
    assert f'data-request-id="{request["id"]}" data-status="open"' in mine and "Waiting for the agency" in mine

    console = browser(actor=admin)
    calendar = console.get(f"/agency/{agency['id']}/bookings").text
    link = re.search(r'href="([^"]+)" data-book-request', calendar).group(1)
    assert f"Asks for {host['display_name']}" in unescape(calendar)
    picker = console.get(unescape(link)).text
    assert f'value="{brand["show"]["id"]}" checked' in picker  # the request's show is picked already
    booked = console.post(f"/agency/hosts/{host['id']}/bookings", {"show_id": str(brand["show"]["id"]),
                                                                   "request_id": str(request["id"])})
    assert booked.status_code == 303, booked.text
    assert api.get(f"/api/v1/agencies/{agency['id']}/requests", headers=admin.headers).json()[0]["status"] == "booked"
    # the bookings calendar opens on the week of the next booking, two weeks ahead
    opened = console.get(f"/agency/{agency['id']}/bookings").text
    assert f'id="{booked.headers["location"].split("#")[1]}"' in opened and brand["show"]["title"] in opened
    nothing = console.post(f"/agency/hosts/{host['id']}/bookings", {"show_id": ""})
    assert nothing.status_code == 422 and form_error(nothing.text) == "Pick a show from the list."


def test_a_held_payout_is_released_or_cancelled_in_the_page_and_the_brand_settles(api, app_server, browser, admin,
                                                                                  agency):
    url = app_server.database_url
    worlds = []
    for _ in range(2):
        user, host = make_active_host(api, admin, agency["id"])
        brand = brand_show(api, datetime.now(timezone.utc) + timedelta(minutes=30))
        booking = api.post(f"/api/v1/hosts/{host['id']}/bookings", headers=admin.headers,
                           json={"host_id": host["id"], "show_id": brand["show"]["id"]}).json()
        api.post(f"/api/v1/bookings/{booking['id']}/accept", headers=user.headers)
        start = datetime.fromisoformat(booking["starts_at"])
        with ThreadPoolExecutor(1) as pool:  # outside the event loop a Chromium test of this module may leave running
            pool.submit(publish, url, brand["show"]["id"], start, start + timedelta(seconds=20)).result()
        for action in ("start", "end"):
            api.post(f"/api/v1/shows/{brand['show']['id']}/{action}", headers=user.headers)
        worlds.append((brand, booking))
    period = worlds[0][1]["starts_at"][:7]
    console = browser(actor=admin)
    console.get(f"/agency/{agency['id']}/statements?period={period}")
    for brand, booking in worlds:  # the agency's rule is "hold" until it says otherwise
        held = console.post(f"/agency/bookings/{booking['id']}/payout")
        assert held.status_code == 303
    page = console.get(f"/agency/{agency['id']}/statements?period={period}").text
    row = re.search(rf'<tr id="booking-{worlds[0][1]["id"]}".*?</tr>', page, re.S).group(0)
    assert 'data-payout="held"' in row and "Release and pay" in row and "Short: 0 min streamed" in row
    again = console.post(f"/agency/bookings/{worlds[0][1]['id']}/payout")
    assert again.status_code == 409
    assert form_error(again.text) == "This payout is held for review: release or cancel it."
    assert console.post(f"/agency/bookings/{worlds[0][1]['id']}/payout/release").status_code == 303
    assert console.post(f"/agency/bookings/{worlds[1][1]['id']}/payout/cancel").status_code == 303
    page = console.get(f"/agency/{agency['id']}/statements?period={period}").text
    assert 'data-payout="paid"' in page and "Released after review" in page and 'data-payout="cancelled"' in page
    # the brand had no revenue: the whole released fee is owed, on both sides
    brand = worlds[0][0]
    assert brand["shop"]["name"] in re.search(r"data-payables>.*?</ul>", page, re.S).group(0)
    shop_browser = browser(actor=brand["owner"])
    owed = shop_browser.get(f"/agencies/{agency['id']}/hosts").text
    assert Localizer("en").money({"amount_minor": 150000, "currency": "CNY"}) in re.search(
        r"data-payables>.*?</ul>", owed, re.S).group(0)
    broke = shop_browser.post(f"/agencies/{agency['id']}/payables/settle", {"shop_id": str(brand["shop"]["id"]),
                                                                           "currency": "CNY"})
    assert broke.status_code == 409 and form_error(broke.text) == "The shop's revenue holds nothing to settle with yet."
    stranger = browser(actor=register(api, roles=["seller"]))
    stranger.get(f"/agencies/{agency['id']}/hosts")
    assert stranger.post(f"/agencies/{agency['id']}/payables/settle", {"shop_id": str(brand["shop"]["id"]),
                                                                      "currency": "CNY"}).status_code == 403
