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


# Saved cards the stand-in knows, by how they behave (Stripe's test cards): the last four digits each shows.
CARDS = {"visa": ("visa", "4242"), "declined": ("visa", "0002"), "capture_declined": ("mastercard", "0341")}


class FakeStripe(BaseHTTPRequestHandler):
    """Answers POST /v1/checkout/sessions (payment and setup mode), /v1/refunds, /v1/customers,
    /v1/payment_methods/{id}/detach and /v1/payment_intents (capture_method=manual, then /capture or /cancel) like
    Stripe does (the same Idempotency-Key again gets the same answer, nothing new made), remembers what it was sent,
    and sends refund and saved-card webhooks signed as Stripe signs them to `webhook_url`."""

    sessions: list[dict] = []
    refunds: list[dict] = []
    requests: list[dict] = []  # every POST, replays included
    answered: dict[str, bytes] = {}  # Idempotency-Key -> the answer it got
    webhook_url: str = ""
    stand_in_base: str = ""
    refunds_down = False  # answer refunds 503, as Stripe does in an outage
    captures_down = False  # answer captures 503 likewise
    customers: list[dict] = []
    payment_methods: dict[str, dict] = {}  # pm id -> {"kind": a CARDS key, "customer": ...}
    intents: dict[str, dict] = {}  # pi id -> the PaymentIntent as Stripe shows it

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        key = self.headers.get("Idempotency-Key")
        FakeStripe.requests.append({"path": self.path, "form": form, "idempotency_key": key})
        if self.path.endswith("/capture") and FakeStripe.captures_down:
            return self._answer(503, json.dumps({"error": {"type": "api_error", "message": "unavailable"}}).encode())
        if self.path == "/v1/refunds" and FakeStripe.refunds_down:
            return self._answer(503, json.dumps({"error": {"type": "api_error", "message": "unavailable"}}).encode())
        if key and key in FakeStripe.answered:
            return self._answer(200, FakeStripe.answered[key])
        status = 200
        if self.path == "/v1/checkout/sessions":
            body = self._checkout(form, key)
        elif self.path == "/v1/refunds":
            body = self._refund(form, key)
        elif self.path == "/v1/customers":
            customer = {"id": f"cus_test_{uuid.uuid4().hex[:14]}", "object": "customer", "email": form.get("email")}
            FakeStripe.customers.append(customer)
            body = json.dumps(customer).encode()
        elif self.path.startswith("/v1/payment_methods/") and self.path.endswith("/detach"):
            method = FakeStripe.payment_methods.get(self.path.split("/")[3])
            if method is None or method["customer"] is None:
                return self._error(400, "invalid_request_error", "The payment method is not attached to a customer.")
            method["customer"] = None
            body = json.dumps({"id": self.path.split("/")[3], "object": "payment_method", "customer": None}).encode()
        elif self.path.startswith("/v1/payment_intents"):
            status, body = self._intent(form)
        else:
            return self._answer(404, json.dumps({"error": {"type": "invalid_request_error",
                                                           "message": f"Unrecognized request URL ({self.path})"}}).encode())
        if key and status == 200:
            FakeStripe.answered[key] = body
        self._answer(status, body)

    def _error(self, status: int, type_: str, message: str, code: str | None = None) -> None:
        self._answer(status, self._error_body(type_, message, code))

    @staticmethod
    def _error_body(type_: str, message: str, code: str | None = None) -> bytes:
        return json.dumps({"error": {"type": type_, "message": message, "code": code,
                                     **({"decline_code": "generic_decline"} if code else {})}}).encode()

    def _intent(self, form: dict) -> tuple[int, bytes]:
        """A PaymentIntent made and confirmed at once (a declined card: 402), captured or cancelled."""
        parts = self.path.split("/")
        if len(parts) == 3:
            method = FakeStripe.payment_methods.get(form.get("payment_method", ""))
            if method is None or method["customer"] != form.get("customer"):
                return 400, self._error_body("invalid_request_error", "No such PaymentMethod for this customer.")
            if method["kind"] == "declined":
                return 402, self._error_body("card_error", "Your card was declined.", "card_declined")
            intent = {"id": f"pi_test_{uuid.uuid4().hex[:20]}", "object": "payment_intent", "status": "requires_capture",
                      "amount": int(form["amount"]), "amount_capturable": int(form["amount"]),
                      "amount_received": 0, "currency": form["currency"], "capture_method": form.get("capture_method"),
                      "customer": form.get("customer"), "payment_method": form["payment_method"],
                      "metadata": {k[len("metadata["):-1]: v for k, v in form.items() if k.startswith("metadata[")}}
            FakeStripe.intents[intent["id"]] = intent
            return 200, json.dumps(intent).encode()
        intent = FakeStripe.intents.get(parts[3])
        if intent is None:
            return 404, self._error_body("invalid_request_error", "No such payment_intent.")
        if intent["status"] != "requires_capture":
            return 400, self._error_body("invalid_request_error",
                                         f"This PaymentIntent could not be {parts[4]}d: its status is {intent['status']}.")
        if parts[4] == "cancel":
            intent.update(status="canceled", amount_capturable=0)
        elif FakeStripe.payment_methods[intent["payment_method"]]["kind"] == "capture_declined":
            return 402, self._error_body("card_error", "Your card was declined.", "card_declined")
        else:
            taken = int(form.get("amount_to_capture", intent["amount"]))
            if taken > intent["amount"]:
                return 400, self._error_body("invalid_request_error", "amount_to_capture is over the authorized amount.")
            intent.update(status="succeeded", amount_received=taken, amount_capturable=0)
        return 200, json.dumps(intent).encode()

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
    def save_card(cls, session_id: str, kind: str = "visa") -> httpx.Response:
        """What Stripe does when the buyer finishes Checkout in setup mode: the card attached to the session's
        customer, and a signed `payment_method.attached` event to the webhook."""
        checkout = next(s for s in cls.sessions if s["id"] == session_id)
        brand, last4 = CARDS[kind]
        method_id = f"pm_test_{uuid.uuid4().hex[:20]}"
        cls.payment_methods[method_id] = {"kind": kind, "customer": checkout["form"]["customer"]}
        obj = {"id": method_id, "object": "payment_method", "type": "card", "customer": checkout["form"]["customer"],
               "card": {"brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2030}}
        event = {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": "payment_method.attached",
                 "data": {"object": obj}}
        payload, headers = signed(event)
        return httpx.post(cls.webhook_url, content=payload, headers=headers, timeout=30)

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
