"""The stage's server for the WebRTC tests: the app with nginx-rtmp and Janus, inside scripts/private-network."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.media.support import have_media_tools, start_media_app
from tests.services import in_private_network

# coturn for viewers behind strict NATs, as tests/media/test_turn.py runs it inside the private network.
TURN_URL, TURN_SECRET = "turn:10.77.0.1:3478", "stage-turn-secret"


def janus_missing() -> str | None:
    """Why Janus cannot run here (a failure under CI, where install-system-deps.sh installs it)."""
    if shutil.which("janus") and Path("/usr/lib/x86_64-linux-gnu/janus/plugins/libjanus_streaming.so").exists():
        return None
    if os.environ.get("CI") == "true":
        pytest.fail("Janus is not installed: scripts/install-system-deps.sh installs it")
    return "janus is not installed (apt-get install janus)"


@pytest.fixture(scope="module")
def stage_server(database_url, tmp_path_factory):
    """The app with nginx-rtmp and Janus; a front row of one and two audience seats per show."""
    missing = have_media_tools() or janus_missing()
    if missing:
        pytest.skip(missing)
    # Janus never gathers ICE candidates on loopback: only the namespace's veth keeps the media on this machine.
    assert in_private_network(), "WebRTC tests run inside scripts/private-network (make test-webrtc)"
    env = {"LIVESTALL_WEBRTC_FRONT_ROW": "1", "LIVESTALL_WEBRTC_SHOW_CAP": "2",
           "LIVESTALL_JANUS_ICE_ENFORCE_LIST": "ls0",
           "LIVESTALL_WEBRTC_TURN_URLS": TURN_URL, "LIVESTALL_WEBRTC_TURN_SECRET": TURN_SECRET}
    server = start_media_app(database_url, Path(tmp_path_factory.mktemp("stage")), env, janus=True)
    yield server
    server.stop()


@pytest.fixture()
def sapi(stage_server):
    with httpx.Client(base_url=stage_server.url, timeout=30) as client:
        yield client
