"""Accounts: register, authenticate, login sessions, profiles and roles."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts import passwords
from livestall.accounts.ending import end_sessions_on_commit, user_changed_on_commit
from livestall.accounts.models import LoginSession, User, UserRole
from livestall.accounts.schemas import LoginIn, PasswordChange, ProfileUpdate, UserCreate
from livestall.accounts.tokens import EMBED_AGENT
from livestall.db import get_or_404, utcnow
from livestall.errors import Conflict, Forbidden, Invalid, Unauthorized


def token_hash(token: str) -> str:
    """The SHA-256 under which a login token is stored; the token itself never is."""
    return hashlib.sha256(token.encode()).hexdigest()


async def get_user_by_email(*, session: AsyncSession, email: str) -> User | None:
    """The user with this email (case-insensitive), if any."""
    return await session.scalar(select(User).where(User.email == email.lower()))


async def register(*, session: AsyncSession, user_in: UserCreate) -> User:
    """Create a user with argon2id-hashed password; the email must be new."""
    passwords.check_strength(user_in.password, email=user_in.email)
    if await get_user_by_email(session=session, email=user_in.email):
        raise Conflict.field("email", "unique", "is already registered")
    password_hash = await asyncio.to_thread(passwords.hash_password, user_in.password)
    roles = sorted(set(user_in.roles) | {"viewer"})
    user = User(
        email=user_in.email,
        password_hash=password_hash,
        display_name=user_in.display_name,
        language=user_in.language,
        country=user_in.country,
        currency=user_in.currency,
        role_rows=[UserRole(role=r) for r in roles],
    )
    session.add(user)
    await session.flush()
    return user


async def authenticate(*, session: AsyncSession, login_in: LoginIn) -> User:
    """The user whose email and password match, or Unauthorized (never saying which was wrong)."""
    user = await get_user_by_email(session=session, email=login_in.email)
    ok = await asyncio.to_thread(passwords.verify_password, user.password_hash if user else None, login_in.password)
    if user is None or not ok:
        raise Unauthorized("email or password is wrong")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await asyncio.to_thread(passwords.hash_password, login_in.password)
    return user


async def open_login_session(
    *, session: AsyncSession, user: User, days: int, user_agent: str | None = None
) -> tuple[str, LoginSession]:
    """A new opaque token for `user`, valid for `days`; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        user_id=user.id,
        token_hash=token_hash(token),
        expires_at=utcnow() + timedelta(days=days),
        user_agent=(user_agent or "")[:200] or None,
    )
    session.add(row)
    await session.flush()
    return token, row


async def get_user_by_token(*, session: AsyncSession, token: str) -> User | None:
    """The user of a live (unrevoked, unexpired) login token."""
    row = await session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return await session.get(User, row.user_id)


async def revoke_token(*, session: AsyncSession, token: str) -> None:
    """Revoke a login token so it is refused from now on; the user's open room sockets close once committed."""
    row = await session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        # Players on merchants' websites that this login signed in stop buying for the user too.
        await session.execute(update(LoginSession).where(
            LoginSession.user_id == row.user_id, LoginSession.revoked_at.is_(None),
            LoginSession.expires_at > utcnow(), LoginSession.user_agent.startswith(EMBED_AGENT))
            .values(revoked_at=utcnow()))
        end_sessions_on_commit(session, user_id=row.user_id, reason="logged_out")


async def do_change_password(*, session: AsyncSession, user: User, change: PasswordChange) -> User:
    """Check the current password, set the new one and revoke every login of the user (their room sockets close)."""
    ok = await asyncio.to_thread(passwords.verify_password, user.password_hash, change.current_password)
    if not ok:
        raise Invalid.field("current_password", "matches", "is not the account's password")
    try:
        passwords.check_strength(change.new_password, email=user.email)
    except Invalid as exc:
        problem = exc.errors[0]
        raise Invalid.field("new_password", problem.rule, problem.message) from None
    user.password_hash = await asyncio.to_thread(passwords.hash_password, change.new_password)
    await session.execute(update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
                          .values(revoked_at=utcnow()))
    end_sessions_on_commit(session, user_id=user.id, reason="password_changed")
    return user


async def update_profile(*, session: AsyncSession, user: User, profile_in: ProfileUpdate) -> User:
    """Change the given profile fields of `user`."""
    for name, value in profile_in.model_dump(exclude_unset=True).items():
        if value is None and name != "country":
            continue
        setattr(user, name, value)
    await session.flush()
    user_changed_on_commit(session, user_id=user.id)
    return user


async def get_user(*, session: AsyncSession, user_id: int) -> User:
    """The user with this id, or NotFound."""
    return await get_or_404(session, User, user_id)


def check_role(user: User, role: str) -> None:
    """Forbidden unless the user holds `role`."""
    if not user.has_role(role):
        raise Forbidden(f"needs the {role} role")


def check_operator(user: User) -> None:
    """Forbidden unless the user is one of the platform's operators."""
    check_role(user, "operator")


async def do_set_roles(*, session: AsyncSession, user: User, roles: list[str]) -> User:
    """Replace `user`'s roles (viewer is always kept); taking one away closes their room sockets once committed."""
    wanted = set(roles) | {"viewer"}
    if set(user.roles) - wanted:
        end_sessions_on_commit(session, user_id=user.id, reason="roles_changed")
    user.role_rows = [r for r in user.role_rows if r.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - set(user.roles))
    ]
    await session.flush()
    user_changed_on_commit(session, user_id=user.id)
    return user
