"""The bare video pages: a show's player (live, then its replay) and the host's go-live capture page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from livestall.db import SessionDep
from livestall.media import hls_url_for
from livestall.shows.service import get_show
from livestall.web.templating import environment

router = APIRouter(include_in_schema=False)


@router.get("/shows/{show_id}/watch-video", response_class=HTMLResponse)
async def watch_video_page(show_id: int, session: SessionDep):
    """The video player of a show, live or replay."""
    show = await get_show(session=session, show_id=show_id)
    html = environment().get_template("video/watch.html").render(show=show, hls_url=hls_url_for(show))
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.get("/studio/shows/{show_id}/go-live", response_class=HTMLResponse)
async def go_live_page(show_id: int, session: SessionDep):
    """The host's capture page: camera, microphone, front/back switch, go live."""
    show = await get_show(session=session, show_id=show_id)
    html = environment().get_template("video/golive.html").render(show=show)
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})
