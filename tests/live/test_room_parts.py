"""The room is assembled in live/ from the parts listed once in live/parts.py, and wired once in bootstrap.py."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from livestall.live.parts import frame_types, room_parts
from livestall.live.room import LiveRoom
from livestall.realtime import RealtimeGateway
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


def test_the_auction_desks_ticks_go_between_the_chunks_of_the_rooms_frames():
    """Served by a gateway, the desk's transactions are the ones its fan-out lets finish (realtime/precedence.py)."""
    async def served() -> tuple:
        engine = create_async_engine("sqlite+aiosqlite://")
        room = LiveRoom(async_sessionmaker(engine), Settings(),
                        room_parts(sessionmaker=async_sessionmaker(engine), settings=Settings(), recorder=None))
        gateway = RealtimeGateway(room, Settings(), host="127.0.0.1", port=0)
        room.serve_with(gateway)
        try:
            desk = next(part for part in room.parts if part.name == "auctions").desk
            return desk.precedence, gateway.hub.precedence
        finally:
            await room.stop()
            await engine.dispose()

    desks, fan_outs = asyncio.run(served())
    assert desks is fan_outs


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
