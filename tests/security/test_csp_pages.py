"""The main pages, in Chromium, under their own Content-Security-Policy: not one violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import login
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.support import live_world

# Recorded by the page itself: Chromium fires this event for every blocked script, style, image,
# frame or connection (init scripts come from the browser, not the page, so the policy allows this one).
LISTEN = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));"""


def test_main_pages_pass_their_content_security_policy(api, app_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    world = live_world(api)
    host, show_id, shop_id = world["host"], world["show"]["id"], world["shop"]["id"]
    pages = ["/", "/search?q=wool", "/login", "/signup", f"/shops/{shop_id}", f"/hosts/{host.id}",
             f"/shows/{show_id}", f"/embed/shows/{show_id}", "/account", "/account/orders", "/studio",
             f"/studio/shows/{show_id}", "/manage", f"/manage/shops/{shop_id}", "/insights/mine", "/festivals"]
    token = login(api, host.email).token
    violations: list[str] = []
    found: list[str] = ["the pages were not all visited"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=app_server.url)
        context.add_cookies([{"name": "livestall_session", "value": token, "url": app_server.url,
                              "httpOnly": True, "sameSite": "Lax"}])
        context.add_init_script(LISTEN)
        page = context.new_page()
        page.on("console", lambda msg: violations.append(f"{page.url}: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text else None)
        try:
            for path in pages:
                response = page.goto(path)
                assert response is not None and response.status == 200, path
                assert "script-src 'self'" in response.headers["content-security-policy"], path
                page.wait_for_timeout(500)  # scripts start, the room connects, images and video load
                violations += [f"{path}: {v}" for v in page.evaluate("window.__csp")]
            found = list(violations)
            # both listeners do hear a violation: a foreign image is blocked and reported
            page.evaluate("document.body.append(Object.assign(new Image(), {src: 'https://cdn.example.invalid/x.png'}))")
            page.wait_for_timeout(300)
            assert any("img-src" in v for v in page.evaluate("window.__csp"))
            assert len(violations) > len(found)
        finally:
            browser.close()
    assert not found, "\n".join(found)
