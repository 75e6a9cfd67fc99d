"""Login tokens known for a few seconds without the database, for the calls a live show makes by the thousand.

A token is remembered for `ttl_s` after the database last vouched for it. A login that ends (a logout, a
password change, a lost role) or a profile that changes is forgotten at once: on this process directly,
and on the others through the rooms' broker, which carries the same news to close the user's room sockets.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from livestall.accounts.models import LoginSession, User, UserRole
from livestall.accounts.schemas import UserRead
from livestall.accounts.service import token_hash
from livestall.db import utcnow
from livestall.errors import Unauthorized

# One round trip for the logins of many tokens, their users and their roles (a row per role). PostgreSQL takes the
# hashes as one array parameter (one prepared statement whatever their number); SQLite as an expanded IN list.
_COLUMNS = (LoginSession.token_hash, User.id, User.email, User.display_name, User.language, User.country,
            User.currency, User.created_at, LoginSession.expires_at, UserRole.role)


def _lookup(hashes_match):
    return (select(*_COLUMNS).join(User, User.id == LoginSession.user_id)
            .outerjoin(UserRole, UserRole.user_id == User.id)
            .where(hashes_match, LoginSession.revoked_at.is_(None)))


_LOOKUP_ARRAY = _lookup(LoginSession.token_hash == any_(bindparam("hs", type_=ARRAY(String))))
_LOOKUP_LIST = _lookup(LoginSession.token_hash.in_(bindparam("hs", expanding=True)))


@dataclass(frozen=True)
class Known:
    """Who a token belongs to, as far as the hot calls need: the id, the name shown, the currency, the profile."""

    user_id: int
    name: str
    currency: str
    account: UserRead | None = None

    @cached_property
    def profile(self) -> bytes:
        """The body of their GET /api/v1/me, serialized once, when first asked (buying never asks)."""
        return self.account.model_dump_json().encode() if self.account is not None else b""


async def look_up_many(engine: AsyncEngine, hashes: list[str]) -> dict[str, Known]:
    """The live (unrevoked, unexpired) logins among token `hashes`, read in one query without the ORM."""
    query = _LOOKUP_ARRAY if engine.dialect.name == "postgresql" else _LOOKUP_LIST
    async with engine.connect() as conn:
        rows = (await conn.execute(query, {"hs": hashes})).all()
    now, by_hash = utcnow(), {}
    for row in rows:
        by_hash.setdefault(row.token_hash, []).append(row)
    found = {}
    for key, mine in by_hash.items():
        first = mine[0]
        if first.expires_at <= now:
            continue
        account = UserRead.model_construct(id=first.id, email=first.email, display_name=first.display_name,
                                           language=first.language, country=first.country, currency=first.currency,
                                           created_at=first.created_at,
                                           roles=sorted(r.role for r in mine if r.role is not None))
        found[key] = Known(first.id, first.display_name, first.currency, account)
    return found


MAX_MERGED = 500  # hashes per query: well under SQLite's limit on bound parameters


class MergedLookups:
    """Token misses merged like purchases: every hash asked while a query is in flight goes in the next one.

    A crowd tapping at once costs one query per round trip, not one per tap; a lone miss waits for nothing.
    """

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future] = {}
        self._running: asyncio.Task | None = None

    async def get(self, engine: AsyncEngine, key: str) -> Known | None:
        """The login of token hash `key`, or None."""
        future = self._waiting.get(key)
        if future is None:
            future = self._waiting[key] = asyncio.get_running_loop().create_future()
        if self._running is None:
            self._running = asyncio.create_task(self._run(engine))
        return await asyncio.shield(future)  # shared by every caller of the same token: one leaving cancels nothing

    async def _run(self, engine: AsyncEngine) -> None:
        try:
            while self._waiting:
                keys = list(self._waiting)[:MAX_MERGED]
                batch = {key: self._waiting.pop(key) for key in keys}
                try:
                    found = await look_up_many(engine, list(batch))
                except Exception as exc:  # every caller of this batch hears it; the next batch tries afresh
                    for future in batch.values():
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for key, future in batch.items():
                    if not future.done():
                        future.set_result(found.get(key))
        finally:
            self._running = None


class TokenCache:
    """Token (by its hash: the raw token is never kept) -> Known, for at most `ttl_s`."""

    def __init__(self, engine: AsyncEngine | None = None, ttl_s: float = 5.0, max_entries: int = 100_000) -> None:
        self.engine = engine  # where tokens are looked up (db.make_lookup_engine); None: the sessions' engine
        self.ttl_s, self.max_entries = ttl_s, max_entries
        self._known: dict[str, tuple[Known, float]] = {}
        self._ended: dict[int, float] = {}  # user id -> when a login or profile of theirs last changed (monotonic)
        self._lookups = MergedLookups()

    async def known(self, sessionmaker: async_sessionmaker[AsyncSession], token: str | None) -> Known:
        """Who `token` belongs to, or Unauthorized; the database is asked at most once per `ttl_s`."""
        if not token:
            raise Unauthorized("log in first")
        key = token_hash(token)
        entry = self._known.get(key)
        now = time.monotonic()
        if entry is not None and entry[1] > now:
            return entry[0]
        known = await self._lookups.get(self.engine or sessionmaker.kw["bind"], key)
        if known is None:
            self._known.pop(key, None)
            raise Unauthorized("log in first")
        if self._ended.get(known.user_id, float("-inf")) >= now:
            return known  # a login of theirs ended while we asked: answer this call, remember nothing
        if len(self._known) >= self.max_entries:  # a flood of distinct tokens: start afresh, never grow unbounded
            self._known.clear()
        self._known[key] = (known, now + self.ttl_s)
        return known

    def forget_user(self, user_id: int | str) -> None:
        """A login or the profile of this user changed: none of their tokens is taken on trust any more."""
        user_id, now = int(user_id), time.monotonic()
        self._ended[user_id] = now
        if len(self._ended) > 10_000:  # only lookups under way need the record: a few seconds is plenty
            self._ended = {u: at for u, at in self._ended.items() if now - at < self.ttl_s}
        for key in [k for k, (known, _) in self._known.items() if known.user_id == user_id]:
            del self._known[key]
