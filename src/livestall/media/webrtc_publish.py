"""Going live from the studio over WebRTC: the camera is published into a Janus videoroom, which forwards it as RTP
to the show's stage mountpoint (the front row) and to an ffmpeg that makes the HLS, the replay and the clips."""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import time
from pathlib import Path

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from livestall.accounts.deps import OptionalUser
from livestall.accounts.models import User
from livestall.errors import Conflict, Forbidden, NotFound, Unauthorized
from livestall.media import commands, service
from livestall.media.janus import VIDEOROOM, JanusError, public_ws_url, sign_token
from livestall.media.janus_bridge import AUDIO_PT, VIDEO_PT
from livestall.media.paths import show_dir
from livestall.media.supervisor import Supervised
from livestall.media.webrtc_routes import StageRefused
from livestall.runtime import get_runtime

log = logging.getLogger("livestall.media")
router = APIRouter(prefix="/api/v1", tags=["video"])

BITRATE = 2_500_000  # what the room lets the camera send, as the MediaRecorder path records
JOIN_WITHIN_S = 30.0  # a room nobody published into by then is closed again
WATCH_EVERY_S = 1.0  # how often the app checks that the publisher is still in its room


def free_rtp_port() -> int:
    """An even local UDP port whose odd neighbour (RTCP, by convention) is free too, for ffmpeg to listen on."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rtp:
            rtp.bind(("127.0.0.1", 0))
            port = rtp.getsockname()[1]
            if port % 2 or port >= 65535:
                continue
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rtcp:
                try:
                    rtcp.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
            return port
    raise OSError("no free pair of local UDP ports")


def rtp_sdp(show_id: int, video_port: int, audio_port: int) -> str:
    """The session description ffmpeg reads: H.264 and Opus as Janus forwards them to this machine's loopback."""
    return (f"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=show {show_id}\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=video {video_port} RTP/AVP {VIDEO_PT}\r\na=rtpmap:{VIDEO_PT} H264/90000\r\n"
            f"a=fmtp:{VIDEO_PT} packetization-mode=1\r\n"
            f"m=audio {audio_port} RTP/AVP {AUDIO_PT}\r\na=rtpmap:{AUDIO_PT} opus/48000/2\r\n")


def hls_from_rtp(ffmpeg: str, sdp: Path, out_dir: Path) -> list[str]:
    """ffmpeg reading the forwarded RTP: H.264 copied, Opus to AAC, into the same HLS as a browser ingest's."""
    browser = commands.browser_hls(ffmpeg, out_dir, transcode=False)
    output = browser[browser.index("-map"):]  # the browser ingest's own output: same segments, same playlist
    return [ffmpeg, "-hide_banner", "-loglevel", "warning", "-protocol_whitelist", "file,udp,rtp",
            "-fflags", "+genpts", "-probesize", "5000000", "-analyzeduration", "3000000",
            "-reorder_queue_size", "64", "-f", "sdp", "-i", str(sdp), *output]


class StagePublish:
    """One show's camera published over WebRTC: its Janus room, its RTP forwards and the ffmpeg making its HLS."""

    def __init__(self, manager, show_id: int, user_id: int, client_addr: str) -> None:
        self.manager, self.show_id, self.user_id, self.client_addr = manager, show_id, user_id, client_addr
        self.room = secrets.randbelow(2**52 - 1) + 1  # random, never the show's: rooms are not guessable
        self.publisher_id = secrets.randbelow(2**52 - 1) + 1
        self.pin = secrets.token_urlsafe(18)
        self.secret = secrets.token_urlsafe(18)
        self.hls: Supervised | None = None
        self.live = False
        self.over = False
        self.opened_at = time.monotonic()
        self.renewed_at = time.monotonic()
        self._watcher: asyncio.Task | None = None
        self._ending: asyncio.Task | None = None

    @property
    def janus(self):
        return self.manager.stage.janus

    async def _ask(self, body: dict) -> dict:
        return await self.janus.client.request(body, plugin=VIDEOROOM)

    async def open(self) -> None:
        """Make the room: one publisher, H.264 and Opus only, a keyframe asked for every second (1 s segments)."""
        await self._ask({
            "request": "create", "room": self.room, "admin_key": self.janus.admin_key, "secret": self.secret,
            "pin": self.pin, "is_private": True, "permanent": False, "description": f"studio {self.show_id}",
            "publishers": 1, "require_pvtid": True, "bitrate": BITRATE, "bitrate_cap": True, "fir_freq": 1,
            "audiocodec": "opus", "videocodec": "h264", "h264_profile": "42e01f",
            # Without it the browser turns its frames itself: the forwarded picture is upright as held.
            "videoorient_ext": False, "audiolevel_ext": False})
        self._watcher = asyncio.create_task(self._watch(), name=f"webrtc publish {self.show_id}")

    def ticket(self) -> dict:
        """What the studio needs to publish: Janus's address, the room, its pin and a token for the videoroom only."""
        ttl = self.manager.settings.webrtc_token_ttl_s
        token, expires = sign_token(self.janus.token_secret, ttl, plugin=VIDEOROOM)
        self.renewed_at = time.monotonic()
        return {"ws_url": public_ws_url(self.manager.settings), "room": self.room, "pin": self.pin,
                "publisher_id": self.publisher_id, "token": token, "expires_at": expires,
                "renew_in_s": max(5.0, ttl / 3), "bitrate": BITRATE}

    async def go_live(self) -> None:
        """The studio's PeerConnection is up: start the HLS ffmpeg, make the mountpoint, forward both ways."""
        if self.live or self.hls is not None:
            return  # asked twice: the first call does it
        ffmpeg = self.manager.ffmpeg
        out = show_dir(self.manager.settings, self.show_id)
        out.mkdir(parents=True, exist_ok=True)
        video_port = free_rtp_port()
        audio_port = free_rtp_port()
        while abs(audio_port - video_port) < 2:
            audio_port = free_rtp_port()
        sdp = out / "webrtc.sdp"
        sdp.write_text(rtp_sdp(self.show_id, video_port, audio_port))
        # Built at each (re)start: a restarted ffmpeg gets a new segment prefix and overwrites nothing.
        self.hls = Supervised(f"webrtc-ingest {self.show_id}", lambda: hls_from_rtp(ffmpeg, sdp, out),
                              log_path=out / "ffmpeg.log").start()
        await self.hls.wait_started()
        await asyncio.sleep(0.3)  # ffmpeg binds its ports as it opens the description; Janus sends at once
        await self._forward(video_port, audio_port)
        mount = await self.manager.stage.bridge.open_forwarded(self.show_id)
        if mount is not None:
            await self._forward(*mount.ports)
        else:
            log.warning("WebRTC publish of show %s: no stage mountpoint, HLS only", self.show_id)
        async with self.manager.sessionmaker.begin() as session:
            show = await service.check_browser_publish(session=session, show_id=self.show_id,
                                                       user=await session.get(User, self.user_id))
            await service.do_start_publish(session=session, show=show, source="browser", user_id=self.user_id,
                                           client_addr=self.client_addr, transcoded=False)
        self.live = True
        await self.manager.publish_started(self.show_id, "browser")
        log.info("WebRTC publish of show %s started", self.show_id,
                 extra={"show_id": self.show_id, "user_id": self.user_id, "room": self.room})

    async def _forward(self, video_port: int, audio_port: int) -> None:
        await self._ask({"request": "rtp_forward", "room": self.room, "publisher_id": self.publisher_id,
                         "secret": self.secret, "admin_key": self.janus.admin_key, "host": "127.0.0.1",
                         "host_family": "ipv4", "video_port": video_port, "video_pt": VIDEO_PT,
                         "audio_port": audio_port, "audio_pt": AUDIO_PT})

    async def _publishing(self) -> bool:
        """Whether the studio is still in its room and sending (False once Janus lost the room too)."""
        try:
            answer = await self._ask({"request": "listparticipants", "room": self.room})
        except JanusError:
            return False
        return any(p.get("id") == self.publisher_id and p.get("publisher") for p in answer.get("participants", []))

    async def _watch(self) -> None:
        """Close the publish when the studio left its room, stopped renewing, or never published."""
        ttl = self.manager.settings.webrtc_token_ttl_s
        while not self.over:
            await asyncio.sleep(WATCH_EVERY_S)
            now = time.monotonic()
            if self.live:
                gone = not await self._publishing()
            else:
                gone = now - self.opened_at > JOIN_WITHIN_S
            if gone or now - self.renewed_at > ttl:
                log.info("WebRTC publish of show %s: the studio left", self.show_id, extra={"show_id": self.show_id})
                self._ending = asyncio.create_task(self.finish(), name=f"webrtc publish end {self.show_id}")
                return

    async def close(self, code: int, reason: str) -> None:
        """The show ended, or the server stops: close the room (the studio is told) and the HLS ffmpeg."""
        await self.finish()

    async def finish(self) -> None:
        """End this publish once: room destroyed, ffmpeg stopped, the show waits for its host (the grace period)."""
        if self.over:
            return
        self.over = True
        if self._watcher is not None and self._watcher is not asyncio.current_task():
            self._watcher.cancel()
        if self.hls is not None:
            await self.hls.stop()
        try:
            await self._ask({"request": "destroy", "room": self.room, "secret": self.secret, "permanent": False})
        except JanusError:
            pass  # gone already (Janus restarted)
        manager = self.manager
        if manager.ingests.get(self.show_id) is self:
            del manager.ingests[self.show_id]
        if not self.live:
            await manager.stage.bridge.stream_stopped(self.show_id)
            return
        async with manager.sessionmaker.begin() as session:
            show = await service.do_stop_publish(session=session, show_id=self.show_id,
                                                 grace_s=manager.settings.media_grace_s)
        await manager.publish_stopped(self.show_id, show_over=show is None or show.status != "live")
        log.info("WebRTC publish of show %s stopped", self.show_id, extra={"show_id": self.show_id})


# -- routes ----------------------------------------------------------------------------------------------------

class PublishTicket(BaseModel):
    """Everything the studio needs to publish its camera into Janus over WebRTC."""

    ws_url: str
    room: int
    pin: str
    publisher_id: int
    token: str = Field(description="Janus token for the videoroom plugin only; renew before expires_at")
    expires_at: float = Field(description="epoch seconds")
    renew_in_s: float
    bitrate: int = Field(description="most bits per second the room takes from the camera")


class PublishLive(BaseModel):
    room: int = Field(description="the room of the ticket whose PeerConnection is up")


class PublishStarted(BaseModel):
    hls_url: str


def _media(request: Request):
    media = get_runtime(request).media
    if media is None or media.stage.janus.status() != "ok" or media.ffmpeg is None:
        raise StageRefused("unavailable", "publishing over WebRTC is not available on this server: "
                                          "use the recorder (MediaRecorder) path")
    return media


def _mine(media, show_id: int, user) -> StagePublish:
    if user is None:
        raise Unauthorized("log in first")
    publish = media.ingests.get(show_id)
    if not isinstance(publish, StagePublish) or publish.over:
        raise NotFound("this show has no WebRTC publish going on here")
    if publish.user_id != user.id:
        raise Forbidden("another account publishes this show")
    return publish


@router.post("/shows/{show_id}/webrtc-publish", response_model=PublishTicket)
async def open_publish(show_id: int, request: Request, user: OptionalUser):
    """A room for the studio's camera (the show's host or shop only); 409 `unavailable` means: use MediaRecorder."""
    if user is None:
        raise Unauthorized("log in first")
    media = _media(request)
    async with media.sessionmaker() as session:
        await service.check_browser_publish(session=session, show_id=show_id, user=user)
        busy = show_id in media.ingests or await service.get_open_session(session=session, show_id=show_id)
    if busy or show_id in media.ingests:  # asked twice at once: the first one holds it
        raise Conflict.field("show_id", "one_publisher", "this show is already receiving video")
    publish = StagePublish(media, show_id, user.id, request.client.host if request.client else "")
    media.ingests[show_id] = publish  # held from now on, so that no second publisher gets in meanwhile
    try:
        await publish.open()
    except JanusError as exc:
        del media.ingests[show_id]
        log.warning("WebRTC publish of show %s: no room: %s", show_id, exc, extra={"show_id": show_id})
        raise StageRefused("unavailable", "the sub-second stage could not open a room: "
                                          "use the recorder (MediaRecorder) path") from None
    return PublishTicket(**publish.ticket())


@router.post("/shows/{show_id}/webrtc-publish/live", response_model=PublishStarted)
async def publish_live(show_id: int, ask: PublishLive, request: Request, user: OptionalUser):
    """The studio's PeerConnection carries the camera: the show goes live (HLS, replay, front row)."""
    publish = _mine(_media(request), show_id, user)
    if ask.room != publish.room:
        raise Conflict.field("room", "current_room", "this room is not the show's current one")
    try:
        await publish.go_live()
    except (JanusError, OSError) as exc:
        log.warning("WebRTC publish of show %s failed: %s", show_id, exc, extra={"show_id": show_id})
        await publish.finish()
        raise StageRefused("unavailable", "the camera could not be forwarded: use the recorder path") from None
    except Exception:
        await publish.finish()
        raise
    return PublishStarted(hls_url=f"/hls/{show_id}/index.m3u8")


@router.post("/shows/{show_id}/webrtc-publish/renew", response_model=PublishTicket)
async def renew_publish(show_id: int, request: Request, user: OptionalUser):
    """A fresh token for the studio's Janus session; a studio that stops renewing is taken off the air."""
    return PublishTicket(**_mine(_media(request), show_id, user).ticket())


@router.delete("/shows/{show_id}/webrtc-publish", status_code=204)
async def stop_publish(show_id: int, request: Request, user: OptionalUser) -> None:
    """The host stopped the camera (or the studio falls back to the recorder): the room is closed."""
    media = get_runtime(request).media
    if media is None:
        return
    try:
        publish = _mine(media, show_id, user)
    except NotFound:
        return
    await publish.finish()
