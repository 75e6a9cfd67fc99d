"""Where a caller's login token comes from: one rule for HTTP, the room socket and the camera socket."""

from __future__ import annotations

# An embedded player's token (accounts/embed_tokens.py) starts so; its login row's user agent starts with the agent.
EMBED_PREFIX = "lse"
EMBED_AGENT = "livestall-embed"


def is_embed_token(token: str | None) -> bool:
    """Whether `token` is an embedded player's token: a login only for buying in its show, over HTTP."""
    return bool(token) and token.startswith(EMBED_PREFIX + ".")


def token_from(authorization: str | None, query_token: str | None = None, cookie: str | None = None,
               *, embed: bool = False) -> str | None:
    """The login token: an `Authorization: Bearer` header wins, then a `?token=` query, then the session cookie.

    An embedded player's token counts only where the caller says `embed=True` (HTTP, which checks its scope):
    on a socket it is no login."""
    scheme, _, credentials = (authorization or "").strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        token = credentials.strip()
    else:
        # A socket opened by a browser cannot set headers, so it carries the token in its URL or its cookie.
        token = query_token or cookie or None
    return None if is_embed_token(token) and not embed else token
