"""The room is assembled in live/ from the parts listed once in live/parts.py, and wired once in bootstrap.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from livestall.live.parts import frame_types, room_parts
from livestall.live.room import LiveRoom
from livestall.settings import Settings

SRC = Path(__file__).resolve().parents[2] / "src" / "livestall"
PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def test_every_documented_client_frame_is_handled_by_one_part_and_no_other():
    section = PROTOCOL.read_text().split("### Client frames", 1)[1].split("\n### ", 1)[0]
    documented = {name for row in section.splitlines() if row.startswith("| `")
                  for name in re.findall(r"`([a-z_.]+)`", row.split("|")[1])}
    handled = frame_types(Settings())
    assert len(handled) == len(set(handled))
    assert set(handled) == documented


def test_the_frames_a_crowd_taps_at_once_are_the_taps_the_gateway_is_told_of():
    """Bids, purchases, claims and entries: a storm of them makes fan-out yield (realtime/hub.py); chat does not."""
    room = LiveRoom(None, Settings(), room_parts(sessionmaker=None, settings=Settings(), recorder=None))
    assert set(room.tap_types) == {"bid", "buy", "claim_coupon", "enter_giveaway"}
    assert set(room.tap_types) <= set(room.frame_types)


def test_two_parts_claiming_one_frame_type_are_refused_at_assembly():
    class Echo:
        name = "echo"
        frames = {"chat.send": None}

    with pytest.raises(ValueError, match="chat.send"):
        LiveRoom(None, Settings(), [*room_parts(sessionmaker=None, settings=Settings(), recorder=None), Echo()])


def test_wiring_is_read_through_the_runtime_alone():
    """Only main.py and runtime.py touch app.state's wiring: services and routes get it passed or via RuntimeDep;
    no area adds itself to another's handler or replaces the publisher at startup."""
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        relative = path.relative_to(SRC).as_posix()
        for match in re.finditer(r"app\.state\.(\w+)", text):
            if match.group(1) != "settings" and relative not in ("main.py", "runtime.py"):
                offenders.append(f"{relative}: app.state.{match.group(1)}")
        if re.search(r"\.(state_providers|join_hooks|leave_hooks)\.append|state\.publish\s*=", text):
            offenders.append(f"{relative}: bolts onto the room or replaces the publisher")
    assert offenders == []
