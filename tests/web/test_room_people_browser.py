"""The room script in Chromium: the tabs of one browser are one viewer, and a logout in one tab ends the login
of the others' room sockets."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.helpers import register
from tests.web.support import live_world
from tests.web.support import until

pytestmark = pytest.mark.slow

SEND = """async () => {
  try { await window.livestallShow.room.send("chat.send", { text: "hello from the other tab" }); return "ack"; }
  catch (e) { return e.code || "error"; }
}"""


def viewers_shown(page) -> str:
    return page.locator("[data-viewers]").inner_text().strip()


@pytest.fixture()
def show(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as api:
        world = live_world(api)
        return {"id": world["show"]["id"], "viewer": register(api)}


def test_four_tabs_of_one_browser_are_one_viewer(chromium, app_server, show):
    browser = chromium.new_context(base_url=app_server.url)
    someone_else = chromium.new_context(base_url=app_server.url)
    try:
        tabs = [browser.new_page() for _ in range(4)]
        for tab in tabs:
            tab.goto(f"/shows/{show['id']}")
            until(tab, "document.querySelector('[data-viewers]').textContent.trim() === '1'")
        ids = {tab.evaluate("localStorage.getItem('livestall.viewer')") for tab in tabs}
        assert len(ids) == 1 and None not in ids  # one id for the browser, kept in its storage
        other = someone_else.new_page()
        other.goto(f"/shows/{show['id']}")
        for tab in (*tabs, other):
            until(tab, "document.querySelector('[data-viewers]').textContent.trim() === '2'")
    finally:
        browser.close()
        someone_else.close()


def test_a_logout_in_one_tab_ends_the_login_of_the_room_in_the_other(chromium, app_server, show):
    context = chromium.new_context(base_url=app_server.url)
    context.add_cookies([{"name": "livestall_session", "value": show["viewer"].token, "url": app_server.url,
                          "httpOnly": True, "sameSite": "Lax"}])
    try:
        first, second = context.new_page(), context.new_page()
        for tab in (first, second):
            tab.goto(f"/shows/{show['id']}")
        until(second, "window.livestallShow.room && document.querySelector('[data-viewers]').textContent.trim()")
        deadline = time.monotonic() + 15
        while second.evaluate(SEND) != "ack":  # the room is open and takes the logged-in user's chat
            assert time.monotonic() < deadline, "the logged-in tab could never chat"
            second.wait_for_timeout(200)
        first.locator("form.logout button").click()
        first.wait_for_url("**/")
        # The other tab's socket is closed and reconnects without the login: its chat is refused now.
        deadline = time.monotonic() + 15
        while (answer := second.evaluate(SEND)) != "unauthorized":
            assert time.monotonic() < deadline, f"the other tab still chats after the logout ({answer})"
            second.wait_for_timeout(200)
        shown = until(second, "(e => !e.hidden && e.textContent)(document.querySelector('[data-room-error]'))")
        assert "logged out" in shown
    finally:
        context.close()
