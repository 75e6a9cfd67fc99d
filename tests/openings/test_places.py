"""Each viewer sees their own place in line, in a private frame only they receive, as the line moves."""

from __future__ import annotations

from tests.openings.support import buy_ticket, buyer_with, live_lot, open_ticket
from tests.room_client import RoomClient


def _place(room: RoomClient, lot_id: int, match=lambda places: True) -> list[dict]:
    frame = room.wait_frame(lambda f: f["type"] == "opening.place" and f["lot_id"] == lot_id and match(f["places"]))
    return [(p["ticket_id"], p["place"]) for p in frame["places"]]


def test_each_viewer_is_told_their_own_place_privately(api, app_server):
    world = live_lot(api, quantity=3)
    seller, lot_id, show_id = world["seller"], world["lot"]["id"], world["show"]["id"]
    wang, li = (buyer_with(api, app_server.database_url, name=n) for n in ("Wang", "Li"))
    with RoomClient(app_server.ws_base, show_id, token=wang.token) as wang_room, \
            RoomClient(app_server.ws_base, show_id, token=li.token) as li_room, \
            RoomClient(app_server.ws_base, show_id) as anonymous:
        first = buy_ticket(api, wang, lot_id).json()["id"]
        assert _place(wang_room, lot_id) == [(first, 1)]
        second = buy_ticket(api, li, lot_id).json()["id"]
        third = buy_ticket(api, li, lot_id).json()["id"]
        assert _place(li_room, lot_id, lambda p: len(p) == 2) == [(second, 2), (third, 3)]

        # The line moves: Li moves up, and Wang is told they are no longer waiting.
        open_ticket(api, seller, lot_id, first, pearl_count=2)
        assert _place(li_room, lot_id, lambda p: p and p[0]["place"] == 1) == [(second, 1), (third, 2)]
        assert _place(wang_room, lot_id, lambda p: p == []) == []
        api.post(f"/api/v1/openings/{lot_id}/tickets/{second}/set-aside", headers=seller.headers)
        assert _place(li_room, lot_id, lambda p: [t["ticket_id"] for t in p] == [third]) == [(third, 1)]

        # Everyone hears the line's counts; only its owner ever hears about a ticket.
        anonymous.wait_event("opening.queue", lambda d: d["queued_positions"] == [3])
        assert not [f for f in anonymous.frames if f["type"] == "opening.place"]
        told_wang = {p["ticket_id"] for f in wang_room.frames if f["type"] == "opening.place" for p in f["places"]}
        assert told_wang == {first}
        room_events = [e["type"] for room in (wang_room, li_room, anonymous) for e in room.events()]
        assert "opening.places.private" not in room_events
