"""Signing deliveries: `Livestall-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`."""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "Livestall-Signature"


def new_secret() -> str:
    """A fresh signing secret, shown to the endpoint's owner once."""
    return "whsec_" + secrets.token_urlsafe(32)


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """The value of the signature header for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"
