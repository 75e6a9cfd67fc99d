"""A crowd arriving at once: joiners get a snapshot and then every event, those inside miss nothing, the
snapshot is never older than what a joiner could have missed, and anonymous joins leave the database alone."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest
from sqlalchemy import event
from websockets.asyncio.client import connect

from livestall.db import make_engine, make_sessionmaker
from livestall.live.parts import room_parts
from livestall.live.room import LiveRoom
from livestall.live.serving import serve_rooms
from livestall.insights.recorder import SessionRecorder
from livestall.settings import Settings
from tests.appserver import AppProcess
from tests.helpers import make_product, register
from tests.orders.support import buy, flash_sale, live_shop, top_up
from tests.room_client import RoomClient
from tests.services import free_port


async def watch(url: str, seen: dict, stop: asyncio.Event) -> None:
    """One viewer: its snapshot's chat numbers, then the numbers of every chat event after it."""
    async with connect(url, open_timeout=30, max_size=None) as ws:
        first = json.loads(await ws.recv())
        assert first["type"] == "snapshot", first
        seen["snapshot"] = [int(m["text"].split()[1]) for m in first["data"]["messages"]]
        seen["events"] = []
        while not stop.is_set():
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 0.2))
            except TimeoutError:
                continue
            for ev in frame.get("events", ()):
                if ev["type"] == "chat.message":
                    seen["events"].append(int(ev["data"]["text"].split()[1]))


@pytest.fixture(scope="module")
def open_server(database_url, tmp_path_factory):
    """A second `livestall serve` on the same database where one address may open any number of anonymous
    sockets (the test's crowd all comes from 127.0.0.1)."""
    server = AppProcess(database_url=database_url, data_dir=tmp_path_factory.mktemp("crowd"),
                        env={"LIVESTALL_REALTIME_ANONYMOUS_PER_ADDRESS": "0"}).start()
    yield server
    server.stop()


def test_a_burst_of_joins_while_chat_flows_misses_nothing(api, open_server):
    world = live_shop(api)
    show_id = world["show"]["id"]
    url = f"{open_server.ws_base}/ws/shows/{show_id}"
    # Each person may send 5 messages in 10 s: sixteen of them write four each.
    senders = [RoomClient(open_server.ws_base, show_id, register(api).token) for _ in range(16)]
    total = 64

    def chat() -> None:  # 64 numbered messages over about 2 s, from sixteen people in turn
        for n in range(total):
            assert senders[n % 16].request("chat.send", text=f"m {n}")["type"] == "ack"
            time.sleep(0.03)

    async def crowd() -> list[dict]:
        stop = asyncio.Event()
        early = [{} for _ in range(10)]
        tasks = [asyncio.create_task(watch(url, seen, stop)) for seen in early]
        await asyncio.sleep(1.0)  # the early ones are in before the first message
        sender = threading.Thread(target=chat)
        sender.start()
        late = [{} for _ in range(150)]
        for seen in late:  # the crowd arrives while the messages flow
            tasks.append(asyncio.create_task(watch(url, seen, stop)))
            await asyncio.sleep(0.01)
        await asyncio.to_thread(sender.join)
        await asyncio.sleep(1.5)  # the last batches arrive
        stop.set()
        await asyncio.gather(*tasks)
        return early + late

    try:
        viewers = asyncio.run(crowd())
    finally:
        for client in senders:
            client.close()
    early, late = viewers[:10], viewers[10:]
    for seen in early:
        assert seen["snapshot"] == [] and seen["events"] == list(range(total))
    for seen in late:
        # The snapshot holds the latest messages, the events the rest: no gap, none twice among the events.
        assert len(seen["events"]) == len(set(seen["events"]))
        got = sorted(set(seen["snapshot"]) | set(seen["events"]))
        assert got == list(range(got[0], total)) if got else seen == {"snapshot": [], "events": []}
        assert not seen["snapshot"] or seen["snapshot"][0] == 0 or len(seen["snapshot"]) == 50
    assert sum(1 for seen in late if seen["snapshot"]) > 10  # many joined mid-stream, not all before or after


def test_the_snapshot_shows_a_pin_a_question_and_a_flash_sale_made_a_moment_earlier(api, app_server, database_url):
    world = live_shop(api, stock=20)
    show_id, seller = world["show"]["id"], world["seller"]
    RoomClient(app_server.ws_base, show_id).close()  # the room has built and kept its state
    scarf = make_product(api, seller, world["shop"]["id"], title="Silk scarf", stock=5)
    pinned = api.put(f"/api/v1/shows/{show_id}/pins", headers=seller.headers,
                     json={"product_ids": [world["product"]["id"], scarf["id"]]})
    assert pinned.status_code == 200
    newcomer = RoomClient(app_server.ws_base, show_id)
    assert [item["product_id"] for item in newcomer.snapshot["shelf"]] == [world["product"]["id"], scarf["id"]]

    asker = RoomClient(app_server.ws_base, show_id, register(api).token)
    assert asker.request("question.ask", text="Does the scarf come in red?")["type"] == "ack"
    asked = RoomClient(app_server.ws_base, show_id)
    assert [q["text"] for q in asked.snapshot["questions"]] == ["Does the scarf come in red?"]

    sale = flash_sale(api, seller, show_id, scarf["id"], units=3)
    buyer = register(api)
    top_up(api, database_url, buyer, 100_000)
    assert buy(api, buyer, show_id, scarf["id"]).status_code == 201
    second = RoomClient(app_server.ws_base, show_id)
    on_sale = [item for item in second.snapshot["shelf"] if item["product_id"] == scarf["id"]][0]
    assert on_sale["flash_sale"]["id"] == sale["id"] and on_sale["flash_sale"]["units_left"] == 2
    assert buy(api, buyer, show_id, world["product"]["id"]).status_code == 201
    third = RoomClient(app_server.ws_base, show_id)
    assert [item["stock"] for item in third.snapshot["shelf"] if item["product_id"] == world["product"]["id"]] == [19]
    for client in (newcomer, asker, asked, second, third):
        client.close()


def seed_live_show(api_url: str) -> tuple[int, str]:
    with httpx.Client(base_url=api_url, timeout=30) as client:
        world = live_shop(client)
    return world["show"]["id"], world["seller"].token


def _background_job() -> bool:
    """Whether a statement comes from a room part's own timer (due giveaways, the auction desk), not from a join."""
    task = asyncio.current_task()
    return task is not None and task.get_name() in ("room-giveaways", "room-likes", "auction-desk")


def test_anonymous_joins_touch_no_database(api, app_server, database_url, tmp_path):
    show_id, host_token = seed_live_show(app_server.url)
    settings = Settings(_env_file=None, database_url=database_url, data_dir=tmp_path, ws_port=free_port(), ws_host="127.0.0.1",
                        realtime_anonymous_per_address=0, rtmp_enabled=False)

    async def run() -> tuple[list[str], int, int]:
        engine = make_engine(database_url)
        statements: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *args: None if _background_job() else statements.append(statement))
        maker = make_sessionmaker(engine)
        room = LiveRoom(maker, settings, room_parts(sessionmaker=maker, settings=settings,
                                                    recorder=SessionRecorder(maker)))  # recorded, never flushed
        async with serve_rooms(room, settings, maker) as gateway:
            url = f"ws://127.0.0.1:{gateway.port}/ws/shows/{show_id}"
            async with connect(url) as first:
                assert json.loads(await first.recv())["type"] == "snapshot"
                built = len(statements)
                joined = []
                for _ in range(100):
                    ws = await connect(url)
                    frame = json.loads(await ws.recv())
                    assert frame["type"] == "snapshot" and frame["data"]["show"]["id"] == show_id
                    joined.append(ws)
                during = statements[built:]
                async with connect(url, additional_headers={"Authorization": f"Bearer {host_token}"}) as host:
                    you = json.loads(await host.recv())["data"]["you"]
                    assert you["host"] is True
                for ws in joined:
                    await ws.close()
        await engine.dispose()
        return during, built, room.snapshots.builds

    during, built, builds = asyncio.run(run())
    assert built > 0 and builds == 1  # one build served the first joiner and the hundred after
    assert during == []
