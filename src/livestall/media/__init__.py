"""Video: RTMP and browser ingest, supervised nginx and ffmpeg, HLS serving, replays and chapters."""

from __future__ import annotations


def hls_url_for(show) -> str:
    """Where a show's video plays (relative to the app): the live playlist, or the replay once it ended."""
    if show.status in ("scheduled", "live"):
        return f"/hls/{show.id}/index.m3u8"
    if show.status == "ended":
        return f"/hls/{show.id}/replay.m3u8"
    return ""


def rtmp_ingest_url(settings, request_host: str | None = None) -> str:
    """The RTMP URL publishers use, up to the show id: rtmp://HOST:PORT/live/{show_id} (add ?key=...)."""
    from urllib.parse import urlsplit

    host = settings.rtmp_public_host or urlsplit(settings.public_url).hostname or request_host or "localhost"
    return f"rtmp://{host}:{settings.rtmp_port}/live/{{show_id}}"
