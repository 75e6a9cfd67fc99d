"""In Chromium, on a phone and on a desktop: the agency books a host by picking the brand's show from a search,
then pays the show after it fell short, with the flag beside "Pay" and the agency's rule applied."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from tests.agency.support import brand_show, make_active_host, make_agency, make_agency_admin, publish
from tests.helpers import unique
from tests.helpers_db import run_sql
from tests.web.support import logged_in_page

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.mark.slow
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_booking_from_the_picker_and_a_short_show_flagged_at_payout(api, app_server, chromium, screenshot, device):
    url = app_server.database_url
    with ThreadPoolExecutor(1) as pool:  # SQL outside Playwright's running event loop
        admin = pool.submit(make_agency_admin, api, url).result()
    agency = make_agency(api, admin)
    user, host = make_active_host(api, admin, agency["id"])
    brand_name = unique("Pearl House")
    brand = brand_show(api, datetime.now(timezone.utc) + timedelta(minutes=30), title="Pearls tonight")
    with ThreadPoolExecutor(1) as pool:
        pool.submit(run_sql, url, "UPDATE shops SET name = :n WHERE id = :i", n=brand_name,
                    i=brand["shop"]["id"]).result()
    brand_show(api, datetime.now(timezone.utc) + timedelta(minutes=40), title="Other brand's show")
    show = brand["show"]

    context, page = logged_in_page(chromium, app_server.url, admin, f"/agency/hosts/{host['id']}",
                                   **(PHONE if device == "phone" else DESKTOP))
    try:
        page.fill("#q-brand", brand_name[-10:])
        page.click("[data-show-search] button[type=submit]")
        choices = page.locator("[data-show-choices] [data-show-id]")
        assert choices.count() == 1 and "Pearls tonight" in choices.first.inner_text()
        assert brand_name in choices.first.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        screenshot(page, f"agency-picker-{device}", full_page=True)
        choices.first.click()  # the whole label is the tap target
        page.click("[data-book-form] button[type=submit]")
        page.wait_for_url("**/bookings?week=*")
        slot = page.locator("[data-booking-id]:has-text('Pearls tonight')")
        assert slot.count() == 1 and "Awaiting the host" in slot.inner_text()

        [booking] = api.get(f"/api/v1/agencies/{agency['id']}/bookings", headers=admin.headers).json()
        assert booking["show_id"] == show["id"]
        assert api.post(f"/api/v1/bookings/{booking['id']}/accept", headers=user.headers).status_code == 200
        assert api.post(f"/api/v1/shows/{show['id']}/start", headers=user.headers).status_code == 200
        start = datetime.fromisoformat(booking["starts_at"])
        with ThreadPoolExecutor(1) as pool:  # the stream dropped after 20 seconds
            pool.submit(publish, url, show["id"], start, start + timedelta(seconds=20)).result()
        assert api.post(f"/api/v1/shows/{show['id']}/end", headers=user.headers).status_code == 200

        period = booking["starts_at"][:7]
        page.goto(f"/agency/{agency['id']}/statements?period={period}")
        page.check("[data-rule-form] input[value=prorata]")
        page.click("[data-rule-form] button[type=submit]")
        page.wait_for_url("**rule=saved*")
        row = page.locator(f"#booking-{booking['id']}")
        attendance = row.locator("[data-attendance]").inner_text()
        assert "0 of 120 min streamed" in attendance and "Short" in attendance
        assert "Fee pro rata to the minutes streamed" in row.inner_text()
        assert row.locator("button", has_text="Pay").is_visible()
        screenshot(page, f"agency-short-show-{device}", full_page=True)
        row.locator("button", has_text="Pay").click()
        page.wait_for_url(f"**#booking-{booking['id']}")
        row = page.locator(f"#booking-{booking['id']}")
        assert row.locator("[data-payout]").get_attribute("data-payout") == "paid"
        assert "CN¥0.00" in row.inner_text() and "CN¥1,500.00" in row.inner_text()  # paid 0 of the 1,500 fee
        line = api.get(f"/api/v1/hosts/{host['id']}/statements/{period}", headers=admin.headers).json()["lines"][0]
        assert (line["paid"], line["rule"], line["fee_due"]["amount_minor"]) == (True, "prorata", 0)
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"] or \
            device == "phone" and page.locator(".table-wrap").count() > 0  # the statement table scrolls in its frame
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.slow
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_brand_requests_a_host_from_the_roster_page(api, app_server, chromium, screenshot, device):
    with ThreadPoolExecutor(1) as pool:
        admin = pool.submit(make_agency_admin, api, app_server.database_url).result()
    agency = make_agency(api, admin)
    _, host = make_active_host(api, admin, agency["id"], markets=["ES", "MX"])
    brand = brand_show(api, datetime.now(timezone.utc) + timedelta(days=3), title="Silk scarves live")
    context, page = logged_in_page(chromium, app_server.url, brand["owner"], f"/agencies/{agency['id']}/hosts",
                                   **(PHONE if device == "phone" else DESKTOP))
    try:
        card = page.locator(f"[data-brand-roster] [data-host-id='{host['id']}']")
        assert host["display_name"] in card.inner_text()
        card.locator("[data-request-host]").click()
        form = page.locator("[data-request-form]")
        assert form.locator("#f-host_id").input_value() == str(host["id"])
        assert form.locator("#f-language").input_value() == "es" and form.locator("#f-market").input_value() == "ES"
        form.locator("#f-shop_id").select_option(str(brand["shop"]["id"]))
        form.locator("#f-show_id").select_option(str(brand["show"]["id"]))
        form.locator("#f-date").fill(brand["show"]["scheduled_at"][:10])
        form.locator("button[type=submit]").click()
        page.wait_for_url("**requested=*")
        assert "Waiting for the agency" in page.locator("[data-my-requests]").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        screenshot(page, f"agency-brand-roster-{device}", full_page=True)
        [request] = api.get(f"/api/v1/agencies/{agency['id']}/requests", headers=admin.headers).json()
        assert (request["host_id"], request["shop_id"], request["show_id"]) == (
            host["id"], brand["shop"]["id"], brand["show"]["id"])
        assert page.errors == []
    finally:
        context.close()
