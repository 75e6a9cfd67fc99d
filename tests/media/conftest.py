"""One real `livestall serve` with RTMP ingest on a free port, short grace periods, for the video tests."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.media.stage import sapi, stage_server  # noqa: F401  (the WebRTC tests' fixtures)
from tests.media.support import CHROMIUM, CHROMIUM_ARGS, have_media_tools, make_webm, start_media_app


# Package scope: stopped once the video tests are done. It shares the session's database, and a second
# app left running would race the shared server's order clock and announce in rooms nobody watches.
@pytest.fixture(scope="package")
def media_server(database_url, tmp_path_factory):
    """The app with nginx-rtmp supervised; RTMP on a free port so that runs never collide."""
    missing = have_media_tools()
    if missing:
        pytest.skip(missing)
    server = start_media_app(database_url, Path(tmp_path_factory.mktemp("media")),
                             {"LIVESTALL_MEDIA_MAX_TRANSCODES": "1", "LIVESTALL_MEDIA_MAX_CHUNK_KB": "512"})
    yield server
    server.stop()


@pytest.fixture()
def mapi(media_server):
    """An HTTP client for the media app."""
    with httpx.Client(base_url=media_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def webm_files(tmp_path_factory):
    """MediaRecorder-like recordings: 20 s of H.264 and 4 s of VP8, both with Opus audio."""
    if have_media_tools():
        pytest.skip(have_media_tools())
    folder = Path(tmp_path_factory.mktemp("webm"))
    return {"h264": make_webm(folder / "h264.mkv", "h264", 20), "vp8": make_webm(folder / "vp8.webm", "vp8", 4)}


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, with a fake camera and microphone."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
