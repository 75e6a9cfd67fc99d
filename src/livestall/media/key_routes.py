"""HTTP routes for a publisher's stream key and the RTMP URL it opens (the key is kept by shows)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from livestall.accounts.deps import CurrentUser
from livestall.db import SessionDep
from livestall.media import rtmp_ingest_url
from livestall.shows import service
from livestall.shows.schemas import StreamKeyCreated, StreamKeyRead

router = APIRouter(prefix="/api/v1", tags=["shows"])


def _rtmp_url(request: Request) -> str:
    return rtmp_ingest_url(request.app.state.settings, request.url.hostname)


@router.get("/me/stream-key", response_model=StreamKeyRead | None)
async def my_stream_key(request: Request, user: CurrentUser, session: SessionDep):
    """Hosts and sellers: which stream key is current (never the key itself)."""
    row = await service.get_stream_key(session=session, user=user)
    return StreamKeyRead(hint=row.hint, created_at=row.created_at, rtmp_url=_rtmp_url(request)) if row else None


@router.post("/me/stream-key", status_code=201, response_model=StreamKeyCreated)
async def rotate_stream_key(request: Request, user: CurrentUser, session: SessionDep):
    """Hosts and sellers: make a new stream key (shown once) and retire the old one."""
    key, row = await service.do_rotate_stream_key(session=session, user=user)
    return StreamKeyCreated(key=key, hint=row.hint, created_at=row.created_at, rtmp_url=_rtmp_url(request))
