"""Where a caller's login token comes from: one rule for HTTP, the room socket and the camera socket."""

from __future__ import annotations


def token_from(authorization: str | None, query_token: str | None = None, cookie: str | None = None) -> str | None:
    """The login token: an `Authorization: Bearer` header wins, then a `?token=` query, then the session cookie."""
    scheme, _, credentials = (authorization or "").strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    # A socket opened by a browser cannot set headers, so it carries the token in its URL or its cookie.
    return query_token or cookie or None
