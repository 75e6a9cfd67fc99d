"""Scale-out over one real Redis: two app processes serve one show; an outage degrades to local delivery."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from livestall.events import Event
from tests.realtime.support import chat_events, recv_json, recv_until, wait_counts

NODE = Path(__file__).with_name("node.py")


def said(text):
    return lambda f: any(ev["data"].get("text") == text for ev in chat_events(f))


@pytest.fixture()
def two_nodes(rt_redis):
    """Two gateway processes sharing one Redis; yields their ports."""
    procs = [subprocess.Popen([sys.executable, str(NODE), rt_redis], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True) for _ in range(2)]
    try:
        ports = []
        for proc in procs:
            line = proc.stdout.readline().split()
            assert line and line[0] == "ready", line
            ports.append(int(line[1]))
        yield ports
    finally:
        for proc in procs:
            proc.stdin.close()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def url(port, show_id, user):
    return f"ws://127.0.0.1:{port}/ws/shows/{show_id}?user={user}"


def test_two_processes_share_one_show(two_nodes):
    a, b = two_nodes
    with connect(url(a, 1, "alice")) as alice, connect(url(b, 1, "bob")) as bob, \
            connect(url(b, 1, "carol")) as carol, connect(url(b, 2, "dave")) as dave:
        for ws in (alice, bob, carol, dave):
            assert recv_json(ws)["type"] == "snapshot"

        alice.send(json.dumps({"type": "say", "text": "hello from A"}))
        for ws in (alice, bob, carol):
            recv_until(ws, said("hello from A"))
        bob.send(json.dumps({"type": "say", "text": "hello from B"}))
        recv_until(alice, said("hello from B"))

        # Counts add up across both processes: 1 viewer on A and 2 on B.
        for ws in (alice, bob):
            counts = wait_counts(ws, lambda c: c["concurrent"] == 3)
            assert counts == {"concurrent": 3, "peak": 3, "unique": 3}

        # Private sends and bans reach sockets on the other process.
        alice.send(json.dumps({"type": "whisper", "user": "bob", "text": "psst"}))
        assert recv_until(bob, lambda f: f["type"] == "whisper")["text"] == "psst"
        alice.send(json.dumps({"type": "ban", "user": "carol"}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                carol.recv(timeout=5)
        assert closed.value.rcvd.code == 4403
        assert wait_counts(alice, lambda c: c["concurrent"] == 2) == {"concurrent": 2, "peak": 3, "unique": 3}

        # Show 2's viewer saw none of show 1's chat.
        dave.send(json.dumps({"type": "ping"}))
        frames = []
        while True:
            frames.append(recv_json(dave))
            if frames[-1]["type"] == "pong":
                break
        assert not any(chat_events(f) for f in frames)


def test_redis_outage_keeps_local_delivery_and_recovers(gateways, restartable_redis):
    one = gateways(redis_url=restartable_redis.url)
    two = gateways(redis_url=restartable_redis.url)
    with connect(one.url(1, "alice")) as alice, connect(two.url(1, "bob")) as bob:
        recv_json(alice), recv_json(bob)
        one.gateway.publish(Event(1, "chat.message", {"text": "before"}))
        recv_until(bob, said("before"))

        restartable_redis.kill()
        one.gateway.publish(Event(1, "chat.message", {"text": "during"}))
        recv_until(alice, said("during"))  # local viewers do not notice the outage

        restartable_redis.start()
        deadline = time.monotonic() + 20
        while not (one.gateway.broker.connected and two.gateway.broker.connected):
            assert time.monotonic() < deadline, "brokers did not reconnect"
            time.sleep(0.1)
        # Bob may have missed "during": he is told to resync, then the stream resumes.
        recv_until(bob, lambda f: f["type"] == "resync", timeout=10)
        one.gateway.publish(Event(1, "chat.message", {"text": "after"}))
        recv_until(bob, said("after"), timeout=10)
