"""A local stand-in for Stripe's API, an app process configured for it, and webhooks signed as Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest

from tests.appserver import AppProcess

SECRET = "whsec_test_livestall"


class FakeStripe(BaseHTTPRequestHandler):
    """Answers POST /v1/checkout/sessions like Stripe does, and remembers what it was sent."""

    sessions: list[dict] = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        session_id = f"cs_test_{uuid.uuid4().hex}"
        FakeStripe.sessions.append({"path": self.path, "form": form, "auth": self.headers["Authorization"],
                                    "id": session_id, "idempotency_key": self.headers["Idempotency-Key"]})
        body = json.dumps({"id": session_id, "object": "checkout.session",
                           "url": f"https://checkout.stripe.com/c/pay/{session_id}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def stripe_app(app_server, tmp_path_factory):
    """A second app process on the same database, configured with Stripe keys and the stand-in API."""
    fake = ThreadingHTTPServer(("127.0.0.1", 0), FakeStripe)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    server = AppProcess(database_url=app_server.database_url, data_dir=tmp_path_factory.mktemp("stripe"), env={
        "LIVESTALL_STRIPE_SECRET_KEY": "sk_test_livestall", "LIVESTALL_STRIPE_WEBHOOK_SECRET": SECRET,
        "LIVESTALL_STRIPE_API_BASE": f"http://127.0.0.1:{fake.server_port}"}).start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client
    server.stop()
    fake.shutdown()


def signed(event: dict, *, secret: str = SECRET, at: int | None = None) -> tuple[bytes, dict]:
    """The payload and Stripe-Signature header Stripe would send (t=..., v1=HMAC-SHA256 of 't.payload')."""
    payload = json.dumps(event).encode()
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return payload, {"Stripe-Signature": f"t={at},v1={mac}", "Content-Type": "application/json"}


def completed(session_id: str, amount: int, currency: str = "cny") -> dict:
    return {"id": f"evt_{uuid.uuid4().hex}", "type": "checkout.session.completed", "data": {"object": {
        "id": session_id, "object": "checkout.session", "amount_total": amount, "currency": currency,
        "payment_status": "paid"}}}


def deliver(client: httpx.Client, event: dict, **kw) -> httpx.Response:
    payload, headers = signed(event, **kw)
    return client.post("/api/v1/payments/stripe/webhook", content=payload, headers=headers)
