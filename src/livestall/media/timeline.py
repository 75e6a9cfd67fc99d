"""Program date-times on live playlists: when each segment's first frame came in, by the server's clock.

A player that knows the wall-clock moment of the frame it shows knows how far behind the host it plays,
and can show what the host did on camera (a pin, a flash sale starting) when its video reaches it
(docs/protocol.md, "In step with the picture"). Neither packager writes these tags as we need them:
nginx-rtmp writes none, and ffmpeg 5 rounds its first one to the second. So the app adds them as it
serves a playlist:

- nginx-rtmp names each fragment by the system time, in milliseconds, at which it opened it
  (`hls_fragment_naming system`): the name is the moment.
- a segment ffmpeg wrote is renamed into place when its last frame is in (`temp_file`): its start is
  its modification time less its duration.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

PDT_TAG = b"#EXT-X-PROGRAM-DATE-TIME:"
_NGINX_NAME = re.compile(rb"(?:^|/)(\d{13})\.ts$")
_EXTINF = re.compile(rb"^#EXTINF:([0-9.]+)")


def program_date_time(ms: int) -> bytes:
    """The tag line for a segment that starts at `ms` (epoch milliseconds), in UTC with milliseconds."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return PDT_TAG + moment.strftime("%Y-%m-%dT%H:%M:%S.").encode() + b"%03dZ" % (ms % 1000)


class PlaylistClock:
    """Serves live playlists with a program date-time before every segment, stamped once per playlist version."""

    def __init__(self, max_segments: int = 20_000) -> None:
        self.max_segments = max_segments
        self._stamped: dict[Path, tuple[int, int, bytes]] = {}  # playlist -> (mtime_ns, size, stamped body)
        self._starts: dict[Path, int] = {}  # segment -> start (ms); a listed segment never changes

    def read(self, path: Path) -> bytes:
        """The playlist at `path` with its segments' moments; raises OSError when there is none."""
        stat = path.stat()
        kept = self._stamped.get(path)
        if kept is not None and kept[0] == stat.st_mtime_ns and kept[1] == stat.st_size:
            return kept[2]
        body = self.stamp(path.read_bytes(), path.parent)
        if len(self._stamped) >= 1000:
            self._stamped.clear()
        self._stamped[path] = (stat.st_mtime_ns, stat.st_size, body)
        return body

    def stamp(self, body: bytes, folder: Path) -> bytes:
        """`body` with a program date-time before each segment whose start is known (unchanged if it has some)."""
        if PDT_TAG in body or b"#EXTINF" not in body:
            return body  # already stamped by its packager, or a master playlist
        lines = body.split(b"\n")
        out: list[bytes] = []
        for index, line in enumerate(lines):
            duration = _EXTINF.match(line)
            if duration is not None and index + 1 < len(lines):
                start = self._start(lines[index + 1].strip(), float(duration.group(1)), folder)
                if start is not None:
                    out.append(program_date_time(start))
            out.append(line)
        return b"\n".join(out)

    def _start(self, uri: bytes, duration_s: float, folder: Path) -> int | None:
        named = _NGINX_NAME.search(uri)
        if named is not None:
            return int(named.group(1))
        segment = folder / uri.decode(errors="replace")
        start = self._starts.get(segment)
        if start is None:
            try:
                start = round(segment.stat().st_mtime * 1000 - duration_s * 1000)
            except OSError:
                return None
            if len(self._starts) >= self.max_segments:
                self._starts.clear()
            self._starts[segment] = start
        return start
