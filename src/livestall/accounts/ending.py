"""Logins that end and profiles that change: once committed, every process hears it (room sockets close, caches forget)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

PENDING_KEY = "livestall.ended_logins"
CHANGED_KEY = "livestall.changed_users"
ENDER_KEY = "livestall.login_ender"
TELLER_KEY = "livestall.change_teller"

# (user id, reason, message) -> None: closes the user's room sockets (RealtimeGateway.end_user_sessions).
Ender = Callable[[int, str, str], None]
# user id -> None: every process forgets what it cached of the user (RealtimeGateway.user_changed).
Teller = Callable[[int], None]

# Every socket of the user gets it, on any device: the words fit the one that logged out and the others alike.
MESSAGES = {
    "logged_out": "This account logged out; reconnecting. Log in again to chat and buy.",
    "password_changed": "This account's password was changed; log in again with the new one.",
    "roles_changed": "This account's roles changed; reconnecting with them.",
}


def end_sessions_on_commit(session: AsyncSession | Session, *, user_id: int, reason: str) -> None:
    """Close the user's room sockets everywhere once `session` commits; nothing if it rolls back."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info.setdefault(PENDING_KEY, []).append((user_id, reason))


def user_changed_on_commit(session: AsyncSession | Session, *, user_id: int) -> None:
    """Tell every process that the user's profile or roles changed once `session` commits; nothing if it rolls back."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info.setdefault(CHANGED_KEY, set()).add(user_id)


def serve_session_ends(sessionmaker: async_sessionmaker[AsyncSession], ender: Ender, teller: Teller) -> None:
    """Have every session made from now on hand ended logins to `ender` and changed users to `teller` after commit."""
    info = dict(sessionmaker.kw.get("info") or {})
    info[ENDER_KEY], info[TELLER_KEY] = ender, teller
    sessionmaker.configure(info=info)


@sa_event.listens_for(Session, "after_commit")
def _end_pending(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    ender: Ender | None = session.info.get(ENDER_KEY)
    if pending and ender is not None:
        for user_id, reason in dict.fromkeys(pending):
            ender(user_id, reason, MESSAGES.get(reason, "Your login has ended."))
    changed = session.info.pop(CHANGED_KEY, None)
    teller: Teller | None = session.info.get(TELLER_KEY)
    if changed and teller is not None:
        for user_id in changed:
            teller(user_id)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous_transaction) -> None:
    session.info.pop(PENDING_KEY, None)
    session.info.pop(CHANGED_KEY, None)
