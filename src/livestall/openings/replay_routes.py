"""The replay API: media's recording of a show with every chapter, openings' too (openings build on media)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from livestall.db import SessionDep
from livestall.media import service
from livestall.media.paths import show_dir
from livestall.media.recorder import Recorder
from livestall.media.schemas import ReplayRead
from livestall.openings.chapters import list_replay_chapters
from livestall.shows.service import get_show

router = APIRouter(tags=["video"])


@router.get("/api/v1/shows/{show_id}/replay", response_model=ReplayRead)
async def get_replay(show_id: int, request: Request, session: SessionDep):
    """The replay of an ended show: its playlist, thumbnail and chapters (pins, answered questions, openings)."""
    show = await get_show(session=session, show_id=show_id)
    recording = await service.get_replay(session=session, show_id=show.id)
    recorder = Recorder(show_dir(request.app.state.settings, show.id))
    chapters = await list_replay_chapters(session=session, show_id=show.id, position_of=recorder.position_of)
    return ReplayRead(show_id=show.id, playlist_url=f"/hls/{show.id}/replay.m3u8",
                      thumbnail_url=f"/hls/{show.id}/thumb.jpg" if recording.has_thumbnail else None,
                      duration_s=recording.duration_ms / 1000, segments=recording.segments,
                      expires_at=recording.expires_at, chapters=chapters)
