"""Publishing a show's video: who may, what a publish and its end do to the show, replays' lifecycle."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.db import utcnow
from livestall.errors import Conflict, Forbidden, NotFound
from livestall.events import Event, publish_on_commit
from livestall.media.models import Recording, StreamSession
from livestall.shows.models import Show
from livestall.shows.service import can_run_show, do_transition, get_show, stream_key_matches

OPEN_STATUSES = ("scheduled", "live")


async def _publishable(session: AsyncSession, show_id: int) -> Show:
    show = await get_show(session=session, show_id=show_id)
    if show.status not in OPEN_STATUSES:
        raise Conflict.field("status", "not_ended", f"a {show.status} show takes no more video")
    return show


async def check_rtmp_publish(*, session: AsyncSession, show_id: int, key: str) -> Show:
    """The show an RTMP publisher may feed with `key`: its host's current key, on a show not over."""
    show = await _publishable(session, show_id)
    if not await stream_key_matches(session=session, show=show, key=key):
        raise Forbidden.field("key", "stream_key", "not the current stream key of the show's host")
    return show


async def check_browser_publish(*, session: AsyncSession, show_id: int, user: User | None) -> Show:
    """The show a logged-in user may feed from the browser: its host or the shop's people, not over."""
    show = await get_show(session=session, show_id=show_id)
    if not await can_run_show(session=session, show=show, user=user):
        raise Forbidden("only the show's host and its shop go live with it")
    return await _publishable(session, show_id)


async def get_open_session(*, session: AsyncSession, show_id: int) -> StreamSession | None:
    """The publish going on for the show, if any."""
    return await session.scalar(select(StreamSession).where(StreamSession.show_id == show_id,
                                                            StreamSession.ended_at.is_(None)).limit(1))


async def do_start_publish(*, session: AsyncSession, show: Show, source: str, user_id: int | None = None,
                           client_addr: str = "", transcoded: bool = False) -> StreamSession:
    """A publisher connected: start the show if it was scheduled, mark the stream live, open a session."""
    if await get_open_session(session=session, show_id=show.id) is not None:
        raise Conflict.field("show_id", "one_publisher", "this show is already receiving video")
    now = utcnow()
    if show.status == "scheduled":
        await do_transition(session=session, show=show, action="start", at=now)
    show.stream_state, show.stream_offline_at = "live", None
    row = StreamSession(show_id=show.id, user_id=user_id, source=source, client_addr=client_addr[:64],
                        transcoded=transcoded, started_at=now)
    session.add(row)
    if await session.get(Recording, show.id) is None:
        session.add(Recording(show_id=show.id, started_at=now))
    await session.flush()
    publish_on_commit(session, Event(show.id, "stream.state", {"state": "live", "source": source,
                                                               "at": now.isoformat()}))
    return row


async def do_stop_publish(*, session: AsyncSession, show_id: int, grace_s: float) -> Show | None:
    """The publisher went away: close its session; a live show waits `grace_s` for it in 'reconnecting'."""
    now = utcnow()
    rows = await session.scalars(select(StreamSession).where(StreamSession.show_id == show_id,
                                                             StreamSession.ended_at.is_(None)))
    for row in rows:
        row.ended_at = now
    show = await session.get(Show, show_id)
    if show is not None and show.status == "live" and show.stream_state == "live":
        show.stream_state, show.stream_offline_at = "reconnecting", now
        publish_on_commit(session, Event(show.id, "stream.state", {
            "state": "reconnecting", "at": now.isoformat(), "ends_at": (now + timedelta(seconds=grace_s)).isoformat()}))
    await session.flush()
    return show


async def do_close_stale_sessions(*, session: AsyncSession) -> list[int]:
    """At startup no publisher is connected any more: close what a previous run left open."""
    show_ids = set(await session.scalars(select(StreamSession.show_id).where(StreamSession.ended_at.is_(None))))
    for show_id in show_ids:
        await do_stop_publish(session=session, show_id=show_id, grace_s=0)
    return sorted(show_ids)


async def do_end_abandoned(*, session: AsyncSession, grace_s: float, now: datetime | None = None) -> list[int]:
    """End live shows whose stream has been gone longer than the grace period."""
    now = now or utcnow()
    shows = await session.scalars(select(Show).where(
        Show.status == "live", Show.stream_state == "reconnecting",
        Show.stream_offline_at <= now - timedelta(seconds=grace_s)))
    ended = []
    for show in shows:
        await do_transition(session=session, show=show, action="end", at=now)
        ended.append(show.id)
    return ended


async def list_recordings_to_finish(*, session: AsyncSession) -> list[Recording]:
    """Recordings still growing although their show is over."""
    rows = await session.scalars(select(Recording).join(Show, Show.id == Recording.show_id).where(
        Recording.status == "recording", Show.status.in_(("ended", "cancelled"))))
    return list(rows)


async def do_finish_recording(*, session: AsyncSession, recording: Recording, duration_s: float, segments: int,
                              has_thumbnail: bool, retention_days: float) -> Recording:
    """The show is over: its recording becomes a replay kept `retention_days` (or none at all)."""
    now = utcnow()
    recording.duration_ms, recording.segments = round(duration_s * 1000), segments
    recording.has_thumbnail, recording.finished_at = has_thumbnail, now
    if retention_days > 0 and segments > 0:
        recording.status, recording.expires_at = "ready", now + timedelta(days=retention_days)
        publish_on_commit(session, Event(recording.show_id, "replay.ready", {
            "playlist_url": f"/hls/{recording.show_id}/replay.m3u8", "duration_s": round(duration_s, 3)}))
    else:
        recording.status, recording.expires_at = "expired", now
    await session.flush()
    return recording


async def list_expired_recordings(*, session: AsyncSession, now: datetime | None = None) -> list[Recording]:
    """Replays past their retention period."""
    rows = await session.scalars(select(Recording).where(Recording.status == "ready",
                                                         Recording.expires_at <= (now or utcnow())))
    return list(rows)


async def get_replay(*, session: AsyncSession, show_id: int) -> Recording:
    """The show's replay, or NotFound when there is none (yet, or any more)."""
    recording = await session.get(Recording, show_id)
    if recording is None or recording.status != "ready":
        raise NotFound(f"show {show_id} has no replay")
    return recording
