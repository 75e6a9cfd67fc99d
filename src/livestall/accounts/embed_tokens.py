"""Tokens for the embedded player on another website: short-lived, for one show and one embedding origin.

Browsers keep Livestall's login cookie out of a frame on another site, so the login popup (on Livestall's own
site) asks for one of these and hands it to the player, which keeps it in memory and sends it as
`Authorization: Bearer`. It is a login-session row like any token (the token cache knows it, logout revokes it),
but its text names its show and origin, and only the calls of buying in that show take it as a login. The text is
stored hashed whole, so a show or origin changed in it makes an unknown token.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import LoginSession, User
from livestall.accounts.service import token_hash
from livestall.accounts.tokens import EMBED_AGENT, EMBED_PREFIX, is_embed_token
from livestall.db import utcnow
from livestall.errors import Forbidden

__all__ = ["EmbedScope", "is_embed_token", "scope_of", "do_open_embed_token", "token_for_call"]

PREFIX = EMBED_PREFIX
MINUTES = 10  # long enough to choose and pay, short enough that a token left in a tab soon means nothing
ORIGIN_HEADER = "x-livestall-embed-origin"  # the page the player is framed in, as the player was told it

_BUY = re.compile(r"^/api/v1/shows/(\d+)/buy$")
# Besides buying in its show: what the player reads or writes on the way (the buyer's name, address book,
# wallet, a voucher's discount), and logging the token out.
_ALSO = frozenset({("GET", "/api/v1/me"), ("GET", "/api/v1/me/addresses"), ("POST", "/api/v1/me/addresses"),
                   ("GET", "/api/v1/me/wallet"), ("POST", "/api/v1/vouchers/quote"),
                   ("POST", "/api/v1/auth/logout")})


@dataclass(frozen=True)
class EmbedScope:
    """What an embed token is for: buying in one show, in a player framed by one website."""

    show_id: int
    origin: str


def _encode(origin: str) -> str:
    return base64.urlsafe_b64encode(origin.encode()).decode().rstrip("=")


def scope_of(token: str) -> EmbedScope | None:
    """The show and origin an embed token names, or None when its text is not one."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not parts[1].isdigit():
        return None
    try:
        origin = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return EmbedScope(int(parts[1]), origin)


async def do_open_embed_token(*, session: AsyncSession, user: User, show_id: int,
                              origin: str) -> tuple[str, LoginSession]:
    """A new token for `user` to buy in show `show_id` framed by `origin` (checked by the caller), for MINUTES."""
    token = ".".join([PREFIX, str(show_id), _encode(origin), secrets.token_urlsafe(32)])
    row = LoginSession(user_id=user.id, token_hash=token_hash(token), user_agent=f"{EMBED_AGENT} {origin}"[:200],
                       expires_at=utcnow() + timedelta(minutes=MINUTES))
    session.add(row)
    await session.flush()
    return token, row


def token_for_call(token: str, *, method: str, path: str, origin: str | None) -> str | None:
    """`token` if this call may use it as a login, None if it is no login here (the caller is anonymous);
    Forbidden, naming the rule, when it is used to buy in another show or from another website."""
    scope = scope_of(token)
    if scope is None:
        return None
    bought = _BUY.match(path)
    if bought is None and (method, path) not in _ALSO:
        return None
    if bought is not None and int(bought.group(1)) != scope.show_id:
        raise Forbidden.field("show_id", "embed_token_show",
                              f"this sign-in buys in show {scope.show_id} only; sign in again in this show")
    if (origin or "").strip().rstrip("/").lower() != scope.origin:
        raise Forbidden.field("origin", "embed_token_origin",
                              f"this sign-in was given for a player on {scope.origin}; sign in again on this website")
    return token
