"""Where video lives on disk: one directory per show under the data directory."""

from __future__ import annotations

import re
from pathlib import Path

from livestall.settings import Settings

# What /hls/{show_id}/... may name: playlists, segments, the thumbnail, one level of variant folder.
SERVABLE = re.compile(r"^(?:(?:720p|360p)/)?[A-Za-z0-9_-]{1,64}\.(?:m3u8|ts|m4s|mp4|jpg)$")

CONTENT_TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "ts": "video/mp2t",
    "m4s": "video/iso.segment",
    "mp4": "video/mp4",
    "jpg": "image/jpeg",
}


def hls_root(settings: Settings) -> Path:
    """Pass-through and browser-ingest HLS: <data>/hls/{show_id}/index.m3u8 (nginx-rtmp's nested layout)."""
    return (settings.data_dir / "hls").resolve()


def show_dir(settings: Settings, show_id: int) -> Path:
    """A show's live segments, its replay playlist and thumbnail."""
    return hls_root(settings) / str(show_id)


def ladder_dir(settings: Settings, show_id: int) -> Path:
    """A show's transcode ladder while it is live: index.m3u8 (master), 720p/ and 360p/."""
    return (settings.data_dir / "ladder" / str(show_id)).resolve()


def nginx_dir(settings: Settings) -> Path:
    """nginx's prefix: its config, pid, logs, temp folders and control socket."""
    return (settings.data_dir / "nginx").resolve()
