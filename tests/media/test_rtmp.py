"""RTMP ingest through the supervised nginx-rtmp: keys, going live, grace period, replay, bad publishers."""

from __future__ import annotations

import asyncio
import os
import signal
import time


from livestall.db import make_engine, make_sessionmaker, utcnow
from livestall.shows.models import ShowPin
from tests.helpers import make_product
from tests.media.support import (GRACE_S, host_with_show, media_pids_of, playlist, rtmp_publisher, segment_names,
                                 stream_key, wait_for)


try:  # answered questions become chapters where the chat keeps them
    from livestall.chat import models as _chat_models  # noqa: F401

    QUESTIONS = True
except ImportError:
    QUESTIONS = False


def _show(api, show_id: int) -> dict:
    return api.get(f"/api/v1/shows/{show_id}").json()


def _add_moments(database_url: str, show_id: int, product_id: int, user_id: int) -> None:
    """A product pinned and a question answered now, as the shop and chat would record them."""

    async def run() -> None:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                session.add(ShowPin(show_id=show_id, product_id=product_id, pinned_by_id=user_id, pinned_at=utcnow()))
                if QUESTIONS:
                    from livestall.chat.models import Question

                    session.add(Question(show_id=show_id, user_id=user_id, display_name="Ana", text="Is it warm?",
                                         status="answered", answered_at=utcnow()))
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_publish_with_the_right_key_goes_live(mapi, media_server):
    host, show = host_with_show(mapi)
    key = stream_key(mapi, host)
    publisher = rtmp_publisher(f"{media_server.rtmp}/{show['id']}?key={key}")
    try:
        started = time.monotonic()
        text = wait_for(lambda: playlist(mapi, show["id"]), timeout=15, what="the live playlist")
        first_playlist_s = time.monotonic() - started
        assert first_playlist_s < 6, first_playlist_s
        live = _show(mapi, show["id"])
        assert (live["status"], live["stream_state"]) == ("live", "live") and live["started_at"]
        assert live["hls_url"] == f"/hls/{show['id']}/index.m3u8"
        response = mapi.get(live["hls_url"])
        assert response.headers["content-type"] == "application/vnd.apple.mpegurl"
        assert response.headers["cache-control"] == "no-cache"
        assert "#EXT-X-TARGETDURATION:1" in text  # 1 s keyframes in, 1 s fragments out
        segment = mapi.get(f"/hls/{show['id']}/{segment_names(text)[0]}")
        assert segment.status_code == 200 and segment.headers["content-type"] == "video/mp2t"
        assert segment.content[:1] == b"\x47"  # an MPEG-TS sync byte: the H.264 passed through as TS
        assert "immutable" in segment.headers["cache-control"]
    finally:
        publisher.kill()
        publisher.wait()


def test_wrong_rotated_or_other_shows_key_is_refused(mapi, media_server):
    host, show = host_with_show(mapi)
    old_key = stream_key(mapi, host)
    key = stream_key(mapi, host)  # rotating retires the old key
    other_host, _ = host_with_show(mapi)
    other_key = stream_key(mapi, other_host)
    for bad in ("wrong", old_key, other_key, ""):
        publisher = rtmp_publisher(f"{media_server.rtmp}/{show['id']}?key={bad}", seconds=5)
        assert publisher.wait(20) != 0, f"publisher with key {bad!r} was let in"
    assert _show(mapi, show["id"])["status"] == "scheduled"
    assert mapi.get(f"/hls/{show['id']}/index.m3u8").status_code == 404
    assert "RTMP publish of show %d refused" % show["id"] in media_server.log()
    # an unknown show and a cancelled show are refused too
    assert rtmp_publisher(f"{media_server.rtmp}/99999999?key={key}", seconds=5).wait(20) != 0
    mapi.post(f"/api/v1/shows/{show['id']}/cancel", headers=host.headers)
    assert rtmp_publisher(f"{media_server.rtmp}/{show['id']}?key={key}", seconds=5).wait(20) != 0


def test_stop_reconnect_then_end_after_grace_with_replay_and_chapters(mapi, media_server, database_url):
    host, show = host_with_show(mapi)
    key = stream_key(mapi, host)
    product = make_product(mapi, host, show["shop_id"], title="Merino scarf")
    url = f"{media_server.rtmp}/{show['id']}?key={key}"

    first = rtmp_publisher(url)
    wait_for(lambda: len(segment_names(playlist(mapi, show["id"]))) >= 3, timeout=20, what="3 segments")
    _add_moments(database_url, show["id"], product["id"], host.id)
    time.sleep(1.5)
    first.terminate()
    first.wait(10)
    wait_for(lambda: _show(mapi, show["id"])["stream_state"] == "reconnecting", timeout=10, what="reconnecting")
    assert _show(mapi, show["id"])["status"] == "live"

    # the publisher comes back within the grace period: the same show goes on
    second = rtmp_publisher(url)
    wait_for(lambda: _show(mapi, show["id"])["stream_state"] == "live", timeout=10, what="live again")
    time.sleep(2.5)
    second.terminate()
    second.wait(10)
    dropped = time.monotonic()
    wait_for(lambda: _show(mapi, show["id"])["status"] == "ended", timeout=GRACE_S + 10, what="the show to end")
    assert time.monotonic() - dropped >= GRACE_S - 0.5
    ended = _show(mapi, show["id"])
    assert ended["stream_state"] == "offline" and ended["hls_url"] == f"/hls/{show['id']}/replay.m3u8"

    replay = wait_for(lambda: (r := mapi.get(f"/api/v1/shows/{show['id']}/replay")).status_code == 200 and r.json(),
                      timeout=10, what="the replay")
    assert replay["playlist_url"] == f"/hls/{show['id']}/replay.m3u8" and replay["duration_s"] >= 5
    text = mapi.get(replay["playlist_url"]).text
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and text.rstrip().endswith("#EXT-X-ENDLIST")
    assert "#EXT-X-DISCONTINUITY" in text  # the reconnect is marked between the two publishes
    assert len(segment_names(text)) == replay["segments"]
    assert all(mapi.get(f"/hls/{show['id']}/{name}").status_code == 200 for name in segment_names(text))
    assert mapi.get(f"/hls/{show['id']}/index.m3u8").status_code == 404  # not live any more
    thumb = mapi.get(replay["thumbnail_url"])
    assert thumb.headers["content-type"] == "image/jpeg" and thumb.content[:2] == b"\xff\xd8"
    product_chapter = next(c for c in replay["chapters"] if c["kind"] == "product")
    assert product_chapter["title"] == "Merino scarf" and product_chapter["product_id"] == product["id"]
    assert 1.5 <= product_chapter["at_s"] <= replay["duration_s"]
    if QUESTIONS:
        question_chapter = next(c for c in replay["chapters"] if c["kind"] == "question")
        assert question_chapter["title"] == "Is it warm?" and question_chapter["at_s"] >= product_chapter["at_s"]
    # an ended show takes no more video
    assert rtmp_publisher(url, seconds=5).wait(20) != 0


def test_second_publisher_is_refused_without_disturbing_the_first(mapi, media_server):
    host, show = host_with_show(mapi)
    key = stream_key(mapi, host)
    first = rtmp_publisher(f"{media_server.rtmp}/{show['id']}?key={key}")
    try:
        wait_for(lambda: playlist(mapi, show["id"]), timeout=15, what="the live playlist")
        intruder = rtmp_publisher(f"{media_server.rtmp}/{show['id']}?key={key}", seconds=5)
        assert intruder.wait(20) != 0
        before = segment_names(playlist(mapi, show["id"]))[-1]
        wait_for(lambda: segment_names(playlist(mapi, show["id"]))[-1] != before, timeout=5, what="new segments")
        assert first.poll() is None and _show(mapi, show["id"])["stream_state"] == "live"
    finally:
        first.kill()
        first.wait()


def test_callbacks_only_from_the_local_nginx_with_its_secret(mapi, media_server):
    host, show = host_with_show(mapi)
    key = stream_key(mapi, host)
    form = {"call": "publish", "app": "live", "name": str(show["id"]), "key": key, "addr": "203.0.113.9"}
    assert mapi.post("/internal/rtmp/guessed-secret/on_publish", data=form).status_code == 403
    assert mapi.post("/internal/rtmp/guessed-secret/on_publish_done", data=form).status_code == 403
    assert _show(mapi, show["id"])["status"] == "scheduled"


def test_hls_serves_only_video_files(mapi):
    for path in ("/hls/1/../../nginx/nginx.conf", "/hls/1/recording.json", "/hls/1/x.m3u8.tmp", "/hls/1/a/b/c.ts",
                 "/hls/1/nginx.conf"):
        assert mapi.get(path).status_code == 404, path
    assert mapi.get("/hls/999999/index.m3u8").status_code == 404


def test_crashed_nginx_is_restarted_and_takes_publishers_again(mapi, media_server):
    prefix = str(media_server.data_dir / "nginx")
    old = wait_for(lambda: media_pids_of("nginx", prefix), timeout=5, what="nginx")
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: set(media_pids_of("nginx", prefix)) - set(old), timeout=10, what="a new nginx")
    host, show = host_with_show(mapi)
    key = stream_key(mapi, host)
    publisher = wait_for(lambda: _publishing(f"{media_server.rtmp}/{show['id']}?key={key}"), timeout=10,
                         what="nginx accepting publishers again")
    try:
        wait_for(lambda: playlist(mapi, show["id"]), timeout=15, what="the live playlist")
        assert "nginx-rtmp exited with -9; restarting" in media_server.log()
    finally:
        publisher.kill()
        publisher.wait()


def _publishing(url: str):
    """A publisher that is still connected a second later, else None."""
    publisher = rtmp_publisher(url)
    time.sleep(1.0)
    if publisher.poll() is None:
        return publisher
    return None


def test_ending_the_show_disconnects_the_publisher_and_keeps_the_replay(mapi, media_server):
    host, show = host_with_show(mapi)
    key = stream_key(mapi, host)
    publisher = rtmp_publisher(f"{media_server.rtmp}/{show['id']}?key={key}")
    try:
        wait_for(lambda: len(segment_names(playlist(mapi, show["id"]))) >= 2, timeout=15, what="2 segments")
        assert mapi.post(f"/api/v1/shows/{show['id']}/end", headers=host.headers).json()["status"] == "ended"
        publisher.wait(15)  # dropped by the server, as OBS would be
        replay = wait_for(lambda: (r := mapi.get(f"/api/v1/shows/{show['id']}/replay")).status_code == 200
                          and r.json(), timeout=10, what="the replay")
        assert replay["segments"] >= 2
        time.sleep(1.5)  # fragments nginx wrote while dropping the publisher do not bring the live playlist back
        assert mapi.get(f"/hls/{show['id']}/index.m3u8").status_code == 404
    finally:
        if publisher.poll() is None:
            publisher.kill()
            publisher.wait()
