"""TURN for viewers behind strict NATs: time-limited credentials for coturn's shared-secret ("REST API") mode."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def turn_servers(urls: str, secret: str, user_id: int, ttl_s: float, *, now: float | None = None) -> list[dict]:
    """The RTCPeerConnection iceServers entry for a viewer: [] when no TURN server is set.

    coturn (`use-auth-secret`, `static-auth-secret=<secret>`) accepts the username "<expiry>:<anything>" with the
    password base64(HMAC-SHA1(secret, username)) until <expiry>, so no account is kept per viewer.
    """
    listed = [url.strip() for url in urls.split(",") if url.strip()]
    if not listed or not secret:
        return []
    username = f"{int((now or time.time()) + ttl_s)}:{user_id}"
    password = base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()
    return [{"urls": listed, "username": username, "credential": password}]
