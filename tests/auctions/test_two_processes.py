"""Two app processes on one database and one Redis, one auction: viewers on either process bid at the same time,
and every viewer sees the same leader and price, the close happens once, with exactly one order and balanced books.
One bidder's hold is on a saved card (the Stripe stand-in), so that card holds are settled across processes too."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.appserver import AppProcess
from tests.auctions.card_support import intents_of, own_database, save_card, start_stand_in, stripe_env
from tests.auctions.support import auction_world, bidder, get_auction, open_auction, wait_ended
from tests.helpers_db import run_sql
from tests.ledger.stripe_support import FakeStripe
from tests.orders.support import ledger_check
from tests.room_client import RoomClient


@pytest.fixture(scope="module")
def nodes(request, redis_url, tmp_path_factory):
    database_url = own_database(request, tmp_path_factory, "auction_nodes")
    fake = start_stand_in()
    env = {"LIVESTALL_REDIS_URL": redis_url, "LIVESTALL_RTMP_ENABLED": "false", **stripe_env(fake)}
    started = [AppProcess(database_url=database_url, data_dir=tmp_path_factory.mktemp(f"auction_node{i}"),
                          env=env).start() for i in range(2)]
    FakeStripe.webhook_url = f"{started[1].url}/api/v1/payments/stripe/webhook"
    yield started
    for node in started:
        node.stop()
    fake.shutdown()


def _drain(room: RoomClient, seconds: float) -> None:
    """Read whatever the room sends for `seconds`."""
    try:
        room.wait_frame(lambda f: False, timeout=seconds)
    except TimeoutError:
        pass


def _bid_rounds(room: RoomClient, auction_id: int, maxima: list[int], gate: threading.Barrier,
                answers: list[dict]) -> None:
    gate.wait()
    for top in maxima:  # one tap each time, up to a higher maximum than before
        answers.append(room.request("bid", auction_id=auction_id, max=top))


def test_bids_on_both_processes_settle_into_one_standing_and_one_close(nodes):
    a, b = nodes
    db = a.database_url
    with httpx.Client(base_url=a.url, timeout=30) as on_a, httpx.Client(base_url=b.url, timeout=30) as on_b:
        world = auction_world(on_a, duration_s=10, snipe_s=4)
        auction_id, show_id = world["auction"]["id"], world["show"]["id"]
        ann, bo = bidder(on_a, db, name="Ann"), bidder(on_b, db, name="Bo")
        cy = bidder(on_b, db, wallet_minor=0, name="Cy")
        save_card(on_b, cy)
        rooms = {"ann": RoomClient(a.ws_base, show_id, ann.token), "bo": RoomClient(b.ws_base, show_id, bo.token),
                 "cy": RoomClient(a.ws_base, show_id, cy.token)}
        watchers = [RoomClient(a.ws_base, show_id), RoomClient(b.ws_base, show_id)]
        try:
            open_auction(on_b, world)
            plans = {"ann": [20000, 32000, 45000], "bo": [21000, 33000, 46000], "cy": [22000, 34000, 47000]}
            answers = {name: [] for name in rooms}
            gate = threading.Barrier(len(rooms))
            threads = [threading.Thread(target=_bid_rounds, args=(rooms[name], auction_id, plans[name], gate,
                                                                  answers[name])) for name in rooms]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            for name, got in answers.items():
                assert len(got) == 3 and all(answer["type"] in ("ack", "error") for answer in got), (name, got)
                # A tap the others' bids overtook in the same tick is refused by its rule, never lost or doubled.
                assert all(answer["type"] == "ack" or answer["rule"] in ("below_minimum", "at_least_amount")
                           for answer in got), (name, got)
                assert got[-1]["type"] == "ack" or name != "cy", got

            standing = get_auction(on_b, auction_id)
            # Cy's maximum is the highest; the price is one step over the second-highest maximum that counted.
            assert standing["leader_name"] == "Cy" and standing["price"]["amount_minor"] in (46000, 47000)
            price = standing["price"]["amount_minor"]
            for room in [*rooms.values(), *watchers]:  # every viewer, on either process, sees that standing
                seen = room.wait_event("auction.bid", lambda d: d["bids"] == standing["bids"], timeout=15)
                assert (seen["leader_name"], seen["price"]) == (standing["leader_name"], standing["price"])

            ended = wait_ended(on_a, auction_id, timeout=60)
            assert (ended["result"], ended["winner_name"], ended["hammer"]["amount_minor"]) == ("sold", "Cy", price)
            for room in [*rooms.values(), *watchers]:
                room.wait_event("auction.ended", timeout=15)
            rooms["cy"].wait_frame(lambda f: f["type"] == "auction.won", timeout=15)
            for room in [*rooms.values(), *watchers]:  # closed once: one ended event each, whichever process
                _drain(room, 1.0)
                assert sum(1 for e in room.events() if e["type"] == "auction.ended") == 1
        finally:
            for room in [*rooms.values(), *watchers]:
                room.close()
        orders = run_sql(db, "SELECT status, total_minor FROM orders WHERE idempotency_key LIKE :key",
                         key=f"auction:{auction_id}:%")
        assert orders == [("paid", price)]
        captured = [i for i in intents_of(cy.id, auction_id) if i["status"] == "succeeded"]
        assert [i["amount_received"] for i in captured] == [price]  # one capture, for the price
        assert all(i["status"] in ("succeeded", "canceled") for i in intents_of(cy.id, auction_id))
        assert ledger_check(on_a, db)["ok"] is True
