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
    """Answers POST /v1/checkout/sessions and /v1/refunds like Stripe does (the same Idempotency-Key again gets
    the same answer, nothing new made), remembers what it was sent, and sends refund webhooks signed as Stripe
    signs them to `webhook_url`."""

    sessions: list[dict] = []
    refunds: list[dict] = []
    requests: list[dict] = []  # every POST, replays included
    answered: dict[str, bytes] = {}  # Idempotency-Key -> the answer it got
    webhook_url: str = ""
    stand_in_base: str = ""
    refunds_down = False  # answer refunds 503, as Stripe does in an outage

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        key = self.headers.get("Idempotency-Key")
        FakeStripe.requests.append({"path": self.path, "form": form, "idempotency_key": key})
        if self.path == "/v1/refunds" and FakeStripe.refunds_down:
            return self._answer(503, json.dumps({"error": {"type": "api_error", "message": "unavailable"}}).encode())
        if key and key in FakeStripe.answered:
            return self._answer(200, FakeStripe.answered[key])
        if self.path == "/v1/checkout/sessions":
            body = self._checkout(form, key)
        elif self.path == "/v1/refunds":
            body = self._refund(form, key)
        else:
            return self._answer(404, json.dumps({"error": {"type": "invalid_request_error",
                                                           "message": f"Unrecognized request URL ({self.path})"}}).encode())
        if key:
            FakeStripe.answered[key] = body
        self._answer(200, body)

    def _checkout(self, form: dict, key: str | None) -> bytes:
        session_id = f"cs_test_{uuid.uuid4().hex}"
        FakeStripe.sessions.append({"path": self.path, "form": form, "auth": self.headers["Authorization"],
                                    "id": session_id, "idempotency_key": key,
                                    "payment_intent": f"pi_test_{uuid.uuid4().hex[:20]}"})
        return json.dumps({"id": session_id, "object": "checkout.session",
                           "url": f"https://checkout.stripe.com/c/pay/{session_id}"}).encode()

    def _refund(self, form: dict, key: str | None) -> bytes:
        refund = {"id": f"re_test_{uuid.uuid4().hex[:20]}", "object": "refund", "status": "pending",
                  "amount": int(form["amount"]), "currency": "cny", "payment_intent": form["payment_intent"],
                  "metadata": {k[len("metadata["):-1]: v for k, v in form.items() if k.startswith("metadata[")}}
        FakeStripe.refunds.append({**refund, "idempotency_key": key, "auth": self.headers["Authorization"]})
        return json.dumps(refund).encode()

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

    @classmethod
    def settle_refund(cls, refund_id: str, status: str = "succeeded", event_type: str = "refund.updated"
                      ) -> httpx.Response:
        """What Stripe does once the card is credited (or the refund failed): a signed event to the webhook."""
        refund = next(r for r in cls.refunds if r["id"] == refund_id)
        obj = {k: v for k, v in refund.items() if k not in ("idempotency_key", "auth")}
        obj["status"] = status
        if event_type == "charge.refunded":
            obj = {"id": f"ch_test_{uuid.uuid4().hex[:20]}", "object": "charge", "refunded": True,
                   "payment_intent": refund["payment_intent"], "refunds": {"object": "list", "data": [obj]}}
        event = {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": event_type, "data": {"object": obj}}
        payload, headers = signed(event)
        return httpx.post(cls.webhook_url, content=payload, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def stripe_app(app_server, tmp_path_factory):
    """A second app process on the same database, configured with Stripe keys and the stand-in API."""
    fake = ThreadingHTTPServer(("127.0.0.1", 0), FakeStripe)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    server = AppProcess(database_url=app_server.database_url, data_dir=tmp_path_factory.mktemp("stripe"), env={
        "LIVESTALL_STRIPE_SECRET_KEY": "sk_test_livestall", "LIVESTALL_STRIPE_WEBHOOK_SECRET": SECRET,
        "LIVESTALL_STRIPE_API_BASE": f"http://127.0.0.1:{fake.server_port}", "LIVESTALL_CARD_REFUND_RETRY_S": "1"}).start()
    FakeStripe.webhook_url = f"{server.url}/api/v1/payments/stripe/webhook"
    FakeStripe.stand_in_base = f"http://127.0.0.1:{fake.server_port}"
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
    """Stripe's event for a paid Checkout Session, with the PaymentIntent the stand-in gave it."""
    intent = next((s["payment_intent"] for s in FakeStripe.sessions if s["id"] == session_id), None)
    return {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": "checkout.session.completed",
            "data": {"object": {"id": session_id, "object": "checkout.session", "amount_total": amount,
                                "currency": currency, "payment_status": "paid", "payment_intent": intent}}}


def deliver(client: httpx.Client, event: dict, **kw) -> httpx.Response:
    payload, headers = signed(event, **kw)
    return client.post("/api/v1/payments/stripe/webhook", content=payload, headers=headers)
