"""Installable: the web app manifest, its icons, the page's link to it, and Chromium's view of both."""

from __future__ import annotations

import io
import json
import re
import time

import httpx
import pytest
from PIL import Image

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

PHONE = {"width": 390, "height": 844}
MANIFEST_LINK = re.compile(r'<link rel="manifest" href="(/static/manifest\.webmanifest(?:\?[^"]*)?)">')


@pytest.fixture(scope="module")
def api(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def manifest(api) -> dict:
    link = MANIFEST_LINK.search(api.get("/").text)
    assert link, "the page links no manifest"
    response = api.get(link.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == "application/manifest+json"
    return json.loads(response.text)


def test_the_manifest_opens_the_live_feed_standalone(manifest):
    assert manifest["name"] == "Livestall" and manifest["short_name"] == "Livestall"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["id"] == "/"  # discover: live now
    assert manifest["display"] == "standalone"
    for colour in ("theme_color", "background_color"):
        assert re.fullmatch(r"#[0-9a-f]{6}", manifest[colour]), colour


def test_the_icons_decode_at_their_declared_sizes(api, manifest):
    icons = manifest["icons"]
    assert {icon["sizes"] for icon in icons if icon["purpose"] == "any"} >= {"192x192", "512x512"}
    assert any(icon["purpose"] == "maskable" for icon in icons)
    for icon in icons:
        response = api.get(icon["src"])
        assert response.status_code == 200 and response.headers["content-type"] == icon["type"] == "image/png"
        assert len(response.content) < 20_000, icon["src"]  # small: a phone fetches them on install
        image = Image.open(io.BytesIO(response.content))
        image.load()
        assert image.format == "PNG" and "x".join(map(str, image.size)) == icon["sizes"], icon["src"]
        corner = image.convert("RGBA").getpixel((0, 0))
        # A launcher cuts a maskable icon to its own shape: it must be painted to the edges.
        assert (corner[3] == 255) == (icon["purpose"] == "maskable"), icon["src"]


def test_every_page_links_the_manifest_and_the_theme_colour(api, manifest):
    for path in ("/", "/search?q=wool", "/login"):
        page = api.get(path)
        assert MANIFEST_LINK.search(page.text), path
        assert f'<meta name="theme-color" content="{manifest["theme_color"]}">' in page.text, path
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "manifest-src" not in policy  # same-origin manifests allowed


def test_chromium_finds_it_installable_and_the_push_worker_keeps_its_scope_and_works(chromium, app_server, tmp_path):
    # A profile on disk: Chromium never offers to install from an incognito-like context.
    context = chromium.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=PHONE, is_mobile=True,
        has_touch=True, base_url=app_server.url)
    try:
        context.grant_permissions(["notifications"], origin=app_server.url)
        page = context.pages[0] if context.pages else context.new_page()
        console = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.goto("/")
        cdp = context.new_cdp_session(page)
        registrations = []
        cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
        cdp.send("ServiceWorker.enable")
        found = cdp.send("Page.getAppManifest")
        assert found["url"].startswith(f"{app_server.url}/static/manifest.webmanifest"), found
        assert not found["errors"], found["errors"]
        deadline = time.monotonic() + 10
        while True:  # Chromium fetches and checks the icons in the background
            errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
            if not errors or time.monotonic() > deadline:
                break
            page.wait_for_timeout(200)
        assert not errors, errors
        scope = page.evaluate("navigator.serviceWorker.register('/static/js/push-sw.js').then(r => r.scope)")
        assert scope == f"{app_server.url}/static/js/"
        # Its scope is its folder, not the page: `navigator.serviceWorker.ready` would wait for ever here.
        state = "navigator.serviceWorker.getRegistration('/static/js/').then(r => r && r.active && r.active.state)"
        deadline = time.monotonic() + 10
        while page.evaluate(state) != "activated" and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert page.evaluate(state) == "activated"
        # A push as the push service would deliver it: the worker shows it as a notification.
        worker = next(r for r in registrations if r["scopeURL"] == scope)
        news = {"title": "Ana is live", "body": "Pearl necklaces", "url": "/shows/1"}
        push = {"origin": app_server.url, "registrationId": worker["registrationId"], "data": json.dumps(news)}
        shown = ("navigator.serviceWorker.getRegistration('/static/js/').then(r => r.getNotifications())"
                 ".then(ns => ns.map(n => [n.title, n.body, n.data.url]))")
        deadline = time.monotonic() + 30  # a busy machine may take a while to wake the worker
        while not page.evaluate(shown) and time.monotonic() < deadline:
            # Delivered again every 10 s, as a push service retries: on a busy machine Chromium now and then
            # drops a message delivered through the DevTools protocol while it wakes the worker.
            cdp.send("ServiceWorker.deliverPushMessage", push)
            wait_until = min(deadline, time.monotonic() + 10)
            while not page.evaluate(shown) and time.monotonic() < wait_until:
                page.wait_for_timeout(100)
        notifications = page.evaluate(shown)
        assert notifications and all(n == ["Ana is live", "Pearl necklaces", "/shows/1"] for n in notifications)
        assert not [m for m in console if "Content Security Policy" in m or "Manifest" in m], console
    finally:
        context.close()
