"""Accounts: register, authenticate, login sessions, profiles and roles."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts import passwords
from livestall.accounts.models import LoginSession, User, UserRole
from livestall.accounts.schemas import LoginIn, ProfileUpdate, UserCreate
from livestall.db import utcnow
from livestall.errors import Conflict, Forbidden, NotFound, Unauthorized


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
    """Revoke a login token so it is refused from now on."""
    row = await session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


async def update_profile(*, session: AsyncSession, user: User, profile_in: ProfileUpdate) -> User:
    """Change the given profile fields of `user`."""
    for name, value in profile_in.model_dump(exclude_unset=True).items():
        if value is None and name != "country":
            continue
        setattr(user, name, value)
    await session.flush()
    return user


async def get_user(*, session: AsyncSession, user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def check_operator(actor: User) -> None:
    """Only operators manage other people's roles."""
    if not actor.has_role("operator"):
        raise Forbidden("only an operator may do this")


async def do_set_roles(*, session: AsyncSession, user: User, roles: list[str]) -> User:
    """Replace `user`'s roles (viewer is always kept)."""
    wanted = set(roles) | {"viewer"}
    user.role_rows = [r for r in user.role_rows if r.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - set(user.roles))
    ]
    await session.flush()
    return user
