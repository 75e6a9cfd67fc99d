"""A show through its life over the real app and real room sockets: every event and private frame that
reaches a viewer is declared, and its payload fits the declared schema."""

from __future__ import annotations

import re

import pytest

from livestall.events.catalog import PRIVATE_FRAMES, ROOM_EVENTS
from tests.festivals.support import make_festival
from tests.helpers import make_product, make_shop, make_show, register, unique
from tests.helpers_db import make_operator
from tests.openings.support import buy_ticket, buyer_with, make_lot, open_ticket
from tests.orders.support import buy, flash_sale, soon
from tests.room_client import RoomClient

# Frames of the transport itself (docs/protocol.md, "Frames"): not domain events.
TRANSPORT = {"snapshot", "batch", "error", "ack", "pong", "resync", "reconnect"}
# Made only from a finished recording with video in it: checked, when tests/media makes one, by the server.
# Auctions, giveaways and coupons run their whole course, against the same strict registry, in tests/auctions and
# tests/giveaways (a 10 s auction and a draw would double this test's time).
LIVE_FORMATS = ("auction.", "giveaway.", "coupon.")
ELSEWHERE = {"replay.ready"}


def _checked(room: RoomClient) -> set[str]:
    """Check every frame the socket received against the registry; the types seen."""
    seen = set()
    for frame in room.frames:
        kind = frame["type"]
        if kind == "batch":
            for event in frame["events"]:
                assert ROOM_EVENTS[event["type"]].kind == "room", event  # routed ones never reach a room
                ROOM_EVENTS.check(event["type"], event["data"])
                seen.add(event["type"])
        elif kind not in TRANSPORT:
            PRIVATE_FRAMES.check(kind, {k: v for k, v in frame.items() if k not in ("v", "type")})
            seen.add(kind)
    return seen


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def _rtmp(app_server, api, seller, show_id: int) -> bool:
    """Video comes in and drops, through nginx-rtmp's callbacks; False where nginx-rtmp is not installed."""
    conf = app_server.data_dir / "nginx" / "nginx.conf"
    if not conf.exists():
        return False
    callback = re.search(r"on_publish (http://\S+/on_publish);", conf.read_text()).group(1)
    key = _ok(api.post("/api/v1/me/stream-key", headers=seller.headers), 201)["key"]
    form = {"name": str(show_id), "key": key, "addr": "127.0.0.1", "tcurl": f"rtmp://x/live?key={key}"}
    assert api.post(callback, data=form).status_code == 204
    assert api.post(callback + "_done", data=form).status_code in (200, 204)
    return True


def test_every_event_of_a_show_fits_its_declaration(api, app_server):
    db = app_server.database_url
    seller = register(api, roles=["seller", "host"])
    shop = make_shop(api, seller)
    scarf, hat = (make_product(api, seller, shop["id"], stock=5, price_minor=20000) for _ in range(2))
    show_id = make_show(api, seller, shop["id"])["id"]
    wang, li = buyer_with(api, db, 100_000, name="Wang"), buyer_with(api, db, 100_000, name="Li")
    called_off = make_show(api, seller, shop["id"])["id"]

    with RoomClient(app_server.ws_base, show_id, seller.token) as host, \
            RoomClient(app_server.ws_base, show_id, wang.token) as viewer, \
            RoomClient(app_server.ws_base, show_id, li.token) as other, \
            RoomClient(app_server.ws_base, called_off) as anonymous:
        _ok(api.post(f"/api/v1/shows/{show_id}/start", headers=seller.headers))
        _ok(api.put(f"/api/v1/shows/{show_id}/pins", headers=seller.headers,
                    json={"product_ids": [scarf["id"], hat["id"]]}))

        # chat, likes, questions and moderation
        said = viewer.request("chat.send", text="Is the blue one in stock?")["data"]["message_id"]
        host.request("mod.delete", message_id=said)
        viewer.request("like", count=3)
        asked = viewer.request("question.ask", text="Which sizes?")["data"]["question_id"]
        other.request("question.upvote", question_id=asked)
        host.request("question.answer", question_id=asked)
        host.request("mod.slow_mode", seconds=5)
        host.request("mod.followers_only", on=False)
        host.request("mod.mute", user_id=li.id, minutes=1)
        other.wait_frame(lambda f: f["type"] == "notice" and f["code"] == "muted")

        # a flash sale sells out; a cancel puts units back; it ends; another is called off before it starts
        sale = flash_sale(api, seller, show_id, scarf["id"], units=2)
        host.wait_event("flash.started")
        order = _ok(buy(api, wang, show_id, scarf["id"], quantity=2), 201)
        assert order["flash_sale_id"] == sale["id"]
        host.wait_event("product.sold_out")
        _ok(api.post(f"/api/v1/orders/{order['id']}/cancel", headers=wang.headers))
        host.wait_event("stock.changed")
        _ok(api.post(f"/api/v1/flash-sales/{sale['id']}/end", headers=seller.headers))
        later = flash_sale(api, seller, show_id, hat["id"], units=1, starts_at=soon(600))
        _ok(api.post(f"/api/v1/flash-sales/{later['id']}/end", headers=seller.headers))
        # bought and paid (a webhook event too: the server checks its payload), then refunded by a cancel
        paid = _ok(buy(api, li, show_id, hat["id"], pay_with="wallet"), 201)
        assert paid["status"] == "paid", paid
        _ok(api.post(f"/api/v1/orders/{paid['id']}/cancel", headers=li.headers))

        # a voucher of the shop pinned for the room, then taken down
        festival = make_festival(api, make_operator(api, db), [shop["id"]])
        code = _ok(api.post(f"/api/v1/festivals/{festival['id']}/vouchers", headers=seller.headers,
                            json={"code": unique("ROOM").replace("-", ""), "shop_id": shop["id"], "percent_off": 10}),
                   201)["code"]
        _ok(api.put(f"/api/v1/shows/{show_id}/voucher", headers=seller.headers, json={"code": code}))
        viewer.wait_event("voucher.pinned")
        assert api.delete(f"/api/v1/shows/{show_id}/voucher", headers=seller.headers).status_code == 204
        viewer.wait_event("voucher.unpinned")

        # an opening: a lot, its line (and each buyer's place, privately), an outcome, the close
        lot = make_lot(api, seller, show_id, quantity=3)
        first = _ok(buy_ticket(api, wang, lot["id"]), 201)
        _ok(buy_ticket(api, li, lot["id"]), 201)
        viewer.wait_frame(lambda f: f["type"] == "opening.place")
        _ok(open_ticket(api, seller, lot["id"], first["id"], pearl_count=4, colour="white", size_mm=7.5,
                        stream_offset_s=42))
        _ok(api.post(f"/api/v1/openings/{lot['id']}/close", headers=seller.headers, json={"unopened": "refund"}))
        host.wait_event("opening.closed")

        # video comes and goes; the show ends; another show is called off with a viewer waiting in it
        rtmp = _rtmp(app_server, api, seller, show_id)
        _ok(api.post(f"/api/v1/shows/{show_id}/end", headers=seller.headers))
        _ok(api.post(f"/api/v1/shows/{called_off}/cancel", headers=seller.headers))
        host.wait_event("show.ended")
        anonymous.wait_event("show.cancelled")
        host.wait_event("viewers")

        seen = set().union(*(_checked(room) for room in (host, viewer, other, anonymous)))

    expected = {t.name for t in ROOM_EVENTS if t.kind == "room"} | PRIVATE_FRAMES.names
    expected -= ELSEWHERE | (set() if rtmp else {"stream.state"})
    expected = {name for name in expected if not name.startswith(LIVE_FORMATS)}
    assert expected - seen == set()
    # A publisher that must not undo what it announces (a committed sale) logs a refused event instead.
    assert "UndeclaredEvent" not in app_server.log_path.read_text(errors="replace")
    if not rtmp:
        pytest.skip("nginx-rtmp is not installed: stream.state was not exercised")
