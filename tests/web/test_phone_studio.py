"""The host's studio on a phone (390x844, touch) in Chromium with its fake camera: one screen over the camera,
going live in portrait, one-tap pins and answers, the live figures; Arabic, sideways; and portrait through ffmpeg."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from livestall.media import commands
from tests.helpers import make_product, make_shop, make_show, register, unique
from tests.orders.support import top_up
from tests.room_client import RoomClient
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.support import logged_in_page, until

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}
SIDEWAYS = {"width": 844, "height": 390}
ADDRESS = {"name": "Sofía García", "line1": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013", "country": "ES"}


@pytest.fixture(scope="module")
def api(app_server):
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        yield client


# Whether leaving the page now would be held for the browser to ask (a beforeunload that is cancelled).
LEAVING_IS_HELD = "(() => { const e = new Event('beforeunload', { cancelable: true }); dispatchEvent(e); " \
                  "return e.defaultPrevented; })()"


def photo(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (96, 96), colour).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def shop_world(api):
    """A seller-host with a shop of three products (two with photos)."""
    host = register(api, roles=["seller", "host"], display_name=unique("Mei"))
    shop = make_shop(api, host, name=unique("Wardrobe"))
    products = [make_product(api, host, shop["id"], title=title, price_minor=price, stock=30)
                for title, price in (("Hand-knitted wool scarf", 12800), ("Yak wool cardigan", 58800),
                                     ("Felt slippers", 6900))]
    for product, colour in zip(products[:2], ((200, 40, 60), (60, 90, 160))):
        added = api.post(f"/api/v1/products/{product['id']}/images", headers=host.headers,
                         files={"file": ("p.png", photo(colour), "image/png")})
        assert added.status_code == 201, added.text
    return {"host": host, "shop": shop, "products": products}


@pytest.fixture(scope="module")
def upright(chromium, tmp_path_factory):
    """A Chromium whose camera films upright, as a phone's does when held upright (its picture is 720x1280)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed")
    pattern = tmp_path_factory.mktemp("camera") / "upright.y4m"
    subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=720x1280:rate=15", "-t", "1",
                    "-pix_fmt", "yuv420p", str(pattern)], check=True)
    browser = chromium.browser_type.launch(executable_path=CHROMIUM,
                                           args=[*CHROMIUM_ARGS, f"--use-file-for-fake-video-capture={pattern}"])
    yield browser
    browser.close()


@pytest.fixture()
def phone(chromium, app_server):
    """A logged-in phone (touch, mobile viewport) showing a page; the contexts are closed afterwards."""
    contexts = []

    def open_(path: str, actor, *, viewport=PHONE, locale: str = "en-GB", mobile: bool = True, browser=None):
        context, page = logged_in_page(browser or chromium, app_server.url, actor, path, viewport=viewport,
                                       locale=locale, is_mobile=mobile, has_touch=mobile,
                                       device_scale_factor=2 if mobile else 1)
        contexts.append(context)
        return page

    yield open_
    for context in contexts:
        context.close()


def pinned_ids(api: httpx.Client, show_id: int) -> set[int]:
    return {item["product_id"] for item in api.get(f"/api/v1/shows/{show_id}/pins").json()["items"]}


def eventually(check, timeout: float = 10.0):
    """Poll `check` until it returns something true (the server side of a tap)."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.1)
    return result


def probe(path: Path) -> tuple[int, int]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                          "-of", "json", str(path)], capture_output=True, text=True, check=True).stdout
    stream = json.loads(out)["streams"][0]
    return stream["width"], stream["height"]


def last_segment_size(api: httpx.Client, show_id: int, folder: Path) -> tuple[int, int]:
    """(width, height) of the newest segment of the show's live playlist: what a viewer gets now."""
    playlist = api.get(f"/hls/{show_id}/index.m3u8")
    assert playlist.status_code == 200, playlist.text
    segment = [line for line in playlist.text.splitlines() if line.endswith(".ts")][-1]
    (folder / "s.ts").write_bytes(api.get(f"/hls/{show_id}/{segment}").content)
    return probe(folder / "s.ts")


def fills_the_screen(page, viewport: dict) -> None:
    box = page.locator("[data-preview]").bounding_box()
    assert box == {"x": 0, "y": 0, "width": viewport["width"], "height": viewport["height"]}, box
    assert page.evaluate("getComputedStyle(document.querySelector('[data-preview]')).objectFit") == "cover"
    # one screen: nothing to scroll, either way
    assert page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]") == \
        [viewport["width"], viewport["height"]]


def test_the_host_runs_a_portrait_show_from_the_phone(phone, upright, api, app_server, database_url, shop_world, tmp_path,
                                                      screenshot):
    host, (scarf, cardigan, _) = shop_world["host"], shop_world["products"]
    show = make_show(api, host, shop_world["shop"]["id"], title=unique("Wool, live from Tianshui"), minutes_ahead=5)
    page = phone(f"/studio/shows/{show['id']}", host, browser=upright)
    until(page, "document.querySelector('[data-golive-state]').dataset.state === 'camera'")
    fills_the_screen(page, PHONE)
    assert until(page, "(v => v.videoWidth && [v.videoWidth, v.videoHeight])(document.querySelector('[data-preview]'))") \
        == [720, 1280]  # an upright phone films upright
    assert page.locator("[data-ph-format]").inner_text() == "Portrait · \u2066720×1280\u2069"
    assert not page.locator(".studio-grid [data-pin-list]").is_visible()  # the desktop panels stay out of the way
    screenshot(page, "phone-studio-ready")

    page.get_by_role("button", name="Go live").tap()
    until(page, "document.querySelector('[data-golive-state]').dataset.state === 'live'", timeout=30)
    assert api.get(f"/api/v1/shows/{show['id']}").json()["status"] == "live"
    assert page.locator("[data-ph-status]").inner_text() == "LIVE"
    assert not page.get_by_role("button", name="Go live").is_visible()  # on air: the button makes room
    until(page, "/^0:[0-5][0-9]$/.test(document.querySelector('[data-ph-clock]').textContent)")  # time on air

    # a viewer arrives: the count goes up (the host's own studio is in the room too)
    until(page, "document.querySelector('[data-ph-viewers]').textContent === '1'")
    sofia = register(api, display_name="Sofía")
    viewer = RoomClient(app_server.ws_base, show["id"], sofia.token, origin=app_server.url)
    try:
        until(page, "document.querySelector('[data-ph-viewers]').textContent === '2'")

        # one tap pins, the next unpins
        page.locator(f"[data-ph-pin='{scarf['id']}']").tap()
        eventually(lambda: scarf["id"] in pinned_ids(api, show["id"]))
        assert page.locator(f"[data-ph-pin='{scarf['id']}']").get_attribute("aria-pressed") == "true"
        page.locator(f"[data-ph-pin='{cardigan['id']}']").tap()
        eventually(lambda: pinned_ids(api, show["id"]) == {scarf["id"], cardigan["id"]})
        page.locator(f"[data-ph-pin='{cardigan['id']}']").tap()
        eventually(lambda: pinned_ids(api, show["id"]) == {scarf["id"]})
        assert page.locator(f"[data-ph-pin='{cardigan['id']}']").get_attribute("aria-pressed") == "false"

        # questions from the viewer: one tap marks one answered
        for text in ("Is the scarf soft?", "Do you ship to Spain?"):
            assert viewer.request("question.ask", text=text)["type"] == "ack"
        asked = page.locator("[data-ph-questions] li", has_text="Is the scarf soft?")
        asked.wait_for()
        page.locator("[data-ph-questions] li", has_text="Do you ship to Spain?").wait_for()
        asked.get_by_role("button", name="Mark answered").tap()
        asked.wait_for(state="detached")
        answered = api.get(f"/api/v1/shows/{show['id']}/questions", params={"status": "answered"}).json()
        assert [q["text"] for q in answered] == ["Is the scarf soft?"]
        assert viewer.request("chat.send", text="Hola desde Madrid")["type"] == "ack"
        page.locator("[data-ph-chat] li", has_text="Hola desde Madrid").wait_for()

        # a sale: the ticker counts it and names what sold
        bought = api.post(f"/api/v1/shows/{show['id']}/buy", headers={**sofia.headers, "Idempotency-Key": unique("k")},
                          json={"product_id": scarf["id"], "quantity": 2, "shipping": ADDRESS})
        assert bought.status_code == 201, bought.text
        # not paid yet: the GMV waits for the money, the reservation is shown apart
        until(page, "document.querySelector('[data-ph-reserved]').textContent.startsWith('1 unpaid')")
        assert "256" in page.locator("[data-ph-reserved]").inner_text()
        assert page.locator("[data-ph-orders]").inner_text() == "0"
        assert page.locator("[data-ph-toast]").text_content() == "Sold: Hand-knitted wool scarf × 2"
        top_up(api, database_url, sofia, 50_000)
        paid = api.post(f"/api/v1/shows/{show['id']}/buy", headers={**sofia.headers, "Idempotency-Key": unique("k")},
                        json={"product_id": scarf["id"], "quantity": 1, "shipping": ADDRESS, "pay_with": "wallet"})
        assert paid.status_code == 201 and paid.json()["status"] == "paid", paid.text
        until(page, "document.querySelector('[data-ph-orders]').textContent.trim() === '1'")
        until(page, "document.querySelector('[data-ph-units]').textContent.trim() === '1'")
        assert "128" in page.locator("[data-ph-gmv]").inner_text()
        assert page.locator("[data-ph-reserved]").inner_text().startswith("1 unpaid")
    finally:
        viewer.close()

    # the microphone off and on with one tap each; the camera goes on
    mute = page.locator("[data-ph-mute]")
    mute.tap()
    assert mute.get_attribute("aria-pressed") == "true" and page.locator("[data-ph-muted-flag]").is_visible()
    assert page.evaluate("window.livestallStudio.golive.stream.getAudioTracks()[0].enabled") is False
    screenshot(page, "phone-studio")
    mute.tap()
    assert page.evaluate("window.livestallStudio.golive.stream.getAudioTracks()[0].enabled") is True

    # what viewers get is portrait too
    assert last_segment_size(api, show["id"], tmp_path) == (720, 1280)

    # the phone is turned sideways while live: the preview, the recording and what viewers get follow it
    page.set_viewport_size(SIDEWAYS)
    until(page, "(v => v.videoWidth > v.videoHeight)(document.querySelector('[data-preview]'))")
    fills_the_screen(page, SIDEWAYS)
    eventually(lambda: (size := last_segment_size(api, show["id"], tmp_path)) and size[0] > size[1], timeout=15)
    screenshot(page, "phone-studio-live-sideways")

    page.locator("[data-ph-flip]").tap()  # the other camera: still on air
    until(page, "window.livestallStudio.golive.facing === 'environment'")
    assert page.evaluate("document.querySelector('[data-golive-state]').dataset.state") == "live"
    # leaving the page while on air is asked about first (the browser asks when the page holds the unload)
    assert page.evaluate(LEAVING_IS_HELD) is True
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="End show").tap()
    eventually(lambda: api.get(f"/api/v1/shows/{show['id']}").json()["status"] == "ended")
    until(page, "!['live', 'connecting', 'reconnecting'].includes(document.body.dataset.ingest)")
    assert page.evaluate(LEAVING_IS_HELD) is False  # off air: nothing to lose by leaving
    assert not page.errors, page.errors


def test_the_phone_studio_in_arabic_sideways_and_on_a_desktop(phone, api, screenshot):
    host = register(api, roles=["seller", "host"], display_name="ليلى", language="ar")
    shop = make_shop(api, host, name=unique("عطور"))
    oud = make_product(api, host, shop["id"], title="عطر العود", price_minor=32000)
    make_product(api, host, shop["id"], title="بخور المسك", price_minor=9000)
    show = make_show(api, host, shop["id"], title=unique("عطور"), minutes_ahead=5)
    assert api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers).status_code == 200
    page = phone(f"/studio/shows/{show['id']}", host, locale="ar")
    until(page, "document.querySelector('[data-golive-state]').dataset.state === 'camera'")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    fills_the_screen(page, PHONE)
    # a camera that does not turn its picture (this one films landscape): an upright cut of it, never scaled up
    width, height = until(page, "(v => v.videoHeight > v.videoWidth && [v.videoWidth, v.videoHeight])"
                                "(document.querySelector('[data-preview]'))")
    assert height == 720 and abs(width - 405) <= 1
    rail, back = page.locator(".ph-rail").bounding_box(), page.locator(".ph-back").bounding_box()
    assert rail["x"] < 40 and back["x"] > PHONE["width"] - 60  # mirrored: the tools on the left, back on the right
    assert page.get_by_role("button", name="إنهاء البث").is_visible()
    page.locator(f"[data-ph-pin='{oud['id']}']").tap()
    eventually(lambda: pinned_ids(api, show["id"]) == {oud["id"]})
    screenshot(page, "phone-studio-ar")
    # "More" opens the whole studio on the phone, and back
    page.locator("[data-ph-more]").tap()
    assert page.locator(".studio-grid [data-pin-list]").is_visible() and not page.locator(".ph-rail").is_visible()
    page.locator("[data-ph-camera]").tap()
    assert page.locator(".ph-rail").is_visible()
    assert not page.errors, page.errors

    sideways = phone(f"/studio/shows/{show['id']}", host, viewport=SIDEWAYS)
    until(sideways, "document.querySelector('[data-golive-state]').dataset.state === 'camera'")
    fills_the_screen(sideways, SIDEWAYS)
    assert until(sideways, "(v => v.videoWidth && [v.videoWidth, v.videoHeight])(document.querySelector('[data-preview]'))") \
        == [1280, 720]
    screenshot(sideways, "phone-studio-sideways")

    desktop = phone(f"/studio/shows/{show['id']}", host, viewport={"width": 1280, "height": 800}, mobile=False)
    assert not desktop.locator("[data-phone-stage]").is_visible()
    assert desktop.locator(".studio-grid [data-pin-list]").is_visible() and desktop.locator(".studio-head").is_visible()
    assert not sideways.errors and not desktop.errors


def test_a_portrait_stream_stays_portrait_when_converted(tmp_path):
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed")
    recorded = tmp_path / "phone.webm"  # what Firefox records on an upright phone: VP8, taller than 720p
    subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1080x1920:rate=15", "-f", "lavfi",
                    "-i", "sine", "-t", "1", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
                    "-c:a", "libopus", str(recorded)], check=True)
    out = tmp_path / "browser"
    out.mkdir()
    subprocess.run(commands.browser_hls(ffmpeg, out, transcode=True), input=recorded.read_bytes(), check=True,
                   capture_output=True)
    assert probe(next(out.glob("*.ts"))) == (720, 1280)
    ladder = tmp_path / "ladder"
    for variant in ("720p", "360p"):
        (ladder / variant).mkdir(parents=True)
    subprocess.run(commands.ladder(ffmpeg, str(recorded), ladder), check=True, capture_output=True)
    assert probe(ladder / "720p" / "s-0.ts") == (720, 1280) and probe(ladder / "360p" / "s-0.ts") == (360, 640)
