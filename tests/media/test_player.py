"""The player page in Chromium: hls.js plays the live stream close to the edge, and shows offline states."""

from __future__ import annotations

import time

from tests.media.support import host_with_show, playlist, rtmp_publisher, stream_key, wait_for


def test_viewer_plays_the_live_stream(mapi, media_server, browser):
    host, show = host_with_show(mapi)
    key = stream_key(mapi, host)
    publisher = rtmp_publisher(f"{media_server.rtmp}/{show['id']}?key={key}")
    page = browser.new_page()
    try:
        wait_for(lambda: playlist(mapi, show["id"]), timeout=15, what="the live playlist")
        page.goto(f"{media_server.url}/shows/{show['id']}/watch-video")
        page.wait_for_selector("#stage[data-state='playing']", timeout=20000)
        assert page.evaluate("window.livestallPlayer.hls.config.liveSyncDurationCount") == 2
        first = page.evaluate("document.getElementById('video').currentTime")
        time.sleep(2.5)
        later = page.evaluate("document.getElementById('video').currentTime")
        assert later - first >= 1.5, (first, later)
        # close to the live edge: within a few segments of the newest one
        behind = page.evaluate("window.livestallPlayer.hls.latency")
        assert behind < 6, behind
        publisher.terminate()
        publisher.wait(10)
        page.wait_for_selector("#stage[data-state='reconnecting']", timeout=15000)
    finally:
        page.close()
        if publisher.poll() is None:
            publisher.kill()
            publisher.wait()


def test_player_says_offline_before_the_show(mapi, media_server, browser):
    _host, show = host_with_show(mapi)
    page = browser.new_page()
    try:
        page.goto(f"{media_server.url}/shows/{show['id']}/watch-video")
        page.wait_for_selector("#stage[data-state='offline']", timeout=15000)
        assert page.text_content("#notice") == "Not live right now"
    finally:
        page.close()
