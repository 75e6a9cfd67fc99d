"""HTTP routes for video: nginx's RTMP callbacks and HLS files (the replay API is openings', the pages web's)."""

from __future__ import annotations

import hmac
import ipaddress
import logging

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from livestall.errors import DomainError, NotFound
from livestall.media import service
from livestall.media.paths import CONTENT_TYPES, SERVABLE, ladder_dir, show_dir
from livestall.media.snapshots import MAX_AGE_S as SNAPSHOT_MAX_AGE_S, SNAPSHOT
from livestall.media.timeline import PlaylistClock
from livestall.runtime import get_runtime

log = logging.getLogger("livestall.media")
router = APIRouter(tags=["video"])


# -- nginx-rtmp callbacks: not API routes (nginx is the only caller), so they stay out of the schema --

def _from_nginx(request: Request, secret: str) -> bool:
    manager = get_runtime(request).media
    host = request.client.host if request.client else ""
    try:
        local = ipaddress.ip_address(host).is_loopback or host == request.app.state.settings.host
    except ValueError:
        local = False
    return manager is not None and local and hmac.compare_digest(secret, manager.secret)


def _show_id(name: str) -> int | None:
    return int(name) if name.isdigit() and len(name) < 18 else None


async def on_publish(request: Request) -> Response:
    """nginx asks whether this publisher may feed rtmp://HOST/live/{show_id}?key=…; 2xx lets it in."""
    if not _from_nginx(request, request.path_params["secret"]):
        log.warning("RTMP callback refused: not from the local nginx", extra={"client": str(request.client)})
        return Response(status_code=403)
    manager = get_runtime(request).media
    form = await request.form()
    show_id, addr = _show_id(str(form.get("name", ""))), str(form.get("addr", ""))
    if show_id is None:
        log.warning("RTMP publish refused: %r is not a show id", form.get("name"), extra={"addr": addr})
        return Response(status_code=404)
    if show_id in manager.ingests:
        log.warning("RTMP publish of show %s refused: already receiving video", show_id, extra={"addr": addr})
        return Response(status_code=409)
    manager.ingests[show_id] = "rtmp"  # held while the database is asked, so two publishers cannot both pass
    try:
        # nginx's callbacks are not API routes, so no request session: the block is the transaction.
        async with manager.sessionmaker.begin() as session:
            show = await service.check_rtmp_publish(session=session, show_id=show_id, key=str(form.get("key", "")))
            await service.do_start_publish(session=session, show=show, source="rtmp", client_addr=addr,
                                           transcoded=manager.settings.media_ladder)
    except DomainError as exc:
        del manager.ingests[show_id]
        log.warning("RTMP publish of show %s refused: %s", show_id, exc.detail,
                    extra={"show_id": show_id, "addr": addr, "status": exc.status})
        return Response(status_code=exc.status)
    await manager.publish_started(show_id, "rtmp")
    log.info("RTMP publish of show %s started", show_id, extra={"show_id": show_id, "addr": addr})
    return Response(status_code=204)


async def on_publish_done(request: Request) -> Response:
    """nginx says the publisher left: the show waits for it to come back, for the grace period."""
    if not _from_nginx(request, request.path_params["secret"]):
        return Response(status_code=403)
    manager = get_runtime(request).media
    form = await request.form()
    show_id = _show_id(str(form.get("name", "")))
    if show_id is None or manager.ingests.get(show_id) != "rtmp":
        return Response(status_code=204)  # a refused publisher: nothing had started
    del manager.ingests[show_id]
    async with manager.sessionmaker.begin() as session:
        show = await service.do_stop_publish(session=session, show_id=show_id, grace_s=manager.settings.media_grace_s)
    await manager.publish_stopped(show_id, show_over=show is None or show.status != "live")
    log.info("RTMP publish of show %s stopped", show_id, extra={"show_id": show_id})
    return Response(status_code=204)


router.add_route("/internal/rtmp/{secret}/on_publish", on_publish, methods=["POST"], include_in_schema=False)
router.add_route("/internal/rtmp/{secret}/on_publish_done", on_publish_done, methods=["POST"],
                 include_in_schema=False)


# -- HLS -------------------------------------------------------------------------------------

PLAYLISTS = PlaylistClock()  # this process's stamped playlists: each version is stamped once, for every viewer


@router.get("/hls/{show_id}/{name:path}", include_in_schema=False)
async def hls_file(show_id: int, name: str, request: Request) -> Response:
    """A show's playlists (never cached), segments (immutable), live picture (seconds) and replay thumbnail."""
    if not SERVABLE.match(name) or ".." in name:
        raise NotFound("no such video file")
    settings = request.app.state.settings
    ladder = ladder_dir(settings, show_id)
    # While a ladder runs, its master playlist stands in for the pass-through one.
    laddered = name.startswith(("720p/", "360p/")) or (name == "index.m3u8" and (ladder / name).exists())
    path = (ladder if laddered else show_dir(settings, show_id)) / name
    ext = name.rsplit(".", 1)[1]
    headers = {"Access-Control-Allow-Origin": "*"}
    if ext == "m3u8":
        try:
            body = PLAYLISTS.read(path)
        except OSError:
            raise NotFound("no such playlist (the show is not live)") from None
        headers["Cache-Control"] = "no-cache"
        return Response(body, media_type=CONTENT_TYPES[ext], headers=headers)
    if not path.is_file():
        raise NotFound("no such segment")
    if name == SNAPSHOT:  # replaced every few seconds; pages ask for each new one by a new URL
        headers["Cache-Control"] = f"public, max-age={SNAPSHOT_MAX_AGE_S}"
    else:
        headers["Cache-Control"] = "public, max-age=86400, immutable" if ext != "jpg" else "public, max-age=300"
    return FileResponse(path, media_type=CONTENT_TYPES[ext], headers=headers)
