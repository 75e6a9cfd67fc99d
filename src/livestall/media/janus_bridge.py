"""Each live show's WebRTC rendition: a Janus streaming mountpoint fed RTP by an ffmpeg copy of the stream."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field

from livestall.media import commands
from livestall.media.janus import JanusError, JanusProcess, janus_dir
from livestall.media.supervisor import Supervised

log = logging.getLogger("livestall.media")

CLUSTER = b"\x1f\x43\xb6\x75"  # WebM media data comes in clusters after the header
FEED_WRITE_TIMEOUT_S = 2.0  # a stalled forwarder must not hold up the browser's HLS ingest for longer

VIDEO_PT, AUDIO_PT = 96, 111
# Chromium decodes any H.264 profile it is sent; the offer names the common one.
H264_FMTP = "profile-level-id=42e01f;packetization-mode=1"
FORWARDED = "webrtc"  # a mountpoint's source when Janus feeds it itself, from a studio's WebRTC publish


def forward_rtp(ffmpeg: str, source: str, video_port: int, audio_port: int) -> list[str]:
    """ffmpeg reading the show's RTMP: H.264 copied into RTP as is, AAC turned into Opus (WebRTC has no AAC)."""
    return [ffmpeg, "-hide_banner", "-loglevel", "warning", "-fflags", "nobuffer", "-flags", "low_delay",
            "-rw_timeout", "5000000", "-i", source,
            "-map", "0:v:0", "-c:v", "copy", "-bsf:v", "h264_mp4toannexb",
            "-f", "rtp", "-payload_type", str(VIDEO_PT), f"rtp://127.0.0.1:{video_port}?pkt_size=1200",
            "-map", "0:a:0?", "-c:a", "libopus", "-b:a", "64k", "-ar", "48000", "-ac", "2",
            "-application", "lowdelay", "-frame_duration", "20",
            "-f", "rtp", "-payload_type", str(AUDIO_PT), f"rtp://127.0.0.1:{audio_port}?pkt_size=1200"]


class WebmFeed:
    """The browser's WebM chunks for a forwarder ffmpeg: the header first after each (re)start, then whole clusters."""

    def __init__(self, first_chunk: bytes) -> None:
        self.process: Supervised | None = None
        self.reset(first_chunk)

    def reset(self, first_chunk: bytes) -> None:
        """A new recording (first start, or a camera switch): its header, and the media that came with it."""
        cut = first_chunk.find(CLUSTER)
        self.header, self._pending = (first_chunk, b"") if cut < 0 else (first_chunk[:cut], first_chunk[cut:])
        self.opus = b"A_OPUS" in self.header
        self._resync, self._live = False, False  # nothing goes out before a forwarder has this header

    async def on_start(self, process: Supervised) -> None:
        """A (re)started forwarder: the header, then the first media if none was dropped, else the next cluster."""
        self._live = False
        data, self._resync = self.header + self._pending, not self._pending
        self._pending = b""
        await process.write(data)
        self._live = True

    async def write(self, chunk: bytes) -> None:
        """One chunk after the header; dropped (and the next cluster awaited) while no forwarder takes it."""
        if self.process is None or not self._live:
            self._pending, self._resync = b"", True
            return
        if self._resync:
            cut = chunk.find(CLUSTER)
            if cut < 0:
                return
            chunk, self._resync = chunk[cut:], False
        try:
            if not await asyncio.wait_for(self.process.write(chunk), FEED_WRITE_TIMEOUT_S):
                self._live, self._resync = False, True  # it died: the restart replays the header
        except asyncio.TimeoutError:
            log.warning("the sub-second forwarder of a browser stream is slow to read its input")


@dataclass
class Mountpoint:
    """A show's place in Janus: its id (random, never the show's), the viewers' pin and our own secret."""

    show_id: int
    source: str
    id: int = field(default_factory=lambda: secrets.randbelow(2**52 - 1) + 1)
    pin: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    ports: tuple[int, int] = (0, 0)
    forwarder: Supervised | None = None
    ready: bool = False
    feed: WebmFeed | None = None  # set for a browser stream: the forwarder reads its WebM on stdin


class JanusBridge:
    """Mountpoints and their ffmpeg forwarders for the shows published on this machine."""

    def __init__(self, janus: JanusProcess, ffmpeg: str | None) -> None:
        self.janus, self.ffmpeg = janus, ffmpeg
        self.mounts: dict[int, Mountpoint] = {}
        self._tasks: dict[int, asyncio.Task] = {}
        self._generation = 0
        self.refusals: dict[int, str] = {}  # show_id -> why its stream has no mountpoint (e.g. "not_h264")

    def get(self, show_id: int) -> Mountpoint | None:
        """The show's mountpoint once video flows into it."""
        mount = self.mounts.get(show_id)
        return mount if mount is not None and mount.ready and self._generation == self.janus.generation else None

    def stream_started(self, show_id: int, source: str) -> None:
        """A publish began: make its mountpoint in the background (nginx waits on our answer to let it in)."""
        if not self.janus.installed or self.ffmpeg is None:
            return
        self._spawn(show_id, self._open(Mountpoint(show_id=show_id, source=source)))

    def browser_started(self, show_id: int, first_chunk: bytes, codec: str) -> WebmFeed | None:
        """A browser publish began: H.264 gets a mountpoint fed from the returned feed; VP8/VP9 stays on HLS."""
        if self.janus.reason() not in ("ok", "not_running") or self.ffmpeg is None:
            return None
        if codec != "h264":
            self.refusals[show_id] = "not_h264"
            return None
        self.refusals.pop(show_id, None)
        feed = WebmFeed(first_chunk)
        self._spawn(show_id, self._open(Mountpoint(show_id=show_id, source="browser", feed=feed)))
        return feed

    async def browser_restarted(self, show_id: int, feed: WebmFeed, first_chunk: bytes) -> None:
        """The browser began a new recording (camera switch): the forwarder starts again on its header."""
        feed.reset(first_chunk)
        mount = self.mounts.get(show_id)
        if mount is None or mount.feed is not feed or mount.forwarder is None:
            return  # not made yet: it starts on the new header when it is
        old, mount.forwarder = mount.forwarder, None
        feed.process = None
        await old.stop()
        mount.forwarder = self._forwarder(mount)
        await mount.forwarder.wait_started()

    def refusal(self, show_id: int) -> str | None:
        """Why the show's live stream has no mountpoint on purpose (e.g. "not_h264"), if it has none for that."""
        return self.refusals.get(show_id)

    async def stream_stopped(self, show_id: int) -> None:
        """The publisher left: destroy the mountpoint and stop its forwarder."""
        self.refusals.pop(show_id, None)
        task = self._tasks.pop(show_id, None)
        if task is not None:
            task.cancel()
        mount = self.mounts.pop(show_id, None)
        if mount is not None:
            await self._close(mount)

    async def open_forwarded(self, show_id: int) -> Mountpoint | None:
        """A mountpoint with no ffmpeg of ours, fed by Janus itself (a WebRTC publish's rtp_forward), once made."""
        await self.stream_stopped(show_id)
        mount = Mountpoint(show_id=show_id, source=FORWARDED)
        await self._open(mount)
        return mount if mount.ready else None

    async def refresh(self) -> None:
        """Make again the mountpoints Janus lost when it restarted, and those it could not make before."""
        if not self.janus.running:
            return
        restarted = self._generation != self.janus.generation
        self._generation = self.janus.generation
        for show_id, mount in list(self.mounts.items()):
            # A forwarded mountpoint is not made again: its publisher's room went with the old Janus too.
            if mount.source == FORWARDED:
                mount.ready = mount.ready and not restarted
            elif show_id not in self._tasks and (restarted or not mount.ready):
                self._spawn(show_id, self._reopen(mount))

    async def stop(self) -> None:
        for show_id in list(self.mounts):
            await self.stream_stopped(show_id)
        for task in self._tasks.values():
            task.cancel()

    def _spawn(self, show_id: int, work) -> None:
        task = asyncio.create_task(work, name=f"webrtc mountpoint {show_id}")
        self._tasks[show_id] = task
        task.add_done_callback(lambda t: self._tasks.pop(show_id, None) if self._tasks.get(show_id) is t else None)

    async def _reopen(self, old: Mountpoint) -> None:
        old.ready = False  # gone with the old Janus: no seat points at it any more
        if old.forwarder is not None:
            await old.forwarder.stop()
        await self._open(Mountpoint(show_id=old.show_id, source=old.source, feed=old.feed))

    async def _open(self, mount: Mountpoint) -> None:
        self.mounts[mount.show_id] = mount
        if not await self.janus.wait_ready(timeout=15):
            log.warning("sub-second stage of show %s not made: Janus does not answer", mount.show_id)
            return
        self._generation = self.janus.generation
        try:
            answer = await self.janus.client.request({
                "request": "create", "type": "rtp", "id": mount.id, "name": f"show {mount.show_id}",
                "description": f"show {mount.show_id}", "is_private": True, "permanent": False,
                "secret": mount.secret, "pin": mount.pin, "admin_key": self.janus.admin_key,
                "media": [{"type": "video", "mid": "v", "port": 0, "pt": VIDEO_PT, "codec": "h264",
                           "fmtp": H264_FMTP, "iface": "127.0.0.1"},
                          {"type": "audio", "mid": "a", "port": 0, "pt": AUDIO_PT, "codec": "opus",
                           "iface": "127.0.0.1"}]})
        except JanusError as exc:
            log.warning("sub-second stage of show %s not made: %s", mount.show_id, exc)
            return
        ports = {p["type"]: p["port"] for p in answer["stream"]["ports"]}
        mount.ports = (ports["video"], ports["audio"])
        if mount.source != FORWARDED:
            mount.forwarder = self._forwarder(mount)
            await mount.forwarder.wait_started()
        mount.ready = True
        log.info("sub-second stage of show %s: Janus mountpoint ready", mount.show_id,
                 extra={"show_id": mount.show_id, "ports": mount.ports})

    def _forwarder(self, mount: Mountpoint) -> Supervised:
        """Start the ffmpeg sending the show into the mountpoint's RTP ports: from RTMP, or the browser's WebM."""
        log_path = janus_dir(self.janus.settings) / f"forward-{mount.show_id}.log"
        assert self.ffmpeg is not None
        name = f"webrtc-forward {mount.show_id}"
        if mount.feed is None:
            return Supervised(name, forward_rtp(self.ffmpeg, mount.source, *mount.ports), log_path=log_path).start()
        feed, ffmpeg, ports = mount.feed, self.ffmpeg, mount.ports

        def argv() -> list[str]:
            # Built at each (re)start. After a crash the sound is re-encoded: a browser's copied Opus packet too
            # big for one RTP packet stops ffmpeg, and it would again at the next one.
            copy_opus = feed.opus and not (feed.process is not None and feed.process.restarts)
            return commands.browser_rtp(ffmpeg, *ports, opus=copy_opus, video_pt=VIDEO_PT, audio_pt=AUDIO_PT)

        feed.process = Supervised(name, argv, log_path=log_path, stdin=True, on_start=feed.on_start).start()
        return feed.process

    async def _close(self, mount: Mountpoint) -> None:
        if mount.forwarder is not None:
            await mount.forwarder.stop()
        if mount.ports == (0, 0) or not self.janus.running:
            return  # never made in Janus
        try:
            await self.janus.client.request({"request": "destroy", "id": mount.id, "secret": mount.secret,
                                             "permanent": False})
            log.info("sub-second stage of show %s closed", mount.show_id, extra={"show_id": mount.show_id})
        except JanusError as exc:
            log.warning("sub-second stage of show %s: destroying its mountpoint failed: %s", mount.show_id, exc)

    async def exists(self, show_id: int) -> bool:
        """Whether Janus still has the show's mountpoint (asked with its secret)."""
        mount = self.mounts.get(show_id)
        if mount is None or not self.janus.running:
            return False
        try:
            await self.janus.client.request({"request": "info", "id": mount.id, "secret": mount.secret})
            return True
        except JanusError:
            return False

    async def viewers(self, show_id: int) -> int | None:
        """How many Janus sessions watch the show's mountpoint now (None when it has none)."""
        mount = self.get(show_id)
        if mount is None:
            return None
        try:
            answer = await self.janus.client.request({"request": "info", "id": mount.id, "secret": mount.secret})
        except JanusError:
            return None
        return int(answer.get("info", {}).get("viewers", 0))


class SubSecondStage:
    """The WebRTC tier of this machine: Janus, the shows' mountpoints and who has a seat."""

    def __init__(self, settings, ffmpeg: str | None) -> None:
        from livestall.media.webrtc_seats import Seats

        self.settings = settings
        self.janus = JanusProcess(settings)
        self.bridge = JanusBridge(self.janus, ffmpeg)
        self.seats = Seats(front_row=settings.webrtc_front_row, show_cap=settings.webrtc_show_cap,
                           machine_cap=settings.webrtc_machine_cap, ttl_s=settings.webrtc_token_ttl_s)

    async def start(self, *, rtmp: bool) -> None:
        """Start Janus where shows are ingested: app machines without RTMP have nothing to put on the stage."""
        if not rtmp:
            self.janus.ingest = False
            log.info("sub-second stage is off: RTMP ingest does not run in this process")
            return
        await self.janus.start()

    async def stop(self) -> None:
        await self.bridge.stop()
        await self.janus.stop()

    def stream_started(self, show_id: int, source_url: str) -> None:
        self.bridge.stream_started(show_id, source_url)

    def browser_started(self, show_id: int, first_chunk: bytes, codec: str) -> WebmFeed | None:
        """A browser publish began; the feed (H.264 only) takes every chunk the ingest gets after this first one."""
        return self.bridge.browser_started(show_id, first_chunk, codec)

    async def stream_stopped(self, show_id: int) -> None:
        self.seats.clear(show_id)
        await self.bridge.stream_stopped(show_id)

    async def tick(self) -> None:
        """From the media jobs: remake mountpoints after a Janus restart."""
        await self.bridge.refresh()
