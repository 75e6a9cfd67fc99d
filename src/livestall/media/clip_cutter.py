"""The background job that makes product clips: finds pins of finished replays, cuts each with `ffmpeg -c copy`.

Cuts fall on keyframes (1 s apart in a well-set stream), so nothing is re-encoded: a 90 s clip takes a
fraction of a second of CPU. Each cut is kept twice, as an MP4 (shared, downloaded, played natively) and as a
small HLS of the same packets (v{n}.m3u8 + v{n}_NNN.ts) that the site's player plays through hls.js.
Clips are kept in <data>/clips/{id}/, apart from the replay, so they outlive it.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from livestall.media import clips, commands
from livestall.media.paths import show_dir
from livestall.media.recorder import REPLAY, Recorder
from livestall.shows.models import Show

log = logging.getLogger("livestall.media")

EVERY_S = 2.0
CUT_TIMEOUT_S = 120.0
SEGMENT_S = 4  # a clip's HLS segments: short enough to start at once, few enough for a 90 s clip
SEGMENT_PREFIX = "seg/"  # segments are served under /clips/{id}/seg/, next to the playlist's /clips/{id}/video.m3u8


def clip_dir(settings, clip_id: int) -> Path:
    """Where a clip's video and picture are kept: <data>/clips/{id}/v{version}.mp4 and .jpg."""
    return (settings.data_dir / "clips" / str(clip_id)).resolve()


def clip_files(settings, clip_id: int, version: int) -> tuple[Path, Path, Path]:
    """The cut's MP4, its picture and its HLS playlist."""
    folder = clip_dir(settings, clip_id)
    return folder / f"v{version}.mp4", folder / f"v{version}.jpg", folder / f"v{version}.m3u8"


def cut_command(ffmpeg: str, playlist: Path, start_s: float, length_s: float, out: Path) -> list[str]:
    """The replay from `start_s` (the keyframe at or before it) for `length_s`, copied into an MP4 playing at once."""
    # A replay still being written (the show went live again) has no end: give up after a few reloads that bring
    # nothing new, instead of waiting on it as on a live stream until the cut times out.
    return [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-ss", f"{start_s:.3f}", "-m3u8_hold_counters", "3",
            "-i", str(playlist),
            "-t", f"{length_s:.3f}", "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
            "-avoid_negative_ts", "make_zero", "-movflags", "+faststart", str(out)]


def hls_command(ffmpeg: str, video: Path, playlist: Path) -> list[str]:
    """The cut MP4 repackaged, packets unchanged, as a finished (VOD) HLS next to it: v{n}.m3u8 and v{n}_NNN.ts."""
    segments = playlist.with_name(f"{playlist.stem}_%03d.ts")
    return [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-i", str(video), "-map", "0", "-c", "copy",
            "-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
            "-hls_base_url", SEGMENT_PREFIX, "-hls_segment_filename", str(segments), str(playlist)]


class ClipCutter:
    """Makes and cuts the clips of the replays on this machine, one at a time."""

    def __init__(self, settings, sessionmaker, ffmpeg: str | None) -> None:
        self.settings, self.sessionmaker, self.ffmpeg = settings, sessionmaker, ffmpeg
        self._task: asyncio.Task | None = None
        self.wake = asyncio.Event()

    def start(self) -> None:
        if self.ffmpeg is not None:
            self._task = asyncio.create_task(self._run(), name="clip cutter")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            try:
                while await self.run_once():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad clip must not stop the job
                log.exception("clip job failed")
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), EVERY_S)
            except TimeoutError:
                pass

    async def run_once(self) -> bool:
        """Make the clips of newly finished replays, then cut one clip; whether there was work."""
        made = await self._make_clips()
        return await self._cut_one() or made

    async def _make_clips(self) -> bool:
        made = False
        async with self.sessionmaker() as session:
            for pin, show in await clips.list_pins_without_clips(session=session):
                folder = show_dir(self.settings, show.id)
                if not (folder / REPLAY).exists():
                    continue  # recorded on another ingest machine, which makes its clips
                recorder = Recorder(folder)
                start = recorder.position_of(pin.pinned_at)
                end_at = pin.unpinned_at or show.ended_at
                end = recorder.position_of(end_at) if end_at is not None else None
                if start is not None:
                    start, end = clips.stretch(start, end, recorder.duration)
                clip = await clips.do_add_clip(session=session, pin=pin, show=show, start_s=start, end_s=end)
                made = made or clip is not None
            await session.commit()
        return made

    async def _cut_one(self) -> bool:
        async with self.sessionmaker() as session:
            clip = await clips.claim_clip_to_cut(session=session, replay_is_here=self._replay_is_here)
            await session.commit()
        if clip is None:
            return False
        playlist = show_dir(self.settings, clip.show_id) / REPLAY
        video, picture, hls = clip_files(self.settings, clip.id, clip.version)
        error = ""
        if not playlist.exists():
            error = "the replay is gone"
        else:
            video.parent.mkdir(parents=True, exist_ok=True)
            error = await self._run_ffmpeg(cut_command(self.ffmpeg, playlist, clip.start_ms / 1000,
                                                       (clip.end_ms - clip.start_ms) / 1000, video))
            if not error:
                error = await self._run_ffmpeg(hls_command(self.ffmpeg, video, hls))
            if not error:
                await commands.write_thumbnail(self.ffmpeg, video, picture, timeout_s=30, width=480,
                                               shrink_only=True)
        async with self.sessionmaker() as session:
            await clips.do_finish_cut(session=session, clip_id=clip.id, version=clip.version, ok=not error,
                                      error=error)
            show = await session.get(Show, clip.show_id)
            await session.commit()
        if not error:
            self._drop_old_versions(clip.id, clip.version)
        log.info("clip %s of show %s: %s", clip.id, clip.show_id, error or "cut",
                 extra={"clip_id": clip.id, "show_id": clip.show_id, "shop_id": show.shop_id if show else None})
        return True

    def _replay_is_here(self, show_id: int) -> bool:
        # Every process of a cluster shares the clips table; only the ingest machine that recorded a show has its
        # replay, so only it may cut (another would fail the clip as "the replay is gone").
        return (show_dir(self.settings, show_id) / REPLAY).exists()

    async def _run_ffmpeg(self, argv: list[str]) -> str:
        """'' when ffmpeg made the file, else its last word."""
        process = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.DEVNULL,
                                                       stdout=asyncio.subprocess.DEVNULL,
                                                       stderr=asyncio.subprocess.PIPE)
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), CUT_TIMEOUT_S)
        except TimeoutError:
            return "cutting took too long"
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        if process.returncode != 0 or not Path(argv[-1]).exists():
            lines = stderr.decode(errors="replace").strip().splitlines()
            return lines[-1] if lines else f"ffmpeg exited with {process.returncode}"
        return ""

    def _drop_old_versions(self, clip_id: int, version: int) -> None:
        for path in clip_dir(self.settings, clip_id).glob("v*.*"):
            if path.stem.split("_")[0] != f"v{version}":  # v{n}.mp4, .jpg, .m3u8 and the segments v{n}_NNN.ts
                path.unlink(missing_ok=True)
