"""Who is calling: the login token from `Authorization: Bearer` or the session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from livestall.accounts import embed_tokens, service
from livestall.accounts.models import User
from livestall.accounts.tokens import token_from
from livestall.db import SessionDep
from livestall.errors import Unauthorized
from livestall.runtime import get_runtime

# Declared for OpenAPI; neither raises by itself, so anonymous callers reach optional routes.
_bearer = HTTPBearer(auto_error=False, description="A login token from POST /api/v1/auth/login")
_cookie = APIKeyCookie(name="livestall_session", auto_error=False, description="The web session cookie")


def request_token(request: Request) -> str | None:
    """The caller's token: the Bearer header wins over the cookie (never the URL, which logs keep).

    An embedded player's token is a login only for the calls of buying in its show (else the caller is anonymous),
    and is refused, by its rule, for another show or another website."""
    token = token_from(request.headers.get("authorization"),
                       cookie=request.cookies.get(get_runtime(request).settings.session_cookie), embed=True)
    if not embed_tokens.is_embed_token(token):
        return token
    return embed_tokens.token_for_call(token, method=request.method, path=request.url.path,
                                       origin=request.headers.get(embed_tokens.ORIGIN_HEADER))


async def get_optional_user(
    request: Request,
    session: SessionDep,
    _bearer_value: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _cookie_value: Annotated[str | None, Depends(_cookie)],
) -> User | None:
    """The logged-in user, or None for an anonymous caller."""
    token = request_token(request)
    if not token:
        return None
    return await service.get_user_by_token(session=session, token=token)


async def get_current_user(user: Annotated[User | None, Depends(get_optional_user)]) -> User:
    """The logged-in user, or 401."""
    if user is None:
        raise Unauthorized("log in first")
    return user


async def get_login_token(
    request: Request,
    _bearer_value: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _cookie_value: Annotated[str | None, Depends(_cookie)],
) -> str | None:
    """The caller's login token, for a route that reads the user itself (in a session of its choosing).

    Async, as every dependency here: FastAPI runs a plain `def` dependency in a worker thread."""
    return request_token(request)


async def user_of_token(session, token: str | None) -> User:
    """The user a login token belongs to, or 401."""
    user = await service.get_user_by_token(session=session, token=token) if token else None
    if user is None:
        raise Unauthorized("log in first")
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]
CurrentUser = Annotated[User, Depends(get_current_user)]
LoginToken = Annotated[str | None, Depends(get_login_token)]


def require_role(role: str):
    """A dependency that lets through only users holding `role`."""

    async def check(user: CurrentUser) -> User:
        service.check_role(user, role)
        return user

    return Depends(check)
