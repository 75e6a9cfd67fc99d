"""A demo that is alive: with LIVESTALL_DEMO_LIVE the demo show streams real video, sells and chats within a
minute of `livestall serve`, survives a restart without duplicates, and leaves no ffmpeg behind when it stops."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from livestall import migrate
from livestall.demo import LIVE_SHOW, PEOPLE
from tests.appserver import TEST_PASSWORD_COST, AppProcess
from tests.helpers_db import run_sql
from tests.media.support import have_media_tools, segment_names, wait_for
from tests.room_client import RoomClient
from tests.services import create_database

DEMO_VIEWERS = {name for _, name, roles, *_ in PEOPLE if roles == ["viewer"]}
TITLE = LIVE_SHOW[2]


@pytest.fixture()
def demo_world(request, tmp_path) -> tuple[str, Path]:
    """A database of its own with the demo world loaded by `livestall demo`, and a data folder."""
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed")
    if os.environ.get("LIVESTALL_TEST_DATABASE") == "postgresql" or \
            os.environ.get("LIVESTALL_TEST_DATABASE_URL", "").startswith("postgresql"):
        url = create_database(request.getfixturevalue("postgres_url"), f"demo_{uuid.uuid4().hex[:8]}")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    migrate.upgrade(url)
    data = tmp_path / "data"
    env = {**os.environ, "LIVESTALL_DATABASE_URL": url, "LIVESTALL_DATA_DIR": str(data), **TEST_PASSWORD_COST}
    subprocess.run([sys.executable, "-m", "livestall.cli", "demo"], env=env, check=True, capture_output=True,
                   timeout=120)
    return url, data


def ffmpeg_children(pid: int) -> set[int]:
    """Pids of the ffmpeg processes below `pid` (the app's own and those of its children)."""
    parents, names = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
            parents[int(entry)], names[int(entry)] = int(fields.get("PPid", "0")), fields.get("Name", "")
    below, found = {pid}, True
    while found:
        found = {p for p, parent in parents.items() if parent in below and p not in below}
        below |= found
    return {p for p in below if names.get(p) == "ffmpeg"}


def running(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def the_demo_show(api: httpx.Client) -> dict | None:
    shows = api.get("/api/v1/shows", params={"when": "live"}).json()["items"]
    return next((s for s in shows if s["title"] == TITLE and s["stream_state"] == "live"), None)


def first_segment(api: httpx.Client, show_id: int) -> bytes | None:
    playlist = api.get(f"/hls/{show_id}/index.m3u8")
    names = segment_names(playlist.text) if playlist.status_code == 200 else []
    return api.get(f"/hls/{show_id}/{names[0]}").content if names else None


def video_of(segment: bytes, folder: Path) -> dict:
    """The first video stream of an MPEG-TS segment, as ffprobe reads it."""
    path = folder / "segment.ts"
    path.write_bytes(segment)
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=codec_type,codec_name,width,height", "-of", "default=nw=1", str(path)],
                           capture_output=True, text=True, check=True)
    return dict(line.split("=", 1) for line in probe.stdout.split())


def demo_chat(room: RoomClient, deadline: float) -> dict:
    """A chat message of a demo viewer: one already in the join snapshot, or the next one to come."""
    for message in room.snapshot["messages"]:
        if message["user"]["name"] in DEMO_VIEWERS:
            return message
    return room.wait_event("chat.message", lambda m: m["user"]["name"] in DEMO_VIEWERS,
                           timeout=max(1.0, deadline - time.monotonic()))


def stop(server: AppProcess) -> set[int]:
    """Stop the app as a service manager does; the ffmpeg processes it was running."""
    seen = ffmpeg_children(server.proc.pid) if server.proc.poll() is None else set()
    server.stop()
    return seen


def assert_stopped_cleanly(server: AppProcess, seen: set[int]) -> None:
    """The app stopped of itself, and the ffmpeg processes it ran are gone with it."""
    assert server.proc.returncode == 0, server.log()
    wait_for(lambda: not any(running(p) for p in seen), timeout=5, what="the app's ffmpeg processes to end")


def test_the_demo_show_is_alive_within_a_minute_and_again_after_a_restart(demo_world, tmp_path):
    url, data = demo_world
    started = time.monotonic()
    deadline = started + 60
    server = AppProcess(database_url=url, data_dir=data, env={"LIVESTALL_DEMO_LIVE": "true"}).start()
    try:
        api = httpx.Client(base_url=server.url, timeout=10)
        show = wait_for(lambda: the_demo_show(api), timeout=deadline - time.monotonic(), what="the demo show live")
        segment = wait_for(lambda: first_segment(api, show["id"]), timeout=deadline - time.monotonic(),
                           what="an HLS segment")
        video = video_of(segment, tmp_path)
        assert (video["codec_type"], video["codec_name"], video["width"], video["height"]) == \
            ("video", "h264", "720", "1280")
        source = run_sql(url, "SELECT source FROM stream_sessions WHERE show_id = :id", id=show["id"])
        # Through the ingest OBS uses when nginx-rtmp is here, as a browser does otherwise.
        assert source == [("rtmp" if have_media_tools() is None else "browser",)]
        assert len(api.get(f"/api/v1/shows/{show['id']}/pins").json()["items"]) == 4
        sales = wait_for(lambda: [s for s in api.get(f"/api/v1/shows/{show['id']}/flash-sales").json()
                                  if s["status"] in ("scheduled", "live")],
                         timeout=deadline - time.monotonic(), what="a flash sale counting down")
        assert len(sales) == 1 and sales[0]["seconds_to_start"] + sales[0]["seconds_left"] > 0
        with RoomClient(server.ws_base, show["id"]) as room:
            message = demo_chat(room, deadline)
        assert message["text"] and time.monotonic() - started < 60
    finally:
        seen = stop(server)
    assert seen, "the demo camera's ffmpeg ran under the app"
    assert_stopped_cleanly(server, seen)

    # A second start goes on with the same show and the same sale: nothing is made twice.
    again = AppProcess(database_url=url, data_dir=data, env={"LIVESTALL_DEMO_LIVE": "true"}).start()
    try:
        api = httpx.Client(base_url=again.url, timeout=10)
        assert wait_for(lambda: the_demo_show(api), timeout=30, what="the demo show live again")["id"] == show["id"]
        assert run_sql(url, "SELECT count(*) FROM shows WHERE title = :title", title=TITLE) == [(1,)]
        assert run_sql(url, "SELECT count(*) FROM flash_sales WHERE status IN ('scheduled', 'live')") == [(1,)]
    finally:
        seen = stop(again)
    assert seen
    assert_stopped_cleanly(again, seen)


def ffmpeg_pair(pid: int) -> set[int] | None:
    """The demo's ffmpeg and the one its go-live socket feeds, once both run."""
    found = ffmpeg_children(pid)
    return found if len(found) >= 2 else None


def test_without_rtmp_ingest_the_demo_camera_goes_live_as_a_browser_does(demo_world, tmp_path):
    url, data = demo_world
    # A short grace period: the second start comes after it ran out, and still goes on with the same show.
    env = {"LIVESTALL_DEMO_LIVE": "true", "LIVESTALL_RTMP_ENABLED": "false", "LIVESTALL_MEDIA_GRACE_S": "1"}
    server = AppProcess(database_url=url, data_dir=data, env=env).start()
    try:
        api = httpx.Client(base_url=server.url, timeout=10)
        show = wait_for(lambda: the_demo_show(api), timeout=60, what="the demo show live")
        segment = wait_for(lambda: first_segment(api, show["id"]), timeout=30, what="an HLS segment")
        assert video_of(segment, tmp_path)["codec_type"] == "video"
        assert run_sql(url, "SELECT source FROM stream_sessions WHERE show_id = :id", id=show["id"]) == [("browser",)]
        wait_for(lambda: ffmpeg_pair(server.proc.pid), timeout=10, what="two ffmpeg processes")
        wait_for(lambda: run_sql(url, "SELECT count(*) FROM flash_sales")[0][0], timeout=10, what="a flash sale")
    finally:
        seen = stop(server)
    assert len(seen) >= 2
    assert_stopped_cleanly(server, seen)

    time.sleep(2)
    again = AppProcess(database_url=url, data_dir=data, env=env).start()
    try:
        api = httpx.Client(base_url=again.url, timeout=10)
        assert wait_for(lambda: the_demo_show(api), timeout=30, what="the demo show live again")["id"] == show["id"]
        assert run_sql(url, "SELECT count(*) FROM shows WHERE title = :title", title=TITLE) == [(1,)]
        assert run_sql(url, "SELECT count(*) FROM flash_sales") == [(1,)]
    finally:
        seen = stop(again)
    assert_stopped_cleanly(again, seen)
