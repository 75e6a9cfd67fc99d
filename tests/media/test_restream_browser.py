"""The studio's simulcast panel on a phone: adding a target, a refusal in words, the live state of each target."""

from __future__ import annotations

from tests.media.support import host_with_show, rtmp_publisher, stream_key
from tests.services import free_port
from tests.web.conftest import ARTIFACTS, DESKTOP, PHONE
from tests.web.support import logged_in_page, until


def test_phone_studio_adds_targets_and_shows_a_failing_one(mapi, media_server, browser):
    host, show = host_with_show(mapi)
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    context, page = logged_in_page(browser, media_server.url, host, f"/studio/shows/{show['id']}", **PHONE)
    publisher = None
    try:
        page.locator("[data-ph-more]").tap()  # the phone's camera screen keeps the whole studio behind "More"
        panel = page.locator("[data-restream-panel]")
        panel.scroll_into_view_if_needed()
        until(page, "document.querySelector('[data-restream-server]').value === 'rtmp://a.rtmp.youtube.com/live2'")
        page.fill("#restream-key", "live_phone9a8b7c3f9a")
        panel.get_by_role("button", name="Add").tap()
        until(page, "document.querySelectorAll('[data-restream-list] li').length === 1")
        row = page.inner_text("[data-restream-list] li")
        assert "YouTube Live" in row and "live_••••3f9a" in row and "Starts when you go live" in row
        assert "live_phone9a8b7c3f9a" not in page.content()
        assert page.input_value("#restream-key") == ""  # the key is not kept on the page either
        page.locator("[data-restream-list] li").get_by_role("button", name="Pause").tap()
        until(page, "document.querySelector('[data-restream-list] li').dataset.state === 'paused'")
        assert "Resume" in page.inner_text("[data-restream-list] li")
        page.select_option("#restream-preset", "custom")
        page.fill("#restream-server", "https://example.com/live")
        page.fill("#restream-key", "abc")
        panel.get_by_role("button", name="Add").tap()
        until(page, "!document.querySelector('[data-restream-error]').hidden")
        assert "rtmp://" in page.inner_text("[data-restream-error]")
        # a server that refuses: shown as failing, with ffmpeg's reason, while the show goes live
        page.fill("#restream-server", f"rtmp://127.0.0.1:{free_port()}/app")
        page.fill("#restream-key", "sk_refused0000")
        page.fill("#restream-label", "Closed door")
        panel.get_by_role("button", name="Add").tap()
        until(page, "document.querySelectorAll('[data-restream-list] li').length === 2")
        publisher = rtmp_publisher(f"{media_server.rtmp}/{show['id']}?key={stream_key(mapi, host)}", seconds=20)
        until(page, "document.querySelector('[data-restream-list] li:nth-child(2)').dataset.state === 'failing'",
              timeout=20)
        assert page.inner_text("[data-restream-list] li:nth-child(1)").count("Paused") == 1  # a paused one is not sent
        failing = page.inner_text("[data-restream-list] li:nth-child(2)")
        assert "Failing" in failing and "refused" in failing.lower() and "sk_refused0000" not in failing
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        panel.screenshot(path=str(folder / "studio-restream-phone.png"))
        assert not page.errors, page.errors
    finally:
        if publisher is not None:
            publisher.kill()
            publisher.wait()
        context.close()
    context, desktop = logged_in_page(browser, media_server.url, host, f"/studio/shows/{show['id']}", **DESKTOP)
    try:
        until(desktop, "document.querySelectorAll('[data-restream-list] li').length === 2")
        desktop.locator("[data-restream-panel]").screenshot(path=str(folder / "studio-restream-desktop.png"))
        assert not desktop.errors, desktop.errors
    finally:
        context.close()
