"""Fixtures for the browser tests: one Chromium per test module (Debian's, through Playwright), contexts per user."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run",
                 # a fake camera and microphone, allowed without a prompt: the studio goes live with them
                 "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                 "--autoplay-policy=no-user-gesture-required"]
# Chromium's phone emulation (a 390 px touch screen) and a desktop, as browser contexts' options.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
ARTIFACTS = Path(os.environ.get("LIVESTALL_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"))


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium for the whole module (starting one costs a second or two)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def open_page(chromium, app_server):
    """A page in a fresh browser context (a phone unless told otherwise), logged in as `actor` when one is given."""
    contexts = []

    def open_(path: str, actor=None, *, device=PHONE, language: str = "en-US", swiped_before: bool = True):
        context = chromium.new_context(**device, locale=language, base_url=app_server.url)
        contexts.append(context)
        if swiped_before:  # no first-visit "swipe up" hint over the page
            context.add_init_script("localStorage.setItem('livestall.swiped', '1')")
        if actor is not None:
            context.add_cookies([{"name": "livestall_session", "value": actor.token, "url": app_server.url,
                                  "httpOnly": True, "sameSite": "Lax"}])
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.goto(path)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture()
def screenshot():
    """Save a page's screenshot as a test artifact: var/test-artifacts/screenshots/NAME.png."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, full_page: bool = False) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture()
def browser(app_server):
    """Opens page clients (tests.web.support.Browser) in a language, each closed after the test."""
    from tests.web.support import Browser

    made: list[Browser] = []

    def open_(language: str = "en") -> Browser:
        made.append(Browser(app_server.url, language))
        return made[-1]

    yield open_
    for b in made:
        b.close()
