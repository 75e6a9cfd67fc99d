"""Login tokens known for a few seconds without the database, for the calls a live show makes by the thousand.

A token is remembered for `ttl_s` after the database last vouched for it. A login that ends (a logout, a
password change, a lost role) or a profile that changes is forgotten at once: on this process directly,
and on the others through the rooms' broker, which carries the same news to close the user's room sockets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from livestall.accounts.models import LoginSession, User, UserRole
from livestall.accounts.schemas import UserRead
from livestall.accounts.service import token_hash
from livestall.db import utcnow
from livestall.errors import Unauthorized

# One round trip for the login, its user and their roles (a row per role): the lookup every hot call starts with.
_LOOKUP = (select(User.id, User.email, User.display_name, User.language, User.country, User.currency,
                  User.created_at, LoginSession.expires_at, UserRole.role)
           .join(User, User.id == LoginSession.user_id)
           .outerjoin(UserRole, UserRole.user_id == User.id)
           .where(LoginSession.token_hash == bindparam("h"), LoginSession.revoked_at.is_(None)))


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


async def look_up(engine: AsyncEngine, token: str) -> Known | None:
    """The live (unrevoked, unexpired) login `token` opens, read in one query without the ORM, or None."""
    async with engine.connect() as conn:
        rows = (await conn.execute(_LOOKUP, {"h": token_hash(token)})).all()
    if not rows or rows[0].expires_at <= utcnow():
        return None
    first = rows[0]
    account = UserRead.model_construct(id=first.id, email=first.email, display_name=first.display_name,
                                       language=first.language, country=first.country, currency=first.currency,
                                       created_at=first.created_at,
                                       roles=sorted(r.role for r in rows if r.role is not None))
    return Known(first.id, first.display_name, first.currency, account)


class TokenCache:
    """Token (by its hash: the raw token is never kept) -> Known, for at most `ttl_s`."""

    def __init__(self, engine: AsyncEngine | None = None, ttl_s: float = 5.0, max_entries: int = 100_000) -> None:
        self.engine = engine  # where tokens are looked up (db.make_lookup_engine); None: the sessions' engine
        self.ttl_s, self.max_entries = ttl_s, max_entries
        self._known: dict[str, tuple[Known, float]] = {}
        self._ended: dict[int, float] = {}  # user id -> when a login or profile of theirs last changed (monotonic)

    async def known(self, sessionmaker: async_sessionmaker[AsyncSession], token: str | None) -> Known:
        """Who `token` belongs to, or Unauthorized; the database is asked at most once per `ttl_s`."""
        if not token:
            raise Unauthorized("log in first")
        key = token_hash(token)
        entry = self._known.get(key)
        now = time.monotonic()
        if entry is not None and entry[1] > now:
            return entry[0]
        known = await look_up(self.engine or sessionmaker.kw["bind"], token)
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
