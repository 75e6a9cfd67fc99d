"""TURN for viewers behind strict NATs: a seat carries coturn credentials that a real coturn accepts."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from livestall.media.turn import turn_servers
from tests.helpers import register
from tests.media.stage import TURN_SECRET, TURN_URL
from tests.media.test_janus import Publisher
from tests.services import IN_CI

pytestmark = pytest.mark.private_network

# Gather candidates through TURN only: a "relay" candidate appears only if coturn took the credentials.
RELAY_CANDIDATES = """async (iceServers) => {
  const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: "relay" });
  const found = [];
  pc.onicecandidate = (e) => { if (e.candidate) found.push(e.candidate.candidate); };
  pc.createDataChannel("probe");
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((done) => {
    pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && done();
    setTimeout(done, 8000);
  });
  pc.close();
  return found.filter((c) => c.includes(" typ relay"));
}"""


@pytest.fixture(scope="module")
def coturn(tmp_path_factory):
    """Debian's coturn in shared-secret mode on the private network's address, as docs/operations.md runs it."""
    binary = shutil.which("turnserver")
    if binary is None:
        if IN_CI:
            pytest.fail("coturn is not installed: scripts/install-system-deps.sh installs it")
        pytest.skip("coturn is not installed (apt-get install coturn)")
    folder = tmp_path_factory.mktemp("coturn")
    host, port = TURN_URL.removeprefix("turn:").split(":")
    process = subprocess.Popen([binary, "-n", f"--listening-ip={host}", f"--listening-port={port}",
                                f"--relay-ip={host}", "--min-port=49160", "--max-port=49300", "--use-auth-secret",
                                f"--static-auth-secret={TURN_SECRET}", "--realm=livestall.test", "--no-tls",
                                "--no-dtls", "--no-cli", f"--pidfile={folder / 'turn.pid'}",
                                f"--log-file={folder / 'turn.log'}", "--simple-log"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    assert process.poll() is None, (folder / "turn.log").read_text() if (folder / "turn.log").exists() else ""
    yield process
    process.terminate()
    process.wait(10)


def test_a_front_row_seat_carries_turn_credentials_that_coturn_accepts(sapi, stage_server, coturn, browser):
    publisher = Publisher(sapi, stage_server)
    try:
        seat = publisher.wait_seat(sapi)
        viewer = register(sapi)
        front = publisher.seat(sapi, viewer).json()
        [server] = front["ice_servers"]
        assert server["urls"] == [TURN_URL] and server["username"].endswith(f":{viewer.id}")
        expiry = int(server["username"].split(":")[0])
        assert time.time() < expiry <= time.time() + 91  # lives as long as the seat's Janus token
        page = browser.new_page()
        try:
            relays = page.evaluate(RELAY_CANDIDATES, [server])
            assert relays and all("10.77.0.1" in c for c in relays), relays
            forged = {**server, "credential": turn_servers(TURN_URL, "not-the-secret", viewer.id, 60)[0]["credential"]}
            assert page.evaluate(RELAY_CANDIDATES, [forged]) == []
            expired = turn_servers(TURN_URL, TURN_SECRET, viewer.id, -5)
            assert page.evaluate(RELAY_CANDIDATES, expired) == []
        finally:
            page.close()
        assert seat["ice_servers"][0]["username"].endswith(f":{publisher.host.id}")
    finally:
        publisher.stop()


def test_without_a_turn_server_set_seats_carry_none():
    assert turn_servers("", "secret", 1, 60) == [] and turn_servers("turn:a:3478", "", 1, 60) == []
    [server] = turn_servers(" turn:a:3478 , turns:a:5349 ", "s", 7, 60, now=1000)
    assert server["urls"] == ["turn:a:3478", "turns:a:5349"] and server["username"] == "1060:7"
