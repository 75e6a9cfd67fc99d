"""Shows: schedule, change, start, end, cancel; who may run them; stream keys; listings."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Shop
from livestall.catalog.service import get_shop
from livestall.db import get_or_404, utcnow
from livestall.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from livestall.events import Event, publish_on_commit
from livestall.notifications import hooks as notification_hooks
from livestall.shows import hosting
from livestall.shows.models import Show, ShowModerator, StreamKey
from livestall.shows.schemas import ShowCreate, ShowUpdate

# Which transitions each action allows: the state machine in one place.
TRANSITIONS = {"start": ({"scheduled"}, "live"), "end": ({"live"}, "ended"),
               "cancel": ({"scheduled"}, "cancelled")}


async def get_show(*, session: AsyncSession, show_id: int) -> Show:
    """The show with this id, or NotFound."""
    return await get_or_404(session, Show, show_id)


async def _shop_role(session: AsyncSession, shop_id: int, user: User) -> str | None:
    shop = await session.get(Shop, shop_id)
    return shop.member_role(user.id) if shop else None


async def can_run_show(*, session: AsyncSession, show: Show, user: User | None) -> bool:
    """The host and the shop's owners and staff run a show (start, end, change it)."""
    if user is None:
        return False
    return user.id == show.host_id or await _shop_role(session, show.shop_id, user) is not None


async def is_moderator(*, session: AsyncSession, show: Show, user: User | None) -> bool:
    """Whoever runs the show, and the moderators the host named, moderate its room."""
    if user is None:
        return False
    if await can_run_show(session=session, show=show, user=user):
        return True
    return await session.get(ShowModerator, (show.id, user.id)) is not None


async def check_can_run_show(*, session: AsyncSession, show: Show, user: User) -> None:
    """Forbidden unless `user` is the host or runs the show's shop; an invited host is told to accept first."""
    if await can_run_show(session=session, show=show, user=user):
        return
    if await hosting.is_invited(session=session, show=show, user=user):
        raise Forbidden.field("host_id", "host_consent", "accept the invitation to host this show first")
    raise Forbidden("only the show's host and its shop may do this")


async def check_moderator(*, session: AsyncSession, show: Show, user: User) -> None:
    """Forbidden unless `user` may moderate the show."""
    if not await is_moderator(session=session, show=show, user=user):
        raise Forbidden("only the show's host and moderators may do this")


async def list_schedule_problems(*, session: AsyncSession, creator: User, host_id: int | None,
                                 scheduled_at: datetime | None) -> list[FieldProblem]:
    """Everything wrong with a show's host (the creator when none) and start time, all at once."""
    _, problems = await hosting.list_host_problems(session=session, host_id=host_id or creator.id)
    if scheduled_at is not None and scheduled_at <= utcnow():
        problems.append(FieldProblem("scheduled_at", "in_future", "must be in the future"))
    return problems


def _refuse(problems: list[FieldProblem]) -> None:
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)


async def do_schedule_show(*, session: AsyncSession, creator: User, show_in: ShowCreate) -> Show:
    """Schedule a show of a shop; a host from outside the shop is asked, and hosts only once they accept."""
    try:
        shop = await get_shop(session=session, shop_id=show_in.shop_id)
    except NotFound:
        raise Invalid.field("shop_id", "existing_shop", f"no shop {show_in.shop_id}") from None
    if shop.member_role(creator.id) is None:
        raise Forbidden("only the shop's owners and staff schedule its shows")
    _refuse(await list_schedule_problems(session=session, creator=creator, host_id=show_in.host_id,
                                         scheduled_at=show_in.scheduled_at))
    host = await session.get(User, show_in.host_id or creator.id)
    show = Show(**show_in.model_dump(exclude={"host_id"}), host_id=creator.id, created_by_id=creator.id)
    session.add(show)
    await session.flush()
    await hosting.do_set_host(session=session, show=show, shop=shop, host=host, by=creator)
    return show


async def do_update_show(*, session: AsyncSession, show: Show, show_in: ShowUpdate, by: User) -> Show:
    """Change a scheduled show's details; a new host is asked again (only the shop changes the host)."""
    if show.status != "scheduled":
        raise Conflict.field("status", "scheduled", f"a {show.status} show can no longer be changed")
    changes = show_in.model_dump(exclude_unset=True, exclude_none=True)
    host_id = changes.pop("host_id", None)
    shop = await session.get(Shop, show.shop_id)
    problems = []
    host = None
    if host_id is not None:
        if shop is None or shop.member_role(by.id) is None:
            raise Forbidden.field("host_id", "shop_member", "only the shop's owners and staff change the host")
        host, problems = await hosting.list_host_problems(session=session, host_id=host_id)
    if "scheduled_at" in changes and changes["scheduled_at"] <= utcnow():
        problems.append(FieldProblem("scheduled_at", "in_future", "must be in the future"))
    _refuse(problems)
    for name, value in changes.items():
        setattr(show, name, value)
    await session.flush()
    if host is not None:
        await hosting.do_set_host(session=session, show=show, shop=shop, host=host, by=by)
    return show


async def do_transition(*, session: AsyncSession, show: Show, action: str, at: datetime | None = None) -> Show:
    """Move the show by `action` (start, end, cancel) and tell its room."""
    allowed_from, target = TRANSITIONS[action]
    if show.status not in allowed_from:
        raise Conflict.field("status", f"can_{action}", f"a {show.status} show cannot {action}")
    now = at or utcnow()
    show.status = target
    if target == "live":
        show.started_at = now
    elif target in ("ended", "cancelled"):
        show.ended_at = now
        show.stream_state = "offline"
    await session.flush()
    await notification_hooks.on_show_transition(session, show)
    publish_on_commit(session, Event(show.id, f"show.{target}", {"status": target, "at": now.isoformat()}))
    return show


async def do_set_moderator(*, session: AsyncSession, show: Show, user_id: int, on: bool) -> None:
    """Make a user moderator of the show, or stop them being one."""
    row = await session.get(ShowModerator, (show.id, user_id))
    if on and row is None:
        await get_or_404(session, User, user_id)
        session.add(ShowModerator(show_id=show.id, user_id=user_id))
    elif not on and row is not None:
        await session.delete(row)
    await session.flush()


async def list_shows(
    *, session: AsyncSession, when: str | None = None, language: str | None = None, market: str | None = None,
    category: str | None = None, shop_id: int | None = None, host_id: int | None = None, page: int = 1,
    per_page: int = 20,
) -> tuple[list[Show], int]:
    """Shows live now (latest first), upcoming (soonest first) or past, filtered."""
    query = select(Show)
    order = [Show.scheduled_at.desc()]
    if when == "live":
        query, order = query.where(Show.status == "live"), [Show.started_at.desc()]
    elif when == "upcoming":
        query, order = query.where(Show.status == "scheduled"), [Show.scheduled_at.asc()]
    elif when == "past":
        query, order = query.where(Show.status == "ended"), [Show.ended_at.desc()]
    for column, value in ((Show.language, language), (Show.market, market), (Show.category, category),
                          (Show.shop_id, shop_id), (Show.host_id, host_id)):
        if value is not None:
            query = query.where(column == value)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(*order, Show.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total or 0


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def get_stream_key(*, session: AsyncSession, user: User) -> StreamKey | None:
    """The user's stream key row (never the key itself)."""
    return await session.scalar(select(StreamKey).where(StreamKey.user_id == user.id))


async def do_rotate_stream_key(*, session: AsyncSession, user: User) -> tuple[str, StreamKey]:
    """A new stream key for `user`, retiring the old one; the key is returned this once only."""
    if not (user.has_role("host") or user.has_role("seller")):
        raise Forbidden("only hosts and sellers stream")
    key = "lsk_" + secrets.token_urlsafe(24)
    row = await get_stream_key(session=session, user=user)
    if row is None:
        row = StreamKey(user_id=user.id, key_hash=_key_hash(key), hint=key[-4:])
        session.add(row)
    else:
        row.key_hash, row.hint, row.created_at = _key_hash(key), key[-4:], utcnow()
    await session.flush()
    return key, row


async def stream_key_matches(*, session: AsyncSession, show: Show, key: str) -> bool:
    """True when `key` is the current stream key of the show's host."""
    row = await session.scalar(select(StreamKey).where(StreamKey.user_id == show.host_id))
    return row is not None and hmac.compare_digest(row.key_hash, _key_hash(key or ""))


async def list_moderator_ids(*, session: AsyncSession, show: Show) -> set[int]:
    """Everyone who moderates the show's room: the host, the shop's members and named moderators."""
    shop = await session.get(Shop, show.shop_id)
    named = await session.scalars(select(ShowModerator.user_id).where(ShowModerator.show_id == show.id))
    return {show.host_id, *(m.user_id for m in (shop.members if shop else [])), *named}
