"""Restream targets: adding, listing (keys masked), removing; shop defaults copied to the shop's shows."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Shop
from livestall.catalog.service import check_shop_member, get_shop
from livestall.db import utcnow
from livestall.errors import Conflict, Invalid, NotFound
from livestall.media.restream_models import PRESETS, RestreamTarget
from livestall.shows.models import Show
from livestall.shows.service import check_can_run_show, get_show
from livestall.validation import StrictInput

MAX_TARGETS = 5
# The server URLs the big platforms give; TikTok hands each account its own, so it is pasted.
PRESET_SERVERS = {"youtube": "rtmp://a.rtmp.youtube.com/live2", "facebook": "rtmps://live-api-s.facebook.com:443/rtmp/",
                  "tiktok": "", "custom": ""}
PRESET_LABELS = {"youtube": "YouTube Live", "facebook": "Facebook Live", "tiktok": "TikTok LIVE", "custom": "RTMP"}
MASK = "••••"


class TargetCreate(StrictInput):
    """A place to send the show to: a preset (its server filled in when known) or any RTMP(S) server."""

    preset: str = "custom"
    server_url: str = Field("", max_length=500)
    stream_key: str = Field("", max_length=300)
    label: str = Field("", max_length=60)


class TargetUpdate(StrictInput):
    enabled: bool


def mask_key(key: str) -> str:
    """The key as shown: its platform prefix (up to `_` or `-`) and last four characters, e.g. live_••••3f9a."""
    if len(key) < 8:
        return MASK
    prefix = re.match(r"^[A-Za-z0-9]{1,8}[_-]", key)
    return f"{prefix.group(0) if prefix else ''}{MASK}{key[-4:]}"


def redact(text: str, key: str) -> str:
    """`text` (an ffmpeg log line) with the key, wherever it appears, replaced by its mask."""
    return text.replace(key, mask_key(key)) if key else text


def output_url(target: RestreamTarget) -> str:
    """Where ffmpeg sends the stream: the server URL and the key as the last path part."""
    return f"{target.server_url.rstrip('/')}/{target.stream_key}"


def target_read(target: RestreamTarget) -> dict:
    """What anyone may read of a target: never the key, only its mask."""
    return {"id": target.id, "shop_id": target.shop_id, "show_id": target.show_id, "preset": target.preset,
            "label": target.label or PRESET_LABELS.get(target.preset, ""), "server_url": target.server_url,
            "key_hint": mask_key(target.stream_key), "enabled": target.enabled,
            "created_at": target.created_at.isoformat()}


def check_target(target_in: TargetCreate) -> tuple[str, str]:
    """The (preset, server URL) of a valid target; Invalid naming the field and rule otherwise."""
    if target_in.preset not in PRESETS:
        raise Invalid.field("preset", "choice", f"must be one of {', '.join(PRESETS)}")
    server = target_in.server_url or PRESET_SERVERS[target_in.preset]
    if not server:
        raise Invalid.field("server_url", "required", "paste the server URL the platform gives you")
    parts = urlsplit(server)
    if parts.scheme.lower() not in ("rtmp", "rtmps"):
        raise Invalid.field("server_url", "scheme", "must start with rtmp:// or rtmps://")
    if not parts.hostname or any(c.isspace() for c in server):
        raise Invalid.field("server_url", "host", "must name a server, e.g. rtmp://a.rtmp.youtube.com/live2")
    try:
        parts.port
    except ValueError:
        raise Invalid.field("server_url", "port", "the port must be a number from 1 to 65535") from None
    if parts.query or parts.fragment:
        raise Invalid.field("server_url", "no_query", "put the stream key in its own field, not in the URL")
    if not target_in.stream_key:
        raise Invalid.field("stream_key", "required", "paste the stream key the platform gives you")
    if any(c.isspace() or c in "/?#" for c in target_in.stream_key):
        raise Invalid.field("stream_key", "format", "must be one word, without spaces, '/', '?' or '#'")
    return target_in.preset, server


async def _count(session: AsyncSession, **where) -> int:
    clauses = [getattr(RestreamTarget, name) == value for name, value in where.items()]
    return await session.scalar(select(func.count()).select_from(RestreamTarget).where(
        *clauses, RestreamTarget.removed_at.is_(None))) or 0


async def _add(session: AsyncSession, *, shop_id: int, show_id: int | None, user: User,
               target_in: TargetCreate) -> RestreamTarget:
    preset, server = check_target(target_in)
    if await _count(session, shop_id=shop_id, show_id=show_id) >= MAX_TARGETS:
        raise Conflict.field("targets", "max_targets", f"a show is sent to at most {MAX_TARGETS} places; "
                                                       f"remove one first")
    target = RestreamTarget(shop_id=shop_id, show_id=show_id, preset=preset, label=target_in.label,
                            server_url=server, stream_key=target_in.stream_key, created_by_id=user.id,
                            created_at=utcnow())
    session.add(target)
    await session.flush()
    return target


async def _seed_from_shop(session: AsyncSession, show: Show) -> None:
    """A show gets its shop's defaults the first time its targets are looked at (never again after)."""
    seeded = await session.scalar(select(func.count()).select_from(RestreamTarget)
                                  .where(RestreamTarget.show_id == show.id))
    if seeded or show.status not in ("scheduled", "live"):
        return
    defaults = await session.scalars(select(RestreamTarget).where(
        RestreamTarget.shop_id == show.shop_id, RestreamTarget.show_id.is_(None),
        RestreamTarget.removed_at.is_(None)).order_by(RestreamTarget.id).limit(MAX_TARGETS))
    for default in defaults:
        session.add(RestreamTarget(shop_id=show.shop_id, show_id=show.id, preset=default.preset, label=default.label,
                                   server_url=default.server_url, stream_key=default.stream_key,
                                   enabled=default.enabled, copied_from_id=default.id,
                                   created_by_id=default.created_by_id, created_at=utcnow()))
    await session.flush()


async def list_show_targets(*, session: AsyncSession, show: Show) -> list[RestreamTarget]:
    """The show's targets, in the order they were added (its shop's defaults copied in on first look)."""
    await _seed_from_shop(session, show)
    rows = await session.scalars(select(RestreamTarget).where(
        RestreamTarget.show_id == show.id, RestreamTarget.removed_at.is_(None)).order_by(RestreamTarget.id))
    return list(rows)


async def get_run_show(*, session: AsyncSession, show_id: int, user: User) -> Show:
    """The show, when `user` runs it (its host, the shop's owners and staff)."""
    show = await get_show(session=session, show_id=show_id)
    await check_can_run_show(session=session, show=show, user=user)
    return show


async def get_member_shop(*, session: AsyncSession, shop_id: int, user: User) -> Shop:
    """The shop, when `user` is one of its owners or staff."""
    shop = await get_shop(session=session, shop_id=shop_id)
    check_shop_member(shop, user)
    return shop


async def do_add_show_target(*, session: AsyncSession, show: Show, user: User,
                             target_in: TargetCreate) -> RestreamTarget:
    """Send the show to one more place (at most MAX_TARGETS); not once it is over."""
    if show.status not in ("scheduled", "live"):
        raise Conflict.field("status", "not_ended", f"a {show.status} show is not sent anywhere any more")
    await _seed_from_shop(session, show)
    return await _add(session, shop_id=show.shop_id, show_id=show.id, user=user, target_in=target_in)


async def do_add_shop_default(*, session: AsyncSession, shop: Shop, user: User,
                              target_in: TargetCreate) -> RestreamTarget:
    """A place every new show of the shop is sent to (copied to each show, which may then drop it)."""
    return await _add(session, shop_id=shop.id, show_id=None, user=user, target_in=target_in)


async def list_shop_defaults(*, session: AsyncSession, shop: Shop) -> list[RestreamTarget]:
    """The shop's default targets."""
    rows = await session.scalars(select(RestreamTarget).where(
        RestreamTarget.shop_id == shop.id, RestreamTarget.show_id.is_(None),
        RestreamTarget.removed_at.is_(None)).order_by(RestreamTarget.id))
    return list(rows)


async def get_target(*, session: AsyncSession, target_id: int, shop_id: int, show_id: int | None) -> RestreamTarget:
    """One live (not removed) target of that show, or of the shop's defaults when `show_id` is None."""
    target = await session.get(RestreamTarget, target_id)
    if (target is None or target.removed_at is not None or target.shop_id != shop_id
            or target.show_id != show_id):
        raise NotFound(f"no restream target {target_id} here")
    return target


async def do_remove_target(*, session: AsyncSession, target: RestreamTarget) -> None:
    """Stop sending there: the row stays, without its key, so the show is not seeded again."""
    target.removed_at, target.stream_key, target.enabled = utcnow(), "", False
    await session.flush()


async def do_set_enabled(*, session: AsyncSession, target: RestreamTarget, enabled: bool) -> RestreamTarget:
    """Pause or resume sending to one target."""
    target.enabled = enabled
    await session.flush()
    return target
