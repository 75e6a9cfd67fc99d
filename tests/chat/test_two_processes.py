"""Two app processes, one PostgreSQL, one Redis: a show's room spans both."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
import pytest

from tests.appserver import AppProcess
from tests.helpers import make_product, make_shop, make_show, register
from tests.room_client import RoomClient
from tests.services import create_database


@pytest.fixture(scope="module")
def cluster(postgres_url, redis_url, tmp_path_factory):
    from livestall import migrate

    database_url = create_database(postgres_url, f"cluster_{uuid.uuid4().hex[:8]}")
    migrate.upgrade(database_url)
    env = {"LIVESTALL_REDIS_URL": redis_url, "LIVESTALL_REALTIME_PRESENCE_INTERVAL_S": "0.5"}
    nodes = [AppProcess(database_url=database_url, data_dir=tmp_path_factory.mktemp(f"node{i}"), env=env).start()
             for i in range(2)]
    yield nodes
    for node in nodes:
        node.stop()


def test_message_on_one_process_reaches_viewers_on_the_other(cluster):
    a, b = cluster
    with httpx.Client(base_url=a.url, timeout=30) as api:
        host = register(api, roles=["seller", "host"])
        show = make_show(api, host, make_shop(api, host)["id"])
        api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers)
        viewer = register(api)
    on_a = [RoomClient(a.ws_base, show["id"], viewer.token), RoomClient(a.ws_base, show["id"])]
    on_b = [RoomClient(b.ws_base, show["id"]) for _ in range(3)]
    try:
        assert on_a[0].request("chat.send", text="hola desde A")["type"] == "ack"
        for client in on_b:
            assert client.wait_event("chat.message")["text"] == "hola desde A"
        host_on_b = RoomClient(b.ws_base, show["id"], host.token)
        on_b.append(host_on_b)
        assert host_on_b.request("chat.send", text="hello from B")["type"] == "ack"
        assert on_a[1].wait_event("chat.message", lambda d: d["text"] == "hello from B")

        # 2 sockets on A and 4 on B (5 distinct viewers: the anonymous ones count one each)
        counts = on_a[1].wait_event("viewers", lambda d: d["concurrent"] == 6, timeout=10)
        assert counts["peak"] >= 6
        assert on_b[0].wait_event("viewers", lambda d: d["concurrent"] == 6, timeout=10)

        on_a[0].send("like", count=3)
        host_on_b.send("like", count=4)
        assert on_b[0].wait_event("likes", lambda d: d["total"] == 7, timeout=10)
        assert on_a[1].wait_event("likes", lambda d: d["total"] == 7, timeout=10)

        # A ban on B disconnects the viewer on A.
        assert host_on_b.request("mod.ban", user_id=viewer.id)["type"] == "ack"
        closed = on_a[0].wait_frame(lambda f: f["type"] == "error" and f["code"] == "forbidden", timeout=10)
        assert "banned" in closed["message"]
    finally:
        for client in on_a + on_b:
            client.close()


def test_one_browser_on_both_processes_is_one_viewer_and_a_logout_on_one_closes_the_other(cluster):
    a, b = cluster
    with httpx.Client(base_url=a.url, timeout=30) as api:
        host = register(api, roles=["seller", "host"])
        show = make_show(api, host, make_shop(api, host)["id"])
        api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers)
        viewer = register(api)
    browser = "9d2e4f6a8c0b1d3e5f7a9c2e4b6d8f0a"
    opened = [RoomClient(a.ws_base, show["id"], viewer=browser), RoomClient(b.ws_base, show["id"], viewer=browser),
              RoomClient(a.ws_base, show["id"], viewer.token), RoomClient(b.ws_base, show["id"], viewer.token)]
    on_b = opened[3]
    try:
        for client in opened[:2]:  # one browser and one user, each with a socket on both processes
            assert client.wait_event("viewers", lambda d: d["concurrent"] == 2 and d["unique"] == 2)
        assert on_b.request("chat.send", text="hello from B")["type"] == "ack"
        with httpx.Client(base_url=a.url, timeout=30) as api:
            assert api.post("/api/v1/auth/logout", headers=viewer.headers).status_code == 204
        assert on_b.wait_closed() == (4401, "session_ended")
        assert next(f for f in on_b.frames if f["type"] == "notice")["code"] == "session_ended"
        assert opened[2].wait_closed() == (4401, "session_ended")
        # after the logout, one viewer left and the peak kept (the counts before the second join also read 1)
        assert opened[1].wait_event("viewers", lambda d: d["concurrent"] == 1 and d["peak"] == 2)
    finally:
        for client in opened:
            client.close()


def test_a_tap_on_one_process_and_its_retry_on_the_other_make_one_order(cluster):
    from tests.helpers import make_product
    from tests.orders.support import ADDRESS

    a, b = cluster
    with httpx.Client(base_url=a.url, timeout=30) as api:
        host = register(api, roles=["seller", "host"])
        shop = make_shop(api, host)
        product = make_product(api, host, shop["id"], stock=5)
        show = make_show(api, host, shop["id"])
        api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers)
        watcher = RoomClient(b.ws_base, show["id"])  # B keeps the room's state from here on
        assert api.put(f"/api/v1/shows/{show['id']}/pins", headers=host.headers,
                       json={"product_ids": [product["id"]]}).status_code == 200
        buyer = register(api)
    frame = {"product_id": product["id"], "quantity": 1, "shipping": ADDRESS, "key": "one-tap"}
    try:
        assert watcher.wait_event("pin.changed")["items"][0]["product_id"] == product["id"]
        with RoomClient(a.ws_base, show["id"], buyer.token) as on_a:
            first = on_a.request("buy", **frame)
        assert first["type"] == "ack", first
        assert watcher.wait_event("sale.made")["units_left"] == 4  # the sale on A reaches B's viewers
        newcomer = RoomClient(b.ws_base, show["id"], buyer.token)  # a pin and a sale made on A, seen joining B
        assert [item["stock"] for item in newcomer.snapshot["shelf"]] == [4]
        retry = newcomer.request("buy", **frame)
        assert retry["data"] == {"order": first["data"]["order"], "replayed": True}
        newcomer.close()
    finally:
        watcher.close()


def test_a_logout_on_one_process_refuses_the_token_on_the_other_within_a_second(cluster):
    import time

    from tests.helpers import make_product
    from tests.orders.support import buy

    a, b = cluster
    with httpx.Client(base_url=a.url, timeout=30) as on_a, httpx.Client(base_url=b.url, timeout=30) as on_b:
        host = register(on_a, roles=["seller", "host"])
        shop = make_shop(on_a, host)
        product = make_product(on_a, host, shop["id"], stock=10)
        show = make_show(on_a, host, shop["id"])
        on_a.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers)
        on_a.put(f"/api/v1/shows/{show['id']}/pins", headers=host.headers, json={"product_ids": [product["id"]]})
        buyer = register(on_a)
        assert buy(on_b, buyer, show["id"], product["id"]).status_code == 201  # B knows the token now
        assert on_a.post("/api/v1/auth/logout", headers=buyer.headers).status_code == 204
        logged_out = time.monotonic()
        while buy(on_b, buyer, show["id"], product["id"]).status_code != 401:
            assert time.monotonic() - logged_out < 1.0, "B still took the token a second after the logout on A"
            time.sleep(0.05)


def test_a_profile_changed_on_one_process_shows_on_the_other_within_a_second(cluster):
    import time

    a, b = cluster
    with httpx.Client(base_url=a.url, timeout=30) as on_a, httpx.Client(base_url=b.url, timeout=30) as on_b:
        viewer = register(on_a)
        assert on_b.get("/api/v1/me", headers=viewer.headers).json()["language"] == "en"  # B knows the token now
        changed = on_a.patch("/api/v1/me", headers=viewer.headers, json={"language": "es", "display_name": "Lucía"})
        assert changed.status_code == 200
        assert on_a.get("/api/v1/me", headers=viewer.headers).json()["language"] == "es"
        changed_at = time.monotonic()
        while (me := on_b.get("/api/v1/me", headers=viewer.headers).json())["language"] != "es":
            assert time.monotonic() - changed_at < 1.0, "B still showed the old profile a second after the change"
            time.sleep(0.05)
        assert me["display_name"] == "Lucía"


def test_a_pin_reaches_the_other_process_with_its_moment_on_camera(cluster):
    a, b = cluster
    with httpx.Client(base_url=a.url, timeout=30) as api:
        host = register(api, roles=["seller", "host"])
        shop = make_shop(api, host)
        show = make_show(api, host, shop["id"])
        api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers)
        product = make_product(api, host, shop["id"])
        with RoomClient(b.ws_base, show["id"]) as on_b:
            shelf = api.post(f"/api/v1/shows/{show['id']}/pins", headers=host.headers,
                             json={"product_id": product["id"]}).json()
            on_b.wait_event("pin.changed")
            event = next(e for e in on_b.events() if e["type"] == "pin.changed")
    pinned_at = datetime.fromisoformat(shelf["items"][0]["pinned_at"]).timestamp()
    assert event["at"] == round(pinned_at * 1000)
