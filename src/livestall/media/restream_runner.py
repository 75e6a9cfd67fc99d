"""Sending live shows on to their restream targets: one supervised `ffmpeg -c copy -f flv` per target.

The stream is pulled as it arrives, never re-encoded: RTMP publishes from the local nginx-rtmp (as the
ladder does), browser publishes from the live HLS playlist their ffmpeg writes. A target that refuses
is restarted with the supervisor's growing pause, and shown as failing with ffmpeg's last word (key masked)
while the show and the other targets go on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from livestall.media.paths import show_dir
from livestall.media.recorder import LIVE
from livestall.media.restream import list_show_targets, output_url, redact
from livestall.media.supervisor import Supervised, _die_with_parent
from livestall.shows.models import Show

log = logging.getLogger("livestall.media")

LIVE_WITHIN_S = 5.0  # bytes went out this recently: the target is receiving


def relay_command(ffmpeg: str, source: list[str], url: str) -> list[str]:
    """Copy audio and video from `source` (ffmpeg input options) to an RTMP(S) URL as FLV; progress on stdout."""
    return [ffmpeg, "-hide_banner", "-loglevel", "warning", "-nostats", "-progress", "pipe:1",
            *source, "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "-f", "flv",
            "-flvflags", "no_duration_filesize", url]


class Relay(Supervised):
    """One target's ffmpeg: its stderr goes to the log with the key masked, its progress tells if it is live."""

    def __init__(self, name: str, argv: list[str], *, log_path: Path, key: str) -> None:
        super().__init__(name, argv, log_path=log_path)
        self.key = key
        self.last_line = ""
        self.sent_bytes = 0
        self.last_sent_at = 0.0
        self.failures = 0
        self._readers: list[asyncio.Task] = []

    async def _spawn(self) -> asyncio.subprocess.Process:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.sent_bytes, self.last_sent_at = 0, 0.0
        proc = await asyncio.create_subprocess_exec(*self.argv, stdin=asyncio.subprocess.DEVNULL,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                    preexec_fn=_die_with_parent)
        self._readers = [asyncio.create_task(self._read_progress(proc.stdout)),
                         asyncio.create_task(self._read_errors(proc.stderr)),
                         asyncio.create_task(self._count_exit(proc))]
        return proc

    async def _read_progress(self, stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            name, _, value = raw.decode(errors="replace").strip().partition("=")
            if name == "total_size" and value.isdigit() and int(value) > self.sent_bytes:
                self.sent_bytes, self.last_sent_at = int(value), time.monotonic()
                self.failures = 0  # it got through: an earlier failure is no longer the news

    async def _read_errors(self, stream: asyncio.StreamReader) -> None:
        with open(self.log_path, "a", encoding="utf-8") as logfile:
            async for raw in stream:
                line = redact(raw.decode(errors="replace").rstrip(), self.key)
                if line:
                    self.last_line = line[-300:]
                    logfile.write(line + "\n")
                    logfile.flush()

    async def _count_exit(self, proc: asyncio.subprocess.Process) -> None:
        if await proc.wait() != 0 and not self._stopping:
            self.failures += 1

    def state(self) -> tuple[str, str]:
        """('live' | 'connecting' | 'failing', the last thing ffmpeg said when failing)."""
        running = self.pid is not None
        if running and self.last_sent_at and time.monotonic() - self.last_sent_at < LIVE_WITHIN_S:
            return "live", ""
        if self.failures:
            return "failing", self.last_line
        return "connecting", ""

    async def stop(self, timeout: float = 5.0) -> None:
        await super().stop(timeout)
        for reader in self._readers:
            reader.cancel()


@dataclass
class _Running:
    source: str
    relays: dict[int, Relay]


class RestreamRunner:
    """The relays of every show published on this machine, kept in line with the targets in the database."""

    def __init__(self, settings, sessionmaker, ffmpeg: str | None) -> None:
        self.settings, self.sessionmaker, self.ffmpeg = settings, sessionmaker, ffmpeg
        self.shows: dict[int, _Running] = {}
        self._lock = asyncio.Lock()

    def _source(self, show_id: int, source: str) -> list[str]:
        if source == "rtmp":  # nginx lets only this machine play; the relay waits there for the publisher
            return ["-i", f"rtmp://127.0.0.1:{self.settings.rtmp_port}/live/{show_id}"]
        # a browser publish is packaged by ffmpeg into the live playlist: follow it from its newest segment
        return ["-live_start_index", "-1", "-i", str(show_dir(self.settings, show_id) / LIVE)]

    async def publish_started(self, show_id: int, source: str) -> None:
        """Video started coming in: start a relay for each enabled target of the show."""
        if self.ffmpeg is None:
            return
        async with self._lock:
            self.shows[show_id] = _Running(source, {})
        await self.sync(show_id)

    async def publish_stopped(self, show_id: int) -> None:
        """The publisher left (or the show ended): stop its relays; they start again if it comes back."""
        async with self._lock:
            running = self.shows.pop(show_id, None)
        if running is not None:
            for relay in running.relays.values():
                await relay.stop()

    async def sync(self, show_id: int) -> None:
        """Start relays for targets added or enabled, stop those removed or paused (a show being published here)."""
        async with self._lock:
            running = self.shows.get(show_id)
            if running is None:
                return
            async with self.sessionmaker() as session:
                show = await session.get(Show, show_id)
                targets = await list_show_targets(session=session, show=show) if show else []
                await session.commit()  # shop defaults copied in on first look
            wanted = {t.id: t for t in targets if t.enabled}
            for target_id in [i for i in running.relays if i not in wanted]:
                await running.relays.pop(target_id).stop()
            for target_id, target in wanted.items():
                if target_id in running.relays:
                    continue
                folder = show_dir(self.settings, show_id) / "restream"
                relay = Relay(f"restream {show_id}/{target_id}",
                              relay_command(self.ffmpeg, self._source(show_id, running.source), output_url(target)),
                              log_path=folder / f"{target_id}.log", key=target.stream_key)
                running.relays[target_id] = relay.start()
                log.info("restreaming show %s to target %s (%s)", show_id, target_id, target.preset,
                         extra={"show_id": show_id, "target_id": target_id})

    def states(self, show_id: int) -> dict[int, tuple[str, str]]:
        """Each relayed target's (state, reason) for a show published here; absent targets are not sent to."""
        running = self.shows.get(show_id)
        return {target_id: relay.state() for target_id, relay in running.relays.items()} if running else {}

    async def stop(self) -> None:
        for show_id in list(self.shows):
            await self.publish_stopped(show_id)
