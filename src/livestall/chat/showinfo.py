"""What the room checks on every chat message (status, slow mode, words, moderators, mutes), cached a moment."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.accounts.models import User
from livestall.chat import service
from livestall.chat.filters import WordFilter
from livestall.db import get_or_404
from livestall.shows.models import Show
from livestall.shows.service import list_moderator_ids

SHOW_CACHE_S = 2.0


@dataclass(slots=True)
class ShowInfo:
    """A show's chat rules as this process last read them."""

    show_id: int
    shop_id: int
    host_id: int
    status: str
    started_at: Any
    slow_mode_seconds: int
    followers_only: bool
    words: WordFilter
    moderator_ids: frozenset[int]
    muted_until: dict[int, Any]
    loaded_at: float


class ShowInfoCache:
    """Per-process cache of ShowInfo, read again after SHOW_CACHE_S or when moderation changes a rule."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker
        self._shows: dict[int, ShowInfo] = {}

    def forget(self, show_id: int) -> None:
        """Read the show's rules again next time (a moderator changed them)."""
        self._shows.pop(show_id, None)

    async def get(self, show_id: int) -> ShowInfo:
        """The show's rules, from the cache when fresh."""
        info = self._shows.get(show_id)
        if info is not None and time.monotonic() - info.loaded_at < SHOW_CACHE_S:
            return info
        async with self.sessionmaker() as session:
            show = await get_or_404(session, Show, show_id)
            words = await service.get_blocked_words(session=session, shop_id=show.shop_id)
            moderators = await list_moderator_ids(session=session, show=show)
            mutes = await service.list_mutes(session=session, show_id=show.id)
        info = ShowInfo(show.id, show.shop_id, show.host_id, show.status, show.started_at, show.slow_mode_seconds,
                        show.followers_only, WordFilter(words), frozenset(moderators), mutes, time.monotonic())
        self._shows[show_id] = info
        return info


async def show_and_user(session: AsyncSession, show_id: int, user_id: int) -> tuple[Show, User]:
    """The show a frame is about and the user who sent it, in the frame's transaction."""
    return await get_or_404(session, Show, show_id), await session.get(User, user_id)
