"""Going live from a browser: MediaRecorder's WebM chunks over a WebSocket into one ffmpeg per show."""

from __future__ import annotations

import asyncio
import json
import logging

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketState

from livestall.accounts.service import get_user_by_token
from livestall.accounts.tokens import token_from
from livestall.errors import Conflict, DomainError, Forbidden, Invalid, TooLarge, TooManyRequests, Unauthorized
from livestall.media import commands, service
from livestall.media.paths import show_dir
from livestall.media.supervisor import Supervised
from livestall.realtime.config import allowed_origins, origin_of
from livestall.runtime import get_runtime

log = logging.getLogger("livestall.media")
router = APIRouter()

EBML = b"\x1a\x45\xdf\xa3"  # every WebM/Matroska stream starts with it
CLUSTER = b"\x1f\x43\xb6\x75"  # media data follows the header in clusters
FIRST_CHUNK_TIMEOUT_S = 20.0


def codec_of(header: bytes) -> str | None:
    """'h264', 'vp8', 'vp9' or 'av1' from the WebM track header; None when it names no video codec."""
    for marker, name in ((b"V_MPEG4/ISO/AVC", "h264"), (b"V_VP8", "vp8"), (b"V_VP9", "vp9"), (b"V_AV1", "av1")):
        if marker in header:
            return name
    return None


class BrowserIngest:
    """One show's browser publish: its socket, its ffmpeg and the WebM header to replay after a restart."""

    def __init__(self, manager, show_id: int, websocket: WebSocket) -> None:
        self.manager, self.show_id, self.websocket = manager, show_id, websocket
        self.process: Supervised | None = None
        self.transcoding = False
        self.header = b""
        self.first_chunk = b""  # the recording's first chunk: the sub-second stage's forwarder starts from it
        self.stage_feed = None  # the WebRTC forwarder's feed when the stream is H.264 (janus_bridge.WebmFeed)
        self._pending = b""
        self._resync = False
        self.closed = False

    async def begin(self, chunk: bytes) -> None:
        """Start ffmpeg for a recording whose first chunk is `chunk` (copy for H.264, else a transcode)."""
        if not chunk.startswith(EBML):
            raise Invalid.field("chunk", "webm", "the stream must start with a WebM header from MediaRecorder")
        cut = chunk.find(CLUSTER)
        self.header, self._pending = (chunk, b"") if cut < 0 else (chunk[:cut], chunk[cut:])
        self.first_chunk = chunk
        codec = codec_of(self.header)
        if codec is None:
            raise Invalid.field("chunk", "video_track", "the WebM header names no video track")
        if self.manager.ffmpeg is None:
            raise Conflict("going live from the browser needs ffmpeg on the server")
        transcode = codec != "h264"
        if transcode and not self.manager.reserve_transcode():
            raise TooManyRequests(f"this server is already converting {self.manager.settings.media_max_transcodes} "
                                  f"streams; record H.264 (Chrome, Edge, Safari) or try again later")
        self.transcoding = transcode
        out = show_dir(self.manager.settings, self.show_id)
        out.mkdir(parents=True, exist_ok=True)
        ffmpeg = self.manager.ffmpeg
        self.process = Supervised(f"browser-ingest {self.show_id}",
                                  lambda: commands.browser_hls(ffmpeg, out, transcode=transcode),
                                  log_path=out / "ffmpeg.log", stdin=True, on_start=self._on_start).start()
        await self.process.wait_started()

    async def _on_start(self, process: Supervised) -> None:
        # A (re)started ffmpeg needs the WebM header first; after a crash, media resumes at the next cluster.
        await process.write(self.header)
        if self._pending:
            await process.write(self._pending)
            self._pending = b""
        elif process.restarts:
            self._resync = True
            self.manager.recorder(self.show_id).mark_break()

    async def feed(self, chunk: bytes) -> None:
        """One MediaRecorder chunk; a chunk starting a new WebM stream (camera switch) restarts ffmpeg."""
        if len(chunk) > self.manager.settings.media_max_chunk_kb * 1024:
            limit = self.manager.settings.media_max_chunk_kb
            raise TooLarge.field("chunk", "max_size", f"chunks may be at most {limit} KiB")
        if chunk.startswith(EBML):
            await self.stop_process()
            self.manager.recorder(self.show_id).mark_break()
            await self.begin(chunk)
            if self.stage_feed is not None:
                await self.manager.stage.bridge.browser_restarted(self.show_id, self.stage_feed, chunk)
            return
        if self.stage_feed is not None:
            await self.stage_feed.write(chunk)
        if self._resync:
            cut = chunk.find(CLUSTER)
            if cut < 0:
                return
            chunk, self._resync = chunk[cut:], False
        if self.process is not None:
            await self.process.write(chunk)

    async def stop_process(self) -> None:
        if self.process is not None:
            await self.process.stop()
            self.process = None
        if self.transcoding:
            self.transcoding = False
            self.manager.release_transcode()

    async def close(self, code: int, reason: str) -> None:
        """Close the publisher's socket (the show ended, or the server stops)."""
        self.closed = True
        if self.websocket.application_state == WebSocketState.CONNECTED:
            try:
                await self.websocket.close(code, reason)
            except RuntimeError:
                pass


def _origin_ok(websocket: WebSocket) -> bool:
    """Browsers send Origin: only the app's own pages (or configured origins) may publish with a user's cookie."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser, so no victim's cookie rides along
    allowed = allowed_origins(websocket.app.state.settings)
    own = origin_of(f"{websocket.url.scheme.replace('ws', 'http')}://{websocket.headers.get('host', '')}")
    return allowed is None or origin_of(origin) in allowed | {own}


async def _refuse(websocket: WebSocket, exc: DomainError) -> None:
    if websocket.application_state == WebSocketState.CONNECTED:
        try:
            await websocket.send_text(json.dumps({"type": "error", **exc.problem()}))
            await websocket.close(4000 + exc.status, exc.detail[:120])
        except RuntimeError:
            pass


@router.websocket("/ws/studio/shows/{show_id}/ingest")
async def ingest_socket(websocket: WebSocket, show_id: int) -> None:
    """The host's camera: binary WebM chunks in; {"type": "ready"} or {"type": "error", ...} frames out."""
    manager = get_runtime(websocket).media
    await websocket.accept()
    if not _origin_ok(websocket):
        return await _refuse(websocket, Forbidden("this page may not publish video here"))
    ingest = BrowserIngest(manager, show_id, websocket)
    registered = False
    try:
        async with manager.sessionmaker() as session:
            token = token_from(websocket.headers.get("authorization"), websocket.query_params.get("token"),
                               websocket.cookies.get(manager.settings.session_cookie))
            user = await get_user_by_token(session=session, token=token) if token else None
            if user is None:
                raise Unauthorized("log in first")
            await service.check_browser_publish(session=session, show_id=show_id, user=user)
            if show_id in manager.ingests or await service.get_open_session(session=session, show_id=show_id):
                raise Conflict.field("show_id", "one_publisher", "this show is already receiving video")
            manager.ingests[show_id] = ingest
            registered = True
        first = await asyncio.wait_for(websocket.receive(), FIRST_CHUNK_TIMEOUT_S)
        if first.get("bytes") is None:
            raise Invalid.field("chunk", "webm", "send the recording as binary WebM chunks")
        if len(first["bytes"]) > manager.settings.media_max_chunk_kb * 1024:
            limit = manager.settings.media_max_chunk_kb
            raise TooLarge.field("chunk", "max_size", f"chunks may be at most {limit} KiB")
        await ingest.begin(first["bytes"])
        async with manager.sessionmaker.begin() as session:
            show = await service.check_browser_publish(session=session, show_id=show_id, user=user)
            await service.do_start_publish(session=session, show=show, source="browser", user_id=user.id,
                                           client_addr=websocket.client.host if websocket.client else "",
                                           transcoded=ingest.transcoding)
        await manager.publish_started(show_id, "browser")
        ingest.stage_feed = manager.stage.browser_started(show_id, ingest.first_chunk, codec_of(ingest.header) or "")
        log.info("browser publish of show %s started", show_id,
                 extra={"show_id": show_id, "user_id": user.id, "transcode": ingest.transcoding})
        await websocket.send_text(json.dumps({"type": "ready", "hls_url": f"/hls/{show_id}/index.m3u8",
                                              "transcode": ingest.transcoding}))
        await _pump(websocket, ingest)
    except DomainError as exc:
        log.warning("browser publish of show %s refused: %s", show_id, exc.detail,
                    extra={"show_id": show_id, "status": exc.status})
        await _refuse(websocket, exc)
    except asyncio.TimeoutError:
        await _refuse(websocket, Invalid.field("chunk", "webm", "no video arrived"))
    finally:
        await ingest.stop_process()
        if registered and manager.ingests.get(show_id) is ingest:
            del manager.ingests[show_id]
            async with manager.sessionmaker.begin() as session:
                show = await service.do_stop_publish(session=session, show_id=show_id,
                                                     grace_s=manager.settings.media_grace_s)
            await manager.publish_stopped(show_id, show_over=show is None or show.status != "live")


async def _pump(websocket: WebSocket, ingest: BrowserIngest) -> None:
    """Chunks in until the publisher stops, leaves, or is closed by the server."""
    while not ingest.closed:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("bytes") is not None:
            await ingest.feed(message["bytes"])
        elif message.get("text") is not None and '"stop"' in message["text"]:
            await websocket.close(1000, "stopped")
            return
