"""For card-backed bids: a database of their own, app processes configured for the Stripe stand-in, saved cards."""

from __future__ import annotations

import os
import threading
import uuid
from http.server import ThreadingHTTPServer

import httpx

from livestall import migrate
from tests.helpers import Actor
from tests.ledger.stripe_support import SECRET, FakeStripe
from tests.services import create_database


def own_database(request, tmp_path_factory, prefix: str) -> str:
    """A fresh migrated database on the suite's engine: no other app process's auction clock closes its auctions."""
    if os.environ.get("LIVESTALL_TEST_DATABASE_URL", "").startswith("postgresql") \
            or os.environ.get("LIVESTALL_TEST_DATABASE") == "postgresql":
        url = create_database(request.getfixturevalue("postgres_url"), f"{prefix}_{uuid.uuid4().hex[:8]}")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp(prefix) / 'livestall.db'}"
    migrate.upgrade(url)
    return url


def start_stand_in() -> ThreadingHTTPServer:
    """The local stand-in of Stripe's API, serving from a thread."""
    fake = ThreadingHTTPServer(("127.0.0.1", 0), FakeStripe)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    FakeStripe.stand_in_base = f"http://127.0.0.1:{fake.server_port}"
    return fake


def stripe_env(fake: ThreadingHTTPServer) -> dict[str, str]:
    return {"LIVESTALL_STRIPE_SECRET_KEY": "sk_test_livestall", "LIVESTALL_STRIPE_WEBHOOK_SECRET": SECRET,
            "LIVESTALL_STRIPE_API_BASE": f"http://127.0.0.1:{fake.server_port}"}


def save_card(api: httpx.Client, actor: Actor, kind: str = "visa") -> dict:
    """The buyer saves a card through Checkout in setup mode, and Stripe tells the app it is attached."""
    started = api.post("/api/v1/me/cards/setup", headers=actor.headers)
    assert started.status_code == 201 and started.json()["checkout_url"], started.text
    session = FakeStripe.sessions[-1]
    assert session["form"]["mode"] == "setup"
    told = FakeStripe.save_card(session["id"], kind)
    assert told.status_code == 200 and told.json()["outcome"] == "card_saved", told.text
    return api.get("/api/v1/me/cards", headers=actor.headers).json()["cards"][0]


def intents_of(user_id: int, auction_id: int) -> list[dict]:
    """The PaymentIntents the app made for a bidder in an auction, oldest first."""
    return [i for i in FakeStripe.intents.values()
            if (i["metadata"].get("user_id"), i["metadata"].get("auction_id")) == (str(user_id), str(auction_id))]
