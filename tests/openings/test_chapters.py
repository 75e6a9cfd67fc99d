"""Each recorded outcome is a chapter of the show's replay."""

from __future__ import annotations

from tests.helpers_db import replay_chapters
from tests.openings.support import buy_ticket, buyer_with, live_lot, open_ticket


def test_outcomes_become_replay_chapters(api, app_server):
    from datetime import datetime

    world = live_lot(api, quantity=2)
    seller, lot_id, show = world["seller"], world["lot"]["id"], world["show"]
    wang = buyer_with(api, app_server.database_url, name="Wang")
    li = buyer_with(api, app_server.database_url, name="Li")
    first = buy_ticket(api, wang, lot_id).json()
    buy_ticket(api, li, lot_id)  # bought, never opened: no chapter
    open_ticket(api, seller, lot_id, first["id"], pearl_count=4)
    started = datetime.fromisoformat(api.get(f"/api/v1/shows/{show['id']}").json()["started_at"])
    chapters = [c for c in replay_chapters(app_server.database_url, show["id"], started) if c["kind"] == "opening"]
    assert [(c["title"], c["ticket_id"]) for c in chapters] == [("Wang: 4 pearls", first["id"])]  # unopened: none
    assert chapters[0]["at_s"] >= 0
