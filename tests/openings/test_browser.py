"""Openings in Chromium: a viewer buys on the show page and sees their place, the host opens in the studio,
the viewer sees the outcome arrive over the room."""

from __future__ import annotations


import httpx
import pytest

from tests.openings.support import buy_ticket, buyer_with, live_lot
from tests.web.support import logged_in_page, until

pytestmark = pytest.mark.slow


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 32), (250, 245, 235)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def world(app_server):
    """Made before the browser starts: topping up a wallet runs its own event loop."""
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        world = live_lot(client, quantity=3)
        world["wang"] = buyer_with(client, app_server.database_url, name="Wang")
    return world


def test_buy_an_opening_see_the_place_and_the_outcome_live(world, chromium, api, app_server):
    show_id, wang = world["show"]["id"], world["wang"]
    desk = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}
    viewer_ctx, viewer = logged_in_page(chromium, app_server.url, wang, f"/shows/{show_id}", **desk)
    host_ctx, host = logged_in_page(chromium, app_server.url, world["seller"], f"/studio/shows/{show_id}", **desk)
    try:
        viewer.get_by_role("button", name="Buy an opening").click()
        until(viewer, "document.querySelector('[data-openings-place]').textContent.includes('Your place in line: 1')")
        assert "Akoya oyster" in viewer.locator("[data-openings]").inner_text()
        # Bought elsewhere (another tab): the page hears of it only through the viewer's private frame.
        assert buy_ticket(api, wang, world["lot"]["id"]).status_code == 201
        place = "document.querySelector('[data-openings-place]').textContent"
        until(viewer, f"{place} === 'Your places in line: 1 · 2'")
        # The room's event of the first purchase can come after the second's private frame (that one is sent at
        # once, the room's with the next tick): it must not take the newer ticket's place away.
        first = min(t["position"] for t in api.get("/api/v1/me/openings", headers=wang.headers).json()["items"])
        stale = {"lot_id": world["lot"]["id"], "queued_positions": [first], "sold": first, "left": 3 - first,
                 "waiting": 1, "opened": 0, "outcome_deducible": False}  # the event as the first purchase sent it
        viewer.evaluate("(data) => document.dispatchEvent(new CustomEvent('livestall:room', {detail: "
                        "{type: 'opening.queue', data}}))", stale)
        assert viewer.evaluate(place) == "Your places in line: 1 · 2"

        until(host, "document.querySelector('[data-openings-studio]').textContent.includes('Next: Wang')")
        host.locator(".opening-outcome input[name=pearl_count]").first.fill("4")
        host.locator(".opening-outcome input[name=colour]").first.fill("white")
        host.locator(".opening-outcome [data-photo-file]").first.set_input_files(
            files=[{"name": "pearls.png", "mimeType": "image/png", "buffer": _png()}])
        until(host, "!document.querySelector('.opening-outcome [data-photo-preview]').hidden")
        host.get_by_role("button", name="Open next").first.click()
        until(viewer, "document.querySelector('[data-openings-results]').textContent.includes('Wang · Oyster · Pearls: 4')")
        until(viewer, f"{place} === 'Your place in line: 1'")
        until(host, "document.querySelector('[data-openings-studio]').textContent.includes('In line: 1')")
        mine = api.get("/api/v1/me/openings", headers=wang.headers).json()["items"][1]
        assert mine["outcome"]["pearl_count"] == 4 and mine["outcome"]["stream_offset_s"] >= 0
        assert mine["outcome"]["photo_url"].startswith("/media/uploads/openings/")
        assert viewer.errors == [] and host.errors == []
    finally:
        viewer_ctx.close()
        host_ctx.close()
