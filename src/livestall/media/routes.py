"""HTTP routes for video: nginx's RTMP callbacks, HLS files, replays, the player and go-live pages."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from livestall.db import SessionDep
from livestall.errors import DomainError, NotFound
from livestall.media import hls_url_for, service
from livestall.media.chapters import list_chapters
from livestall.media.paths import CONTENT_TYPES, SERVABLE, ladder_dir, show_dir
from livestall.media.recorder import Recorder
from livestall.media.schemas import ReplayRead
from livestall.shows.service import get_show

log = logging.getLogger("livestall.media")
router = APIRouter(tags=["video"])

HERE = Path(__file__).parent
STATIC = HERE.parent / "web" / "static"
# The JS these pages load; served here until the web app serves its whole static folder.
STATIC_FILES = {"js/player.js": "text/javascript", "js/golive.js": "text/javascript",
                "vendor/hls.min.js": "text/javascript"}
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


# -- nginx-rtmp callbacks: not API routes (nginx is the only caller), so they stay out of the schema --

def _from_nginx(request: Request, secret: str) -> bool:
    manager = getattr(request.app.state, "media", None)
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
    manager = request.app.state.media
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
        async with manager.sessionmaker() as session:
            show = await service.check_rtmp_publish(session=session, show_id=show_id, key=str(form.get("key", "")))
            await service.do_start_publish(session=session, show=show, source="rtmp", client_addr=addr,
                                           transcoded=manager.settings.media_ladder)
            await session.commit()
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
    manager = request.app.state.media
    form = await request.form()
    show_id = _show_id(str(form.get("name", "")))
    if show_id is None or manager.ingests.get(show_id) != "rtmp":
        return Response(status_code=204)  # a refused publisher: nothing had started
    del manager.ingests[show_id]
    async with manager.sessionmaker() as session:
        show = await service.do_stop_publish(session=session, show_id=show_id, grace_s=manager.settings.media_grace_s)
        await session.commit()
    await manager.publish_stopped(show_id, show_over=show is None or show.status != "live")
    log.info("RTMP publish of show %s stopped", show_id, extra={"show_id": show_id})
    return Response(status_code=204)


router.add_route("/internal/rtmp/{secret}/on_publish", on_publish, methods=["POST"], include_in_schema=False)
router.add_route("/internal/rtmp/{secret}/on_publish_done", on_publish_done, methods=["POST"],
                 include_in_schema=False)


# -- HLS -------------------------------------------------------------------------------------

@router.get("/hls/{show_id}/{name:path}", include_in_schema=False)
async def hls_file(show_id: int, name: str, request: Request) -> Response:
    """A show's playlists (never cached) and segments (immutable), live or replay."""
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
            body = path.read_bytes()
        except OSError:
            raise NotFound("no such playlist (the show is not live)") from None
        headers["Cache-Control"] = "no-cache"
        return Response(body, media_type=CONTENT_TYPES[ext], headers=headers)
    if not path.is_file():
        raise NotFound("no such segment")
    headers["Cache-Control"] = "public, max-age=86400, immutable" if ext != "jpg" else "public, max-age=300"
    return FileResponse(path, media_type=CONTENT_TYPES[ext], headers=headers)


@router.get("/api/v1/shows/{show_id}/replay", response_model=ReplayRead)
async def get_replay(show_id: int, request: Request, session: SessionDep):
    """The replay of an ended show: its playlist, thumbnail and chapters (product pins, answered questions)."""
    show = await get_show(session=session, show_id=show_id)
    recording = await service.get_replay(session=session, show_id=show.id)
    recorder = Recorder(show_dir(request.app.state.settings, show.id))
    chapters = await list_chapters(session=session, show_id=show.id, position_of=recorder.position_of)
    return ReplayRead(show_id=show.id, playlist_url=f"/hls/{show.id}/replay.m3u8",
                      thumbnail_url=f"/hls/{show.id}/thumb.jpg" if recording.has_thumbnail else None,
                      duration_s=recording.duration_ms / 1000, segments=recording.segments,
                      expires_at=recording.expires_at, chapters=chapters)


# -- pages and their scripts -------------------------------------------------------------------

@router.get("/shows/{show_id}/watch-video", response_class=HTMLResponse, include_in_schema=False)
async def watch_page(show_id: int, session: SessionDep):
    """The video player of a show, live or replay."""
    show = await get_show(session=session, show_id=show_id)
    html = templates.get_template("watch.html").render(show=show, hls_url=hls_url_for(show))
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.get("/studio/shows/{show_id}/go-live", response_class=HTMLResponse, include_in_schema=False)
async def go_live_page(show_id: int, session: SessionDep):
    """The host's capture page: camera, microphone, front/back switch, go live."""
    show = await get_show(session=session, show_id=show_id)
    html = templates.get_template("golive.html").render(show=show)
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


def _static_route(key: str, media_type: str):
    async def static_file() -> Response:
        return FileResponse(STATIC / key, media_type=media_type, headers={"Cache-Control": "public, max-age=300"})

    # Exact paths only, so that these never shadow the rest of a /static folder served elsewhere.
    router.add_api_route(f"/static/{key}", static_file, methods=["GET"], include_in_schema=False)


for _key, _type in STATIC_FILES.items():
    _static_route(_key, _type)
