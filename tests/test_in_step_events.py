"""What the host does on camera reaches the room with its moment (`at`, server epoch ms), so that players can
show it in step with their video; the room's own life (chat, sales, upvotes) carries none."""

from __future__ import annotations

import time
from datetime import datetime

from tests.helpers import make_product, make_shop, make_show, register
from tests.openings.support import buy_ticket, buyer_with, make_lot, open_ticket
from tests.orders.support import buy, flash_sale, soon
from tests.room_client import RoomClient


def _ms(iso: str) -> int:
    return round(datetime.fromisoformat(iso).timestamp() * 1000)


def _now_ms() -> int:
    return round(time.time() * 1000)


def _event(room: RoomClient, type: str, match=lambda data: True) -> dict:
    """The whole event (type, data and `at` if any) of the first of `type` that matches."""
    data = room.wait_event(type, match)
    return next(e for e in room.events() if e["type"] == type and e["data"] is data)


def test_on_camera_events_carry_their_moment_and_the_rest_do_not(api, app_server):
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller)
    scarf = make_product(api, seller, shop["id"], stock=5, price_minor=20000)
    show_id = make_show(api, seller, shop["id"])["id"]
    wang = buyer_with(api, app_server.database_url, 100_000, name="Wang")
    api.post(f"/api/v1/shows/{show_id}/start", headers=seller.headers)

    with RoomClient(app_server.ws_base, show_id, seller.token) as host, \
            RoomClient(app_server.ws_base, show_id, wang.token) as viewer:
        joined = next(f for f in viewer.frames if f["type"] == "snapshot")
        assert abs(joined["data"]["server_time"] - _now_ms()) < 2000  # the server's clock, for countdowns

        before = _now_ms()
        shelf = api.post(f"/api/v1/shows/{show_id}/pins", headers=seller.headers, json={"product_id": scarf["id"]})
        pinned = _event(viewer, "pin.changed")
        assert pinned["at"] == _ms(shelf.json()["items"][0]["pinned_at"]) and before <= pinned["at"] <= _now_ms()

        sale = flash_sale(api, seller, show_id, scarf["id"], units=2, starts_at=soon(1.5))
        scheduled = _event(viewer, "flash.scheduled")
        assert before <= scheduled["at"] <= _now_ms()
        started = _event(viewer, "flash.started")
        assert started["at"] == _ms(sale["starts_at"])  # the moment the host's countdown reaches zero

        assert buy(api, wang, show_id, scarf["id"]).status_code == 201
        assert "at" not in _event(viewer, "sale.made")

        viewer.request("chat.send", text="Which sizes?")
        assert "at" not in _event(host, "chat.message")
        asked = viewer.request("question.ask", text="Is it wool?")["data"]["question_id"]
        assert host.request("question.upvote", question_id=asked)["type"] == "ack"
        assert "at" not in _event(host, "question.updated", lambda q: q["status"] == "open")
        before = _now_ms()
        host.request("question.answer", question_id=asked)
        answered = _event(viewer, "question.updated", lambda q: q["status"] == "answered")
        assert before <= answered["at"] <= _now_ms()

        lot = make_lot(api, seller, show_id, quantity=2)
        ticket = buy_ticket(api, wang, lot["id"]).json()
        before = _now_ms()
        assert open_ticket(api, seller, lot["id"], ticket["id"], pearl_count=3, colour="white",
                           size_mm=7.0).status_code == 200
        result = _event(viewer, "opening.result")
        assert before <= result["at"] <= _now_ms()
