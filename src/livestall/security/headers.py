"""Security headers on every HTTP response; pages set their own full Content-Security-Policy."""

from __future__ import annotations

from livestall.settings import Settings

# The go-live page films with the phone's camera and microphone; nothing else may ask for devices.
PERMISSIONS_POLICY = "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()"
# JSON, images and video need no scripts at all; only framing is worth forbidding for them.
# Pages (web/pages/common.py) send a complete policy, which is kept as it is.
FALLBACK_CSP = "frame-ancestors 'none'"


def with_frame_ancestors(policy: str, sources: str) -> str:
    """`policy` with its frame-ancestors directive set to `sources` (a page framed only by the sites it names)."""
    kept = [d.strip() for d in policy.split(";") if d.strip() and not d.strip().startswith("frame-ancestors")]
    return "; ".join([*kept, f"frame-ancestors {sources}"])


class SecurityHeadersMiddleware:
    """Adds nosniff, Referrer-Policy, Permissions-Policy, frame-ancestors and (over https) HSTS."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.hsts = (f"max-age={settings.hsts_max_age_s}; includeSubDomains".encode()
                     if settings.hsts_max_age_s else None)
        # Behind a TLS-terminating proxy the scheme arrives in X-Forwarded-Proto (uvicorn's
        # proxy_headers); a public https URL says the same for every request.
        self.always_https = settings.public_url.startswith("https://")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = self.always_https or scope.get("scheme") == "https"

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                for name, value in self._extra(https):
                    if name not in present:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _extra(self, https: bool) -> list[tuple[bytes, bytes]]:
        extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                 (b"permissions-policy", PERMISSIONS_POLICY.encode()),
                 (b"content-security-policy", FALLBACK_CSP.encode())]
        if https and self.hsts:
            extra.append((b"strict-transport-security", self.hsts))
        return extra
