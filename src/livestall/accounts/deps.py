"""Who is calling: the login token from `Authorization: Bearer` or the session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from livestall.accounts import service
from livestall.accounts.models import User
from livestall.db import SessionDep
from livestall.errors import Forbidden, Unauthorized

# Declared for OpenAPI; neither raises by itself, so anonymous callers reach optional routes.
_bearer = HTTPBearer(auto_error=False, description="A login token from POST /api/v1/auth/login")
_cookie = APIKeyCookie(name="livestall_session", auto_error=False, description="The web session cookie")


def request_token(request: Request, bearer: HTTPAuthorizationCredentials | None) -> str | None:
    """The caller's token: the Bearer header wins over the cookie."""
    if bearer is not None and bearer.credentials:
        return bearer.credentials
    return request.cookies.get(request.app.state.settings.session_cookie)


async def get_optional_user(
    request: Request,
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _cookie_value: Annotated[str | None, Depends(_cookie)],
) -> User | None:
    """The logged-in user, or None for an anonymous caller."""
    token = request_token(request, bearer)
    if not token:
        return None
    return await service.get_user_by_token(session=session, token=token)


async def get_current_user(user: Annotated[User | None, Depends(get_optional_user)]) -> User:
    """The logged-in user, or 401."""
    if user is None:
        raise Unauthorized("log in first")
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]
CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(role: str):
    """A dependency that lets through only users holding `role`."""

    async def check(user: CurrentUser) -> User:
        if not user.has_role(role):
            raise Forbidden(f"needs the {role} role")
        return user

    return Depends(check)
