"""HTTP routes for accounts: register, login, logout, me, roles (following: notifications/routes.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from livestall.accounts import service
from livestall.accounts.deps import CurrentUser, LoginToken, request_token
from livestall.accounts.schemas import (
    LoginIn, LoginOut, PasswordChange, ProfileUpdate, RolesUpdate, UserCreate, UserRead,
)
from livestall.db import SessionDep
from livestall.runtime import RuntimeDep

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/auth/register", status_code=201, response_model=UserRead)
async def register(user_in: UserCreate, session: SessionDep):
    """Create an account (viewer, and optionally seller or host)."""
    return await service.register(session=session, user_in=user_in)


@router.post("/auth/login", response_model=LoginOut)
async def login(login_in: LoginIn, request: Request, response: Response, session: SessionDep):
    """Exchange email and password for a token, also set as an HttpOnly cookie."""
    user = await service.authenticate(session=session, login_in=login_in)
    return await _logged_in(request, response, session, user)


async def _logged_in(request: Request, response: Response, session, user) -> LoginOut:
    settings = request.app.state.settings
    token, row = await service.open_login_session(
        session=session, user=user, days=settings.session_days, user_agent=request.headers.get("user-agent")
    )
    response.set_cookie(
        settings.session_cookie, token, max_age=settings.session_days * 86400,
        httponly=True, samesite="lax", secure=settings.cookie_secure, path="/",
    )
    return LoginOut(token=token, expires_at=row.expires_at, user=UserRead.model_validate(user))


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """Revoke the token this request came with and clear the cookie."""
    token = request_token(request)
    await service.revoke_token(session=session, token=token)
    response = Response(status_code=204)
    response.delete_cookie(request.app.state.settings.session_cookie, path="/")
    return response


@router.get("/me", response_model=UserRead)
async def me(runtime: RuntimeDep, token: LoginToken) -> Response:
    """The logged-in user."""
    # Every viewer's page asks this on load: answered from the token cache, serialized when it was filled.
    known = await runtime.tokens.known(runtime.sessionmaker, token)
    return Response(known.profile, media_type="application/json")


@router.patch("/me", response_model=UserRead)
async def update_me(profile_in: ProfileUpdate, user: CurrentUser, session: SessionDep):
    """Change display name, language, country or currency."""
    return await service.update_profile(session=session, user=user, profile_in=profile_in)


@router.post("/me/password", response_model=LoginOut)
async def change_password(change: PasswordChange, request: Request, response: Response, user: CurrentUser,
                          session: SessionDep):
    """Change the password: every login of the account ends (its room sockets close); this one gets a new token."""
    await service.do_change_password(session=session, user=user, change=change)
    return await _logged_in(request, response, session, user)


@router.put("/users/{user_id}/roles", response_model=UserRead)
async def set_roles(user_id: int, roles_in: RolesUpdate, actor: CurrentUser, session: SessionDep):
    """Operators only: set a user's roles."""
    service.check_operator(actor)
    user = await service.get_user(session=session, user_id=user_id)
    return await service.do_set_roles(session=session, user=user, roles=roles_in.roles)
