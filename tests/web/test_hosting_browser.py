"""An invitation to host, answered on a 390 px phone in Chromium."""

from __future__ import annotations

import pytest

from tests.helpers import make_shop, make_show, register, unique

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}


def test_accept_an_invitation_on_a_phone(chromium, api, app_server, screenshot):
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller, name=unique("Jade Peak"))
    host = register(api, roles=["host"], display_name="James")
    show = make_show(api, seller, shop["id"], host_id=host.id, title="Trekking gear, live from Hangzhou")
    context = chromium.new_context(viewport=PHONE, locale="en-GB", base_url=app_server.url, has_touch=True)
    try:
        context.add_cookies([{"name": "livestall_session", "value": host.token, "url": app_server.url,
                              "httpOnly": True, "sameSite": "Lax"}])
        page = context.new_page()
        page.goto("/studio")
        card = page.locator("[data-invitation-id]").first
        assert "Trekking gear, live from Hangzhou" in card.inner_text()
        accept, decline = card.get_by_role("button", name="Accept"), card.get_by_role("button", name="Decline")
        for button in (accept, decline):
            box = button.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 40
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing sideways
        screenshot(page, "studio-invitation-phone")
        accept.click()
        page.wait_for_url("**/studio?accepted=*")
        assert page.get_by_role("status").first.inner_text() == "Accepted: you are the show's host."
        assert api.get(f"/api/v1/shows/{show['id']}").json()["host_id"] == host.id
    finally:
        context.close()
