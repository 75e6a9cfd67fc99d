"""Login tokens known for a few seconds without the database, for the calls a live show makes by the thousand.

A token is remembered for `ttl_s` after the database last vouched for it. A login that ends (a logout, a
password change, a lost role) is forgotten at once: on this process directly, and on the others through
the rooms' broker, which carries the same news to close the user's room sockets everywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.accounts.service import get_user_by_token, token_hash
from livestall.errors import Unauthorized


@dataclass(frozen=True, slots=True)
class Known:
    """Who a token belongs to, as far as the hot calls need: the id, the name shown, the currency."""

    user_id: int
    name: str
    currency: str


class TokenCache:
    """Token (by its hash: the raw token is never kept) -> Known, for at most `ttl_s`."""

    def __init__(self, ttl_s: float = 5.0, max_entries: int = 100_000) -> None:
        self.ttl_s, self.max_entries = ttl_s, max_entries
        self._known: dict[str, tuple[Known, float]] = {}
        self._ended: dict[int, float] = {}  # user id -> when a login of theirs last ended (monotonic)

    async def known(self, sessionmaker: async_sessionmaker[AsyncSession], token: str | None) -> Known:
        """Who `token` belongs to, or Unauthorized; the database is asked at most once per `ttl_s`."""
        if not token:
            raise Unauthorized("log in first")
        key = token_hash(token)
        entry = self._known.get(key)
        now = time.monotonic()
        if entry is not None and entry[1] > now:
            return entry[0]
        async with sessionmaker() as session:
            user = await get_user_by_token(session=session, token=token)
        if user is None:
            self._known.pop(key, None)
            raise Unauthorized("log in first")
        known = Known(user.id, user.display_name, user.currency)
        if self._ended.get(user.id, float("-inf")) >= now:
            return known  # a login of theirs ended while we asked: answer this call, remember nothing
        if len(self._known) >= self.max_entries:  # a flood of distinct tokens: start afresh, never grow unbounded
            self._known.clear()
        self._known[key] = (known, now + self.ttl_s)
        return known

    def forget_user(self, user_id: int | str) -> None:
        """A login of this user ended: none of their tokens is taken on trust any more."""
        user_id, now = int(user_id), time.monotonic()
        self._ended[user_id] = now
        if len(self._ended) > 10_000:  # only lookups under way need the record: a few seconds is plenty
            self._ended = {u: at for u, at in self._ended.items() if now - at < self.ttl_s}
        for key in [k for k, (known, _) in self._known.items() if known.user_id == user_id]:
            del self._known[key]
