"""Show cards' pictures: frames of a real live stream, refreshed; covers for scheduled shows; the letter otherwise."""

from __future__ import annotations

import io
import re
import time
from email.utils import parsedate_to_datetime

import httpx
import pytest
from PIL import Image

from tests.helpers import make_show, unique
from tests.media.support import have_media_tools, host_with_show, rtmp_publisher, stream_key, wait_for
from tests.web.support import Browser

pytestmark = pytest.mark.slow
PORTRAIT = (360, 640)  # a phone held upright, as most live sellers stream
PHONE = {"width": 390, "height": 844}
# Discover lists 24 live shows: the module's shows are in a category of their own, so the suite's others never hide them.
CATEGORY = unique("pearls")
DISCOVER = f"/?category={CATEGORY}"
FRAME = re.compile(r'<img class="frame" src="(/hls/(\d+)/live\.jpg\?v=(\d+))" width="(\d+)" height="(\d+)"')


def card_of(html: str, show_id: int) -> str:
    """The HTML of one show's card on a page."""
    found = re.search(rf'<article class="card show-card" data-show-id="{show_id}">(.*?)</article>', html, re.S)
    assert found, f"no card for show {show_id}"
    return found.group(1)


def frame_on(browser: Browser, path: str, show_id: int) -> tuple[str, int, int, int] | None:
    """(url, version, width, height) of the live picture on the show's card at `path`, or None."""
    found = FRAME.search(card_of(browser.get(path).text, show_id))
    if not found or int(found.group(2)) != show_id:
        return None
    return found.group(1), int(found.group(3)), int(found.group(4)), int(found.group(5))


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture(scope="module")
def api(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def media_tools():
    """ffmpeg and nginx-rtmp, which the app server supervises when they are installed."""
    missing = have_media_tools()
    if missing:
        pytest.skip(missing)


@pytest.fixture(scope="module")
def streaming(app_server, api, media_tools):
    """A show live from a real RTMP publisher sending portrait video, for the module; ended afterwards."""
    host, show = host_with_show(api, category=CATEGORY, title=unique("Pearl necklaces live"))
    key = stream_key(api, host)
    publisher = rtmp_publisher(f"rtmp://127.0.0.1:{app_server.rtmp_port}/live/{show['id']}?key={key}",
                               size=f"{PORTRAIT[0]}x{PORTRAIT[1]}")
    try:
        yield {"host": host, "show": show}
    finally:
        publisher.kill()
        publisher.wait()
        api.post(f"/api/v1/shows/{show['id']}/end", headers=host.headers)


def test_a_live_cards_picture_is_a_frame_of_its_stream_and_is_refreshed(browser, api, streaming):
    show_id, visitor = streaming["show"]["id"], browser()
    url, version, width, height = wait_for(lambda: frame_on(visitor, DISCOVER, show_id), timeout=30,
                                           what="a live picture on the discover card")
    card = card_of(visitor.get(DISCOVER).text, show_id)
    assert 'class="badge live"' in card and "data-viewers=" in card  # the picture keeps its badge and count
    assert f'data-snapshot="/hls/{show_id}/live.jpg"' in card  # what the page's script refreshes from

    first = api.get(url)
    assert first.status_code == 200 and first.headers["content-type"] == "image/jpeg"
    assert first.headers["cache-control"] == "public, max-age=4"
    picture = decode(first.content)
    assert picture.format == "JPEG" and picture.size == (width, height)
    assert abs(width / height - PORTRAIT[0] / PORTRAIT[1]) < 0.02 and width <= 480  # portrait, small
    assert len(picture.convert("RGB").getcolors(1 << 16) or range(1 << 16)) > 50  # the test pattern, not a blank

    later = wait_for(lambda: (found := frame_on(visitor, DISCOVER, show_id)) and found[1] > version and found,
                     timeout=30, what="a newer picture")
    second = api.get(later[0])
    assert second.status_code == 200 and second.content != first.content  # the pattern's clock moved on
    modified = [parsedate_to_datetime(r.headers["last-modified"]) for r in (first, second)]
    assert modified[1] > modified[0]
    assert decode(second.content).size == (width, height)
    # The script's URL (one per period, shared by every viewer) serves the newest picture too.
    assert api.get(f"/hls/{show_id}/live.jpg", params={"t": "1"}).content[:2] == b"\xff\xd8"


def test_search_host_and_shop_pages_show_the_live_picture(browser, streaming):
    show, visitor = streaming["show"], browser()
    for path in (f"/search?q={show['title']}", f"/hosts/{streaming['host'].id}", f"/shops/{show['shop_id']}"):
        found = wait_for(lambda: frame_on(visitor, path, show["id"]), timeout=30, what=f"the picture on {path}")
        assert found[2] < found[3], path  # portrait kept


def test_an_ended_show_drops_its_live_picture_and_shows_its_replay_thumbnail(browser, api, app_server, media_tools):
    host, show = host_with_show(api, category=CATEGORY, title=unique("Short"))
    key = stream_key(api, host)
    publisher = rtmp_publisher(f"rtmp://127.0.0.1:{app_server.rtmp_port}/live/{show['id']}?key={key}",
                               size="640x360")
    try:
        visitor = browser()
        wait_for(lambda: frame_on(visitor, DISCOVER, show["id"]), timeout=30, what="the live picture")
        assert api.post(f"/api/v1/shows/{show['id']}/end", headers=host.headers).status_code == 200
        wait_for(lambda: api.get(f"/api/v1/shows/{show['id']}/replay").status_code == 200, timeout=20,
                 what="the replay")
    finally:
        publisher.kill()
        publisher.wait()
    assert api.get(f"/hls/{show['id']}/live.jpg").status_code == 404
    card = card_of(visitor.get(f"/hosts/{host.id}").text.split(">Replays<", 1)[1], show["id"])
    thumbnail = re.search(rf'<img class="frame" src="(/hls/{show["id"]}/thumb\.jpg\?v=\d+)" width="(\d+)" '
                          r'height="(\d+)"', card)
    assert thumbnail and "data-snapshot" not in card, card
    image = decode(api.get(thumbnail.group(1)).content)
    assert image.size == (int(thumbnail.group(2)), int(thumbnail.group(3))) and image.width > image.height


def test_scheduled_shows_show_their_cover_and_others_the_letter(browser, api, streaming):
    host = streaming["host"]
    covered = make_show(api, host, streaming["show"]["shop_id"], category=CATEGORY, title=unique("Covered"), minutes_ahead=90)
    bare = make_show(api, host, streaming["show"]["shop_id"], category=CATEGORY, title=unique("Bare"), minutes_ahead=95)
    buf = io.BytesIO()
    Image.new("RGB", (800, 450), (30, 90, 200)).save(buf, "PNG")
    uploaded = api.post(f"/api/v1/shows/{covered['id']}/cover", headers=host.headers,
                        files={"file": ("cover.png", buf.getvalue(), "image/png")})
    assert uploaded.status_code == 200, uploaded.text
    cover_url = uploaded.json()["cover_url"]

    page = browser().get(DISCOVER).text
    upcoming = page.split('id="upcoming"', 1)[1]
    card = card_of(upcoming, covered["id"])
    assert f'<img src="{cover_url}"' in card and "cover-fallback" not in card and "live.jpg" not in card
    cover = api.get(cover_url)
    assert cover.status_code == 200 and decode(cover.content).size == (800, 450)
    letter = card_of(upcoming, bare["id"])
    assert 'class="cover-fallback"' in letter and "<img" not in letter and "data-snapshot" not in letter


def test_a_live_show_without_video_keeps_the_letter_until_a_picture_comes(browser, api, streaming):
    host = streaming["host"]
    show = make_show(api, host, streaming["show"]["shop_id"], category=CATEGORY, title=unique("Quiet"), minutes_ahead=5)
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers).status_code == 200
    try:
        card = card_of(browser().get(DISCOVER).text, show["id"])
        assert 'class="cover-fallback"' in card and 'class="frame"' not in card
        assert f'data-snapshot="/hls/{show["id"]}/live.jpg"' in card  # the script asks for a while, then stops
        assert api.get(f"/hls/{show['id']}/live.jpg").status_code == 404
    finally:
        api.post(f"/api/v1/shows/{show['id']}/end", headers=host.headers)


def test_discover_on_a_phone_shows_the_picture_without_csp_violations(chromium, app_server, streaming, screenshot):
    show_id = streaming["show"]["id"]
    context = chromium.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                   base_url=app_server.url)
    try:
        # Runs before the page's own scripts, and is not itself subject to the page's policy.
        context.add_init_script("window.__violations = [];"
                                "document.addEventListener('securitypolicyviolation', e => window.__violations"
                                ".push(e.violatedDirective + ' ' + e.blockedURI));")
        page = context.new_page()
        console, errors = [], []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(DISCOVER)
        frame = page.locator(f"[data-live-list] [data-show-id='{show_id}'] img.frame")
        frame.wait_for(state="visible", timeout=15_000)
        first_src = frame.get_attribute("src")
        deadline = time.monotonic() + 20
        while frame.get_attribute("src") == first_src and time.monotonic() < deadline:
            page.wait_for_timeout(250)  # the script swaps in a newer picture every 5 s
        src = frame.get_attribute("src")
        assert src != first_src and re.fullmatch(rf"http://[^/]+/hls/{show_id}/live\.jpg\?t=\d+", src), src
        size = page.evaluate("(img => [img.naturalWidth, img.naturalHeight, img.getBoundingClientRect().width,"
                             " img.getBoundingClientRect().height])(document.querySelector("
                             f"\"[data-show-id='{show_id}'] img.frame\"))")
        assert size[0] and abs(size[0] / size[1] - PORTRAIT[0] / PORTRAIT[1]) < 0.02, size
        assert size[3] <= size[2] * 4 / 3 + 1, size  # a tall picture is shown no taller than 3:4
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "discover-live-pictures-phone")
        violations = page.evaluate("window.__violations")
        assert not violations, violations
        assert not [m for m in console if "Content Security Policy" in m or "Refused to" in m], console
        assert not errors, errors
    finally:
        context.close()
