"""Commit-reveal draws: the published hash, the revealed seed, and every draw recomputed by an outside verifier."""

from __future__ import annotations

import hashlib

from tests.openings.support import buy_ticket, buyer_with, live_lot, open_ticket


def independent_verifier(seed: str, seed_hash: str, items: list[str], drawn: list[str]) -> bool:
    """What anyone can run, from docs/openings.md alone: no Livestall code."""
    if hashlib.sha256(seed.encode()).hexdigest() != seed_hash:
        return False
    left = list(items)
    for position, item in enumerate(drawn, start=1):
        digest = hashlib.sha256(f"{seed}:{position}".encode()).digest()
        if left.pop(int.from_bytes(digest, "big") % len(left)) != item:
            return False
    return True


def test_random_pick_commits_to_its_seed_and_every_draw_checks_out(api, app_server):
    items = [f"oyster {n}" for n in range(1, 11)]
    world = live_lot(api, quantity=4, random_pick=True, pick_items=items)
    seller, lot = world["seller"], world["lot"]
    assert len(lot["seed_hash"]) == 64 and lot["seed"] is None  # published before sales, seed still secret
    buyers = [buyer_with(api, app_server.database_url) for _ in range(4)]
    tickets = [buy_ticket(api, b, lot["id"]).json() for b in buyers]
    assert all(t["drawn_item"] is None for t in tickets)  # not shown before it is opened
    assert api.get(f"/api/v1/openings/{lot['id']}/audit").json()["seed"] is None
    for ticket in tickets[:3]:
        shown = open_ticket(api, seller, lot["id"], ticket["id"], pearl_count=1).json()
        assert shown["drawn_item"] in items and shown["outcome"]["drawn_item"] == shown["drawn_item"]
    api.post(f"/api/v1/openings/{lot['id']}/close", headers=seller.headers, json={"unopened": "refund"})

    audit = api.get(f"/api/v1/openings/{lot['id']}/audit").json()
    assert audit["seed_hash"] == lot["seed_hash"] and audit["seed"]
    drawn = [e["data"]["outcome"]["drawn_item"] for e in audit["entries"] if e["action"] == "opened"]
    assert len(set(drawn)) == 3
    assert independent_verifier(audit["seed"], audit["seed_hash"], audit["pick_items"], drawn)
    assert not independent_verifier(audit["seed"], audit["seed_hash"], audit["pick_items"], drawn[::-1])
    assert not independent_verifier("0" * 64, audit["seed_hash"], audit["pick_items"], drawn)
