"""Pictures for show cards: a small frame of each show live on this machine every few seconds, and their sizes."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from livestall.media import commands
from livestall.media.paths import show_dir
from livestall.media.recorder import LIVE, parse_playlist

log = logging.getLogger("livestall.media")

SNAPSHOT = "live.jpg"  # <show dir>/live.jpg, served at /hls/{show_id}/live.jpg while the show is live
THUMBNAIL = "thumb.jpg"  # the replay's, taken when the show ends
EVERY_S = 5.0  # a live show's picture is at most this old (when few shows are live on the machine)
MAX_AGE_S = 4  # Cache-Control of live.jpg: a browser or CDN asks again for the next picture
WIDTH = 480  # enough for a card at two or three device pixels; narrower streams are never upscaled
QUALITY = 5  # ffmpeg's JPEG scale (2 best, 31 worst): about 20 KB for a 480x854 frame
TIMEOUT_S = 10.0
# ffmpeg's start-up is most of a grab's cost (about 0.08 s of CPU): pausing three times as long as each
# grab took keeps pictures within a quarter of one core however many shows are live; past about a dozen
# live shows on one machine each picture is simply refreshed less often.
DUTY = 0.25


def newest_segment(settings, show_id: int) -> Path | None:
    """The newest segment listed in the show's live playlist that is on disk (the stream as sent), or None."""
    folder = show_dir(settings, show_id)
    try:
        listed = parse_playlist((folder / LIVE).read_text())
    except OSError:
        return None
    for uri, _duration, _disc in reversed(listed):
        if (folder / uri).is_file():
            return folder / uri
    return None


def snapshot_url(show_id: int) -> str:
    """Where a live show's picture is served (on the machine that ingests it); pages add a version to it."""
    return f"/hls/{show_id}/{SNAPSHOT}"


@dataclass(frozen=True)
class Picture:
    """An image of a show for its card: its URL (changing with each new picture) and its size in pixels."""

    url: str
    width: int
    height: int
    live: bool


_sizes: dict[Path, tuple[int, int, int]] = {}  # path -> (mtime_ns, width, height): one header read per picture


def _version_and_size(path: Path) -> tuple[int, int, int] | None:
    try:
        mtime_ns = path.stat().st_mtime_ns
    except OSError:
        return None
    known = _sizes.get(path)
    if known is not None and known[0] == mtime_ns:
        return known
    try:
        with Image.open(path) as img:  # reads the header only
            width, height = img.size
    except (OSError, UnidentifiedImageError):
        return None
    if len(_sizes) > 4096:
        _sizes.clear()
    _sizes[path] = (mtime_ns, width, height)
    return _sizes[path]


def show_picture(settings, show) -> Picture | None:
    """The show's newest frame while live, its replay thumbnail once ended; None when this machine has neither."""
    if show.status == "live":
        name, live = SNAPSHOT, True
    elif show.status == "ended":
        name, live = THUMBNAIL, False
    else:
        return None
    found = _version_and_size(show_dir(settings, show.id) / name)
    if found is None:
        return None
    mtime_ns, width, height = found
    return Picture(url=f"/hls/{show.id}/{name}?v={mtime_ns // 1_000_000}", width=width, height=height, live=live)


class LiveSnapshots:
    """Takes the pictures of the shows published on this machine, one ffmpeg at a time, beside the media jobs."""

    def __init__(self, settings, ffmpeg: str | None) -> None:
        self.settings = settings
        self.ffmpeg = ffmpeg
        self._taken: dict[int, tuple[float, Path]] = {}  # show_id -> (monotonic time, segment it was taken from)
        self._round: asyncio.Task | None = None

    def kick(self, show_ids: Iterable[int]) -> None:
        """Start a round over the shows whose picture is due, unless the last round is still going."""
        if self.ffmpeg is None or (self._round is not None and not self._round.done()):
            return
        now = time.monotonic()
        due = [show_id for show_id in show_ids if now - self._taken.get(show_id, (-math.inf,))[0] >= EVERY_S]
        if due:
            self._round = asyncio.create_task(self._take_each(due), name="live snapshots")

    async def _take_each(self, show_ids: list[int]) -> None:
        for show_id in show_ids:
            started = time.monotonic()
            try:
                took = await self.take(show_id)
            except Exception:  # one show's unreadable segment must not stop the others' pictures
                log.exception("live snapshot of show %s failed", show_id)
                took = True
            if took:
                await asyncio.sleep((time.monotonic() - started) * (1 / DUTY - 1))

    async def take(self, show_id: int) -> bool:
        """Write the show's live.jpg from its newest segment; False when there was no new segment to run ffmpeg on."""
        segment = newest_segment(self.settings, show_id)
        if segment is None or self._taken.get(show_id, (0.0, None))[1] == segment:
            return False
        self._taken[show_id] = (time.monotonic(), segment)
        scratch = segment.parent / "live-next.jpg"
        made = await commands.write_thumbnail(self.ffmpeg, segment, scratch, timeout_s=TIMEOUT_S, width=WIDTH,
                                              shrink_only=True, quality=QUALITY)
        if made:
            os.replace(scratch, segment.parent / SNAPSHOT)  # readers get the old picture or the new, never half
        else:
            scratch.unlink(missing_ok=True)
        return True

    def forget(self, show_id: int) -> None:
        """The show is over: its live picture goes (the replay gets its own thumbnail)."""
        self._taken.pop(show_id, None)
        folder = show_dir(self.settings, show_id)
        for name in (SNAPSHOT, "live-next.jpg"):
            (folder / name).unlink(missing_ok=True)

    async def stop(self) -> None:
        """Cancel the round in progress (its ffmpeg is killed)."""
        if self._round is not None and not self._round.done():
            self._round.cancel()
            try:
                await self._round
            except asyncio.CancelledError:
                pass
