"""Room fixtures for chat tests."""

from __future__ import annotations

import pytest

from tests.room_client import RoomClient


@pytest.fixture()
def room(app_server):
    """Open room clients that are closed after the test."""
    opened: list[RoomClient] = []

    def open_(show_id: int, actor=None, **kw) -> RoomClient:
        client = RoomClient(app_server.ws_base, show_id, actor.token if actor else None, **kw)
        opened.append(client)
        return client

    yield open_
    for client in opened:
        try:
            client.close()
        except Exception:
            pass
