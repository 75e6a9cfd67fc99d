"""Product clips: cut from the replay for each pin when a show ends; their page, orders, ranking, trim and hide."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid

import pytest

from tests.helpers import make_product, register
from tests.media.support import host_with_show, playlist, rtmp_publisher, stream_key, wait_for
from tests.orders.support import ADDRESS

KEYFRAME_S = 1.0  # the test publisher's keyframe interval (rtmp_publisher: -g 30 at 30 fps)


def _probe(data: bytes, tmp_path) -> dict:
    path = tmp_path / f"{uuid.uuid4().hex}.mp4"
    path.write_bytes(data)
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name",
                          "-show_entries", "format=duration", "-of", "json", str(path)],
                         capture_output=True, text=True, timeout=30)
    return json.loads(out.stdout)


def _figures(api, host, shop_id: int) -> dict:
    response = api.get(f"/api/v1/shops/{shop_id}/clips", headers=host.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _by_product(api, host, shop_id: int) -> dict[int, dict]:
    return {c["product_id"]: c for c in _figures(api, host, shop_id)["items"]}


def _order(api, buyer, product_id: int):
    response = api.post("/api/v1/orders", json={"product_id": product_id, "quantity": 1, "shipping": ADDRESS},
                        headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="module")
def clipped_show(media_server):
    """A show streamed for about 7 s: a scarf pinned for about 3 s, then a hat pinned until the end; then ended."""
    import httpx

    with httpx.Client(base_url=media_server.url, timeout=30) as api:
        host, show = host_with_show(api)
        scarf = make_product(api, host, show["shop_id"], title="Merino scarf")
        hat = make_product(api, host, show["shop_id"], title="Felt hat")
        publisher = rtmp_publisher(f"{media_server.rtmp}/{show['id']}?key={stream_key(api, host)}", seconds=9)
        try:
            wait_for(lambda: playlist(api, show["id"]), timeout=15, what="the live playlist")
            time.sleep(1.0)
            pins = f"/api/v1/shows/{show['id']}/pins"
            assert api.post(pins, json={"product_id": scarf["id"]}, headers=host.headers).status_code == 200
            time.sleep(3.0)
            assert api.delete(f"{pins}/{scarf['id']}", headers=host.headers).status_code == 200
            assert api.post(pins, json={"product_id": hat["id"]}, headers=host.headers).status_code == 200
            time.sleep(2.0)
            assert api.post(f"/api/v1/shows/{show['id']}/end", headers=host.headers).status_code == 200
        finally:
            publisher.kill()
            publisher.wait()
        wait_for(lambda: (c := _by_product(api, host, show["shop_id"])) and len(c) == 2
                 and all(x["status"] == "ready" for x in c.values()), timeout=30, every=0.3, what="both clips cut")
    return {"host": host, "show": show, "scarf": scarf, "hat": hat}


def test_each_pin_becomes_a_clip_of_its_stretch(mapi, clipped_show, tmp_path):
    host, show = clipped_show["host"], clipped_show["show"]
    clips = _by_product(mapi, host, show["shop_id"])
    scarf = clips[clipped_show["scarf"]["id"]]
    assert 2.0 <= scarf["duration_s"] <= 4.0, scarf  # pinned about 3 s
    video = mapi.get(scarf["video_url"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    probe = _probe(video.content, tmp_path)
    assert {s["codec_name"] for s in probe["streams"]} >= {"h264", "aac"}
    assert 1.5 <= float(probe["format"]["duration"]) <= 5.5, probe  # cut at keyframes, 1 s apart
    thumb = mapi.get(scarf["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"
    public = mapi.get("/api/v1/clips", params={"product_id": clipped_show["scarf"]["id"]}).json()["items"]
    assert [c["id"] for c in public] == [scarf["id"]] and "views" not in public[0]


def test_page_views_and_orders_rank_the_clips(mapi, clipped_show):
    host, show = clipped_show["host"], clipped_show["show"]
    clips = _by_product(mapi, host, show["shop_id"])
    scarf, hat = clips[clipped_show["scarf"]["id"]], clips[clipped_show["hat"]["id"]]
    page = mapi.get(f"/clips/{hat['id']}")
    assert page.status_code == 200 and "Felt hat" in page.text and "data-buy-product" in page.text
    assert f"/clips/{hat['id']}" in page.text  # the share link
    assert _by_product(mapi, host, show["shop_id"])[clipped_show["hat"]["id"]]["views"] == 1
    buyer = register(mapi)
    order = _order(mapi, buyer, clipped_show["scarf"]["id"])
    url = f"/api/v1/clips/{scarf['id']}/orders"
    first = mapi.post(url, json={"order_id": order["id"]}, headers=buyer.headers)
    assert first.status_code == 201 and first.json()["counted"] is True
    assert mapi.post(url, json={"order_id": order["id"]}, headers=buyer.headers).json()["counted"] is False
    other = register(mapi)
    assert mapi.post(url, json={"order_id": order["id"]}, headers=other.headers).status_code == 404
    wrong = mapi.post(f"/api/v1/clips/{hat['id']}/orders", json={"order_id": order["id"]}, headers=buyer.headers)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["rule"] == "clip_product"
    figures = _figures(mapi, host, show["shop_id"])
    assert (figures["views"], figures["orders"]) == (1, 1)
    ranked = mapi.get("/api/v1/clips", params={"shop_id": show["shop_id"]}).json()["items"]
    assert [c["id"] for c in ranked] == [scarf["id"], hat["id"]]  # one order outweighs one view
    stranger = register(mapi, roles=["seller"])
    assert mapi.get(f"/api/v1/shops/{show['shop_id']}/clips", headers=stranger.headers).status_code == 403


def _claim_elsewhere(database_url: str):
    """What a cutter on a machine without this replay takes from the clips waiting to be cut."""
    from livestall.db import make_engine, make_sessionmaker
    from livestall.media.clips import claim_clip_to_cut

    async def claim():
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                return await claim_clip_to_cut(session=session, replay_is_here=lambda show_id: False)
        finally:
            await engine.dispose()

    return asyncio.run(claim())


# app_server: another process on the same database, with its own clip cutter and no replay of this show, as in a
# cluster; it must leave the trim to the machine that keeps the replay instead of failing it as "replay gone".
def test_seller_trims_and_hides_a_clip(mapi, clipped_show, app_server, database_url):
    host, show = clipped_show["host"], clipped_show["show"]
    hat = _by_product(mapi, host, show["shop_id"])[clipped_show["hat"]["id"]]
    url = f"/api/v1/clips/{hat['id']}"
    for body, rule in (({"start_offset_s": -40}, "min"), ({"start_offset_s": 0, "end_offset_s": 95}, "max_length_s"),
                       ({"start_offset_s": 1, "end_offset_s": 1.5}, "after_start"),
                       ({"start_offset_s": 0, "end_offset_s": 80}, "within_replay")):
        response = mapi.patch(url, json=body, headers=host.headers)
        assert response.status_code == 422 and response.json()["errors"][0]["rule"] == rule, response.text
    stranger = register(mapi, roles=["seller"])
    assert mapi.patch(url, json={"hidden": True}, headers=stranger.headers).status_code == 403
    trimmed = mapi.patch(url, json={"start_offset_s": 0, "end_offset_s": 1.2}, headers=host.headers)
    assert trimmed.status_code == 200 and trimmed.json()["status"] == "pending", trimmed.text
    assert _claim_elsewhere(database_url) is None
    ready = wait_for(lambda: (c := mapi.get(url, headers=host.headers).json())["status"] in ("ready", "failed") and c,
                     timeout=60, what="the clip cut again")
    assert ready["status"] == "ready", ready
    assert ready["duration_s"] == 1.2 and ready["video_url"].endswith("?v=1")
    assert mapi.get(ready["video_url"]).status_code == 200
    assert mapi.patch(url, json={"hidden": True}, headers=host.headers).json()["hidden"] is True
    assert mapi.get(f"/clips/{hat['id']}").status_code == 404
    assert mapi.get(ready["video_url"]).status_code == 404
    assert mapi.get(f"/clips/{hat['id']}", headers=host.headers).status_code == 200
    public = mapi.get("/api/v1/clips", params={"shop_id": show["shop_id"]}).json()["items"]
    assert hat["id"] not in [c["id"] for c in public]


def test_phone_watches_a_clip_and_buys_from_it(mapi, media_server, clipped_show, browser):
    from tests.web.conftest import ARTIFACTS, DESKTOP, PHONE
    from tests.web.support import logged_in_page, until

    host, show = clipped_show["host"], clipped_show["show"]
    scarf = _by_product(mapi, host, show["shop_id"])[clipped_show["scarf"]["id"]]
    buyer = register(mapi)
    assert mapi.post("/api/v1/me/addresses", json=ADDRESS, headers=buyer.headers).status_code == 201
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    orders_before = _figures(mapi, host, show["shop_id"])["orders"]
    context, page = logged_in_page(browser, media_server.url, buyer, f"/clips/{scarf['id']}", **PHONE)
    try:
        until(page, "document.querySelector('[data-clip-video]').readyState >= 1")
        duration = page.evaluate("document.querySelector('[data-clip-video]').duration")
        assert 1.5 <= duration <= 5.5, duration
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing sticks out
        page.screenshot(path=str(folder / "clip-phone.png"), full_page=True)
        page.get_by_role("button", name="Buy now").first.tap()
        until(page, "document.querySelector('[data-buy-sheet]').open")
        page.locator("[data-sheet-buy]").tap()
        until(page, "!document.querySelector('[data-sheet-result]').hidden")
        wait_for(lambda: _figures(mapi, host, show["shop_id"])["orders"] == orders_before + 1, timeout=10,
                 what="the order counted for the clip")
        assert not page.errors, page.errors
    finally:
        context.close()
    context, editor = logged_in_page(browser, media_server.url, host, f"/clips/{scarf['id']}", **DESKTOP)
    try:
        editor.fill("[data-clip-end]", "120")
        editor.click("[data-clip-recut]")
        until(editor, "!document.querySelector('[data-clip-error]').hidden")
        assert "at most 90 seconds" in editor.inner_text("[data-clip-error]")
        editor.screenshot(path=str(folder / "clip-editor-desktop.png"), full_page=True)
        assert not editor.errors, editor.errors
        editor.goto(f"/insights/shops/{show['shop_id']}")  # the seller's figures list the clips
        until(editor, "document.querySelectorAll('[data-clip-figure-rows] tr').length === 2")
        row = editor.inner_text(f"[data-clip-figure-rows] tr:has(a[href='/clips/{scarf['id']}'])")
        assert "Merino scarf" in row and row.split()[-1] == str(orders_before + 1)
        assert not editor.errors, editor.errors
    finally:
        context.close()
    context, product_page = logged_in_page(browser, media_server.url, buyer,
                                           f"/products/{clipped_show['scarf']['id']}", **PHONE)
    try:
        until(product_page, "!document.querySelector('[data-clip-strip]').hidden")
        assert product_page.get_attribute("[data-clip-items] a", "href") == f"/clips/{scarf['id']}"
        product_page.locator("[data-clip-strip]").screenshot(path=str(folder / "clips-on-product-phone.png"))
    finally:
        context.close()


def test_clip_plays_through_hls_js_within_a_keyframe_of_its_pin(mapi, media_server, clipped_show, browser, tmp_path):
    """Last in the file: its page view would change the figures the tests above check."""
    from tests.web.conftest import PHONE
    from tests.web.support import logged_in_page, until

    host, show = clipped_show["host"], clipped_show["show"]
    scarf = _by_product(mapi, host, show["shop_id"])[clipped_show["scarf"]["id"]]
    cut = float(_probe(mapi.get(scarf["video_url"]).content, tmp_path)["format"]["duration"])
    # -c copy starts at the keyframe at or before the pin: the cut is the pin's window, at most a keyframe longer
    assert scarf["duration_s"] - 0.1 <= cut <= scarf["duration_s"] + KEYFRAME_S + 0.1, (cut, scarf)
    playlist = mapi.get(scarf["hls_url"])
    assert playlist.status_code == 200 and playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert "#EXT-X-ENDLIST" in playlist.text and "#EXT-X-PLAYLIST-TYPE:VOD" in playlist.text
    segments = [line for line in playlist.text.splitlines() if line and not line.startswith("#")]
    assert segments and all(name.startswith("seg/v0_") for name in segments), playlist.text
    listed = sum(float(line.split(":")[1].rstrip(",")) for line in playlist.text.splitlines()
                 if line.startswith("#EXTINF"))
    assert abs(listed - cut) <= 0.2, (listed, cut)  # the same packets as the MP4
    first = mapi.get(f"/clips/{scarf['id']}/{segments[0]}")
    assert first.status_code == 200 and first.content[:1] == b"\x47"  # an MPEG-TS packet
    for name in ("v1_000.ts", "..%2Fv0.mp4", "v0.mp4"):  # another cut's segment, or any other file: none
        assert mapi.get(f"/clips/{scarf['id']}/seg/{name}").status_code == 404, name
    viewer = register(mapi)
    context, page = logged_in_page(browser, media_server.url, viewer, f"/clips/{scarf['id']}", **PHONE)
    try:
        video = "document.querySelector('[data-clip-video]')"
        until(page, f"{video}.dataset.player === 'hls.js' && !!window.Hls && {video}.src.startsWith('blob:')")
        until(page, f"{video}.currentTime > 0.5", timeout=20)  # hls.js plays it (muted when sound is not allowed)
        played = page.evaluate(f"{video}.currentTime")
        until(page, f"{video}.currentTime > {played} || {video}.ended", timeout=10)
        until(page, f"{video}.ended", timeout=20)  # every segment played, to the end of the cut
        duration = page.evaluate(f"{video}.duration")
        assert abs(duration - cut) <= 0.2, (duration, cut)
        assert page.evaluate(f"{video}.currentTime") >= duration - 0.3
        assert not page.errors, page.errors
    finally:
        context.close()
    # a clip cut before clips had an HLS: its page plays the MP4 instead of retrying the missing playlist
    (media_server.data_dir / "clips" / str(scarf["id"]) / "v0.m3u8").unlink()
    context, page = logged_in_page(browser, media_server.url, viewer, f"/clips/{scarf['id']}", **PHONE)
    try:
        until(page, f"{video}.dataset.player === 'mp4' && {video}.src.endsWith('.mp4?v=0')")
        until(page, f"{video}.currentTime > 0.5", timeout=20)
        assert not page.errors, page.errors
    finally:
        context.close()
