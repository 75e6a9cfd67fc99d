"""Protections that sit in front of every route: login and sign-up throttling, security headers."""

from __future__ import annotations

from livestall.security.headers import SecurityHeadersMiddleware
from livestall.security.throttle import AuthThrottleMiddleware

__all__ = ["AuthThrottleMiddleware", "SecurityHeadersMiddleware"]
