"""Idempotency-Key: the header's rules, shared by every keyed write (purchases, openings, top-ups)."""

from __future__ import annotations

import hashlib
import json
import re

from livestall.errors import Invalid

KEY_HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,80}$")


def check_idempotency_key(value: str | None, *, required: bool = True, field: str = KEY_HEADER) -> str | None:
    """The header's (or `field`'s) value: 1 to 80 visible ASCII characters; required unless told otherwise."""
    if not value:
        if required:
            raise Invalid.field(field, "required", "is required: a fresh random key per request, reused on retry")
        return None
    if not _KEY.match(value):
        raise Invalid.field(field, "key_format", "must be 1 to 80 visible ASCII characters")
    return value


def fingerprint(*parts) -> str:
    """What a key was used for, as a digest of the request's meaningful parts."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_same_request(stored: str | None, digest: str) -> None:
    """Invalid naming the header when a key comes back with a different request: nothing is done twice
    and nothing is silently dropped."""
    if stored != digest:
        raise Invalid.field(KEY_HEADER, "same_request", "was already used for a different request; use a new key")
