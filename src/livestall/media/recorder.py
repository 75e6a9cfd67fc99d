"""Recording: follow a show's live playlist and keep every segment it lists as the replay playlist."""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

LIVE, REPLAY, STATE = "index.m3u8", "replay.m3u8", "recording.json"


@dataclass
class Segment:
    """One recorded segment: its file, its length, and the wall-clock time its first frame was captured."""

    uri: str
    duration: float
    start: float  # epoch seconds, estimated from when the segment was first listed
    discontinuity: bool = False


def parse_playlist(text: str) -> list[tuple[str, float, bool]]:
    """(uri, duration, discontinuity before it) for each segment of a media playlist."""
    out, duration, discontinuity = [], None, False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXTINF:"):
            try:
                duration = float(line[8:].split(",", 1)[0])
            except ValueError:
                duration = None
        elif line == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif line and not line.startswith("#") and duration is not None:
            out.append((line, duration, discontinuity))
            duration, discontinuity = None, False
    return out


class Recorder:
    """Keeps <show dir>/replay.m3u8 growing with the segments of the live playlist; its state survives restarts."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.segments: list[Segment] = []
        self._break = False
        state = directory / STATE
        if state.exists():
            try:
                self.segments = [Segment(**s) for s in json.loads(state.read_text())["segments"]]
            except (ValueError, KeyError, TypeError):
                self.segments = []
        self._seen = {s.uri for s in self.segments}

    def mark_break(self) -> None:
        """A new publish begins: the next segment starts after a discontinuity."""
        self._break = True

    def poll(self, now: float | None = None) -> int:
        """Take in the segments the live playlist lists that are not yet recorded; return how many."""
        try:
            listed = parse_playlist((self.dir / LIVE).read_text())
        except OSError:
            return 0
        fresh = [entry for entry in listed if entry[0] not in self._seen]
        if not fresh:
            return 0
        # Each listed segment ended no later than now; walk back from the newest to estimate starts.
        end = now if now is not None else time.time()
        starts = []
        for _uri, duration, _disc in reversed(fresh):
            starts.append(end - duration)
            end -= duration
        for (uri, duration, disc), start in zip(fresh, reversed(starts)):
            if self.segments and start < self.segments[-1].start + self.segments[-1].duration:
                start = self.segments[-1].start + self.segments[-1].duration
            self.segments.append(Segment(uri, duration, start, discontinuity=disc or self._break))
            self._break = False
            self._seen.add(uri)
        self.write(final=False)
        return len(fresh)

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.segments)

    def position_of(self, when: datetime) -> float | None:
        """Seconds into the replay at which wall-clock time `when` was shown (None: not recorded)."""
        moment = when.timestamp()
        position = 0.0
        for seg in self.segments:
            if moment < seg.start:
                return position  # during a gap (a reconnect): the first moment after it
            if moment < seg.start + seg.duration:
                return position + (moment - seg.start)
            position += seg.duration
        return None

    def write(self, *, final: bool) -> None:
        """Write the replay playlist (an EVENT playlist while live, VOD with an end when final) and the state."""
        target = max((math.ceil(s.duration) for s in self.segments), default=1)
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}", "#EXT-X-MEDIA-SEQUENCE:0",
                 f"#EXT-X-PLAYLIST-TYPE:{'VOD' if final else 'EVENT'}"]
        for i, seg in enumerate(self.segments):
            if seg.discontinuity and i > 0:
                lines.append("#EXT-X-DISCONTINUITY")
            if i == 0 or seg.discontinuity:
                stamp = datetime.fromtimestamp(seg.start, timezone.utc).isoformat(timespec="milliseconds")
                lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{stamp}")
            lines += [f"#EXTINF:{seg.duration:.3f},", seg.uri]
        if final:
            lines.append("#EXT-X-ENDLIST")
        _atomic_write(self.dir / REPLAY, "\n".join(lines) + "\n")
        _atomic_write(self.dir / STATE, json.dumps({"segments": [asdict(s) for s in self.segments]}))

    def thumbnail_source(self) -> Path | None:
        """The segment to take the thumbnail from: about a tenth of the way in, so not a black first frame."""
        if not self.segments:
            return None
        return self.dir / self.segments[min(len(self.segments) // 10, len(self.segments) - 1)].uri


def _atomic_write(path: Path, text: str) -> None:
    """Readers (players polling the playlist) never see a half-written file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
