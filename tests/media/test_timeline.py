"""Live playlists carry each segment's moment (EXT-X-PROGRAM-DATE-TIME), whichever packager wrote them."""

from __future__ import annotations

import os
from datetime import datetime

from livestall.media.timeline import PlaylistClock


def moments(body: bytes) -> list[int]:
    """The program date-times of a playlist, as epoch milliseconds."""
    tag = "#EXT-X-PROGRAM-DATE-TIME:"
    return [round(datetime.fromisoformat(line[len(tag):]).timestamp() * 1000)
            for line in body.decode().splitlines() if line.startswith(tag)]


NGINX = (b"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-TARGETDURATION:1\n#EXT-X-DISCONTINUITY\n"
         b"#EXTINF:1.000,\n1796553879617.ts\n#EXTINF:0.680,\n1796553880580.ts\n")


def test_an_nginx_rtmp_fragment_starts_at_the_moment_in_its_name(tmp_path):
    body = PlaylistClock().stamp(NGINX, tmp_path)
    assert moments(body) == [1796553879617, 1796553880580]
    lines = body.decode().splitlines()
    # Each tag sits right before its segment's EXTINF, and nothing else moved.
    assert lines[5].startswith("#EXT-X-PROGRAM-DATE-TIME:2026-12-06T") and lines[5].endswith(".617Z")
    assert lines[6:8] == ["#EXTINF:1.000,", "1796553879617.ts"]
    assert [line for line in lines if not line.startswith("#EXT-X-PROGRAM")] == NGINX.decode().splitlines()


def test_an_ffmpeg_segment_starts_its_duration_before_it_was_finished(tmp_path):
    for name, finished in (("b1-0.ts", 1_796_553_900.500), ("b1-1.ts", 1_796_553_901.500)):
        (tmp_path / name).write_bytes(b"ts")
        os.utime(tmp_path / name, (finished, finished))
    body = PlaylistClock().stamp(b"#EXTM3U\n#EXTINF:1.000000,\nb1-0.ts\n#EXTINF:1.000000,\nb1-1.ts\n", tmp_path)
    assert moments(body) == [1_796_553_899_500, 1_796_553_900_500]


def test_playlists_that_need_nothing_are_left_as_they_are(tmp_path):
    clock = PlaylistClock()
    stamped = b"#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:2026-12-06T10:00:00.000Z\n#EXTINF:1.0,\nb-0.ts\n"
    master = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=3000000\n720p/index.m3u8\n"
    assert clock.stamp(stamped, tmp_path) == stamped
    assert clock.stamp(master, tmp_path) == master
    # A segment already gone from the disk gets no moment rather than a wrong one.
    assert moments(clock.stamp(b"#EXTM3U\n#EXTINF:1.0,\ngone-0.ts\n", tmp_path)) == []


def test_each_version_of_a_playlist_is_stamped_once(tmp_path):
    clock = PlaylistClock()
    playlist = tmp_path / "index.m3u8"
    playlist.write_bytes(NGINX)
    first = clock.read(playlist)
    assert clock.read(playlist) is first  # the same bytes for every viewer until the packager writes again
    playlist.write_bytes(NGINX + b"#EXTINF:1.000,\n1796553881573.ts\n")
    assert moments(clock.read(playlist))[-1] == 1796553881573
