"""A real WebSocket client of a show room, for tests: send frames, wait for events."""

from __future__ import annotations

import json
import time
from typing import Any, Callable

from websockets.sync.client import connect


class RoomClient:
    """One viewer's socket: the join snapshot, then events and private frames as they come."""

    def __init__(self, ws_base: str, show_id: int, token: str | None = None, *, expect_snapshot: bool = True,
                 origin: str | None = None, viewer: str | None = None, headers: dict[str, str] | None = None) -> None:
        headers = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
        query = f"?viewer={viewer}" if viewer else ""  # the per-browser id the room script sends
        self._connection = connect(f"{ws_base}/ws/shows/{show_id}{query}", additional_headers=headers, origin=origin,
                                   open_timeout=10, max_size=None)
        self.ws = self._connection.__enter__()
        self.show_id = show_id
        self.frames: list[dict] = []  # every frame received, batches included
        self._returned: set[int] = set()  # indexes of frames wait_frame already handed out
        self._next_id = 0
        self.snapshot: dict | None = None
        if expect_snapshot:
            self.snapshot = self.wait_frame(lambda f: f["type"] == "snapshot")["data"]

    def send(self, type: str, **fields: Any) -> int:
        """Send a frame with an id; returns the id, echoed as `ref` in the ack or error."""
        self._next_id += 1
        self.ws.send(json.dumps({"v": 1, "id": self._next_id, "type": type, **fields}))
        return self._next_id

    def send_raw(self, text: str) -> None:
        self.ws.send(text)

    def _read(self, timeout: float) -> dict | None:
        try:
            raw = self.ws.recv(timeout=timeout)
        except TimeoutError:
            return None
        frame = json.loads(raw)
        self.frames.append(frame)
        return frame

    def wait_frame(self, match: Callable[[dict], bool], timeout: float = 10.0) -> dict:
        """The first matching frame not handed out before (received already or within `timeout`)."""
        deadline = time.monotonic() + timeout
        while True:
            for index, frame in enumerate(self.frames):
                if index not in self._returned and match(frame):
                    self._returned.add(index)
                    return frame
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching frame in {timeout}s; got {self.frames[-5:]}")
            self._read(min(left, 0.5))

    def events(self) -> list[dict]:
        """Every room event received so far, flattened out of batches."""
        return [e for f in self.frames if f["type"] == "batch" for e in f["events"]]

    def wait_event(self, type: str, match: Callable[[dict], bool] = lambda d: True, timeout: float = 10.0) -> dict:
        """The data of the first event of `type` that matches, arriving within `timeout`."""
        deadline = time.monotonic() + timeout
        checked = 0
        while True:
            events = self.events()
            for event in events[checked:]:
                if event["type"] == type and match(event["data"]):
                    return event["data"]
            checked = len(events)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {type} event in {timeout}s; got {[e['type'] for e in events[-10:]]}")
            self._read(min(left, 0.5))

    def reply(self, ref: int, timeout: float = 10.0) -> dict:
        """The ack or error frame answering the frame with id `ref`."""
        return self.wait_frame(lambda f: f.get("ref") == ref and f["type"] in ("ack", "error"), timeout)

    def request(self, type: str, **fields: Any) -> dict:
        """Send a frame and wait for its ack or error."""
        return self.reply(self.send(type, **fields))

    def wait_closed(self, timeout: float = 10.0) -> tuple[int | None, str]:
        """Read until the server closes the socket; its close code and reason (frames read stay in `frames`)."""
        from websockets.exceptions import ConnectionClosed

        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self._read(max(0.01, min(deadline - time.monotonic(), 0.5)))
        except ConnectionClosed as closed:
            return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, "")
        raise TimeoutError(f"still open after {timeout}s; got {self.frames[-5:]}")

    def close(self) -> None:
        self._connection.__exit__(None, None, None)

    def __enter__(self) -> "RoomClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
