"""Throttling of logins and sign-ups, per account (the email) and per client address.

One ASGI middleware in front of the JSON API and the web forms, so that every way in counts
against the same limits. Limits live in this process, or in Redis when LIVESTALL_REDIS_URL is
set (every app process then shares them).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from livestall.errors import TooManyRequests
from livestall.realtime.ratelimit import MemoryRateLimiter, RateLimiter
from livestall.settings import Settings

log = logging.getLogger("livestall.security")

MAX_BODY = 64 * 1024  # a login or sign-up is tiny; a bigger body is read for its email no further


@dataclass(frozen=True)
class Rule:
    """`limit` attempts per window, counted per account or per client address."""

    name: str
    per: str  # "account" | "ip"
    limit: int


def rules_for(settings: Settings) -> dict[str, list[Rule]]:
    """Which rules each throttled action is held to."""
    return {
        "login": [Rule("login_per_account", "account", settings.auth_login_per_account),
                  Rule("login_per_ip", "ip", settings.auth_login_per_ip)],
        "register": [Rule("register_per_account", "account", settings.auth_register_per_account),
                     Rule("register_per_ip", "ip", settings.auth_register_per_ip)],
    }


# The throttled routes: the JSON API and the web pages' forms.
# A password change proves the current password: guessing it counts as logins do, from the client's address.
ACTIONS = {"/api/v1/auth/login": "login", "/login": "login", "/api/v1/me/password": "login",
           "/api/v1/auth/register": "register", "/signup": "register"}
# A refused web form is answered by its page, in the user's language, from this mark on the request.
WEB_FORMS = {"/login", "/signup"}
THROTTLED = "throttled_retry_after_s"


def email_of(body: bytes, content_type: str) -> str | None:
    """The email a login or sign-up body names, normalised; None when there is none to read."""
    try:
        if content_type.startswith("application/json"):
            data = json.loads(body)
            value = data.get("email") if isinstance(data, dict) else None
        elif content_type.startswith("application/x-www-form-urlencoded"):
            value = (parse_qs(body.decode("utf-8", "replace")).get("email") or [None])[0]
        else:
            return None
    except ValueError:
        return None
    return (value.strip().lower() or None) if isinstance(value, str) else None


def refusal(rule: Rule, retry_after_s: float) -> TooManyRequests:
    """The 429 problem naming the rule that was broken."""
    field = "email" if rule.per == "account" else "client"
    what = "this account" if rule.per == "account" else "this address"
    return TooManyRequests.field(field, rule.name,
                                 f"too many attempts for {what}; try again in {math.ceil(retry_after_s)} s")


class AuthThrottleMiddleware:
    """Refuses a login or sign-up over its per-account or per-address limit: a 429 problem for the API,
    a mark for the web form's page, which shows the form again with a 429."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.rules = rules_for(settings)
        self.window_s = settings.auth_rate_window_s
        self._limiter: RateLimiter | None = None

    @property
    def limiter(self) -> RateLimiter:
        """Redis-backed when configured (created on first use, inside the server's event loop)."""
        if self._limiter is None:
            if self.settings.redis_url:
                import redis.asyncio as aioredis

                from livestall.realtime.ratelimit import RedisRateLimiter

                client: Any = aioredis.from_url(self.settings.redis_url, socket_connect_timeout=1, socket_timeout=1)
                self._limiter = RedisRateLimiter(client, prefix="livestall:auth")
            else:
                self._limiter = MemoryRateLimiter()
        return self._limiter

    async def __call__(self, scope, receive, send) -> None:
        action = ACTIONS.get(scope.get("path", "")) if scope["type"] == "http" and scope["method"] == "POST" else None
        if action is None:
            await self.app(scope, receive, send)
            return
        body, more, messages = b"", True, []
        while more and len(body) <= MAX_BODY:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
        content_type = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"content-type"), "")
        email = email_of(body, content_type.lower()) if not more else None
        client = (scope.get("client") or ("unknown", 0))[0]
        for rule in self.rules[action]:
            subject = client if rule.per == "ip" else email
            if subject is None:
                continue
            digest = hashlib.sha256(subject.encode()).hexdigest()[:24]  # no emails or addresses kept in Redis
            result = await self.limiter.hit(f"{rule.name}:{digest}", limit=rule.limit, window_s=self.window_s)
            if not result.allowed:
                log.warning("throttled", extra={"rule": rule.name, "path": scope["path"]})
                if scope["path"] in WEB_FORMS:
                    scope.setdefault("state", {})[THROTTLED] = result.retry_after_s
                    break
                await self._refuse(send, scope, refusal(rule, result.retry_after_s), result.retry_after_s)
                return

        async def replay():
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send, scope, err: TooManyRequests, retry_after_s: float) -> None:
        body = json.dumps(err.problem(scope.get("path"))).encode()
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(max(1, math.ceil(retry_after_s))).encode())]})
        await send({"type": "http.response.body", "body": body})
