"""The optional transcode ladder: RTMP input served as 720p + 360p behind one master playlist."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.appserver import AppProcess
from tests.media.support import have_media_tools, host_with_show, rtmp_publisher, segment_names, stream_key, wait_for


@pytest.fixture(scope="module")
def ladder_server(database_url, tmp_path_factory):
    if have_media_tools():
        pytest.skip(have_media_tools())
    server = AppProcess(database_url=database_url, data_dir=Path(tmp_path_factory.mktemp("ladder")),
                        env={"LIVESTALL_MEDIA_LADDER": "true", "LIVESTALL_MEDIA_MAX_TRANSCODES": "1"}).start()
    yield server
    server.stop()


def test_ladder_serves_720p_and_360p(ladder_server):
    api = httpx.Client(base_url=ladder_server.url, timeout=30)
    host, show = host_with_show(api)
    key = stream_key(api, host)
    publisher = rtmp_publisher(f"rtmp://127.0.0.1:{ladder_server.rtmp_port}/live/{show['id']}?key={key}")
    try:
        def variant_ready():
            text = api.get(f"/hls/{show['id']}/360p/index.m3u8").text
            return len(segment_names(text)) >= 2 and text

        wait_for(variant_ready, timeout=40, what="the 360p variant")
        master = api.get(show["hls_url"] if show["hls_url"] else f"/hls/{show['id']}/index.m3u8")
        assert master.headers["cache-control"] == "no-cache"
        assert "#EXT-X-STREAM-INF" in master.text and "720p/index.m3u8" in master.text
        assert "360p/index.m3u8" in master.text and "RESOLUTION=640x360" in master.text
        variant = api.get(f"/hls/{show['id']}/720p/index.m3u8").text
        segment = api.get(f"/hls/{show['id']}/720p/{segment_names(variant)[0]}")
        assert segment.headers["content-type"] == "video/mp2t" and segment.content[:1] == b"\x47"
        # the pass-through rendition is still recorded for the replay
        assert api.get(f"/hls/{show['id']}/replay.m3u8").status_code == 200
    finally:
        publisher.kill()
        publisher.wait()
        api.close()
