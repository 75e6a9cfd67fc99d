"""Test kit for rooms: a RoomHandler, a gateway on its own loop thread, a raw socket client."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import threading
import time
from typing import Any

from livestall.errors import Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized
from livestall.events import Event
from livestall.realtime import BaseRoomHandler, Limits, RealtimeGateway
from livestall.settings import Settings

FRAME_TYPES = ("say", "boom", "limited", "ban", "whisper", "counts")


def room_settings(**overrides: Any) -> Settings:
    """Settings for a room test: fast presence, small buffers, known origins, no .env."""
    values: dict[str, Any] = dict(public_url="http://app.test:8000", ws_allowed_origins=["http://shop.test"],
                                  realtime_presence_interval_s=0.2, realtime_buffer_kb=16, redis_url=None)
    values.update(overrides)
    return Settings(_env_file=None, **values)


class RoomKit(BaseRoomHandler):
    """A small chat room: `?user=NAME` logs in, show 404 does not exist, banned users are refused."""

    def __init__(self) -> None:
        self.gateway: RealtimeGateway | None = None
        self.banned: set[str] = set()
        self.join_delay = 0.0
        self.left: list[str | None] = []

    async def authenticate(self, request):
        user = request.query.get("user") or request.cookies.get("user")
        if user == "bad":
            raise Unauthorized("bad token")
        return {"id": user} if user else None

    async def on_join(self, show_id, principal, conn):
        if show_id == 404:
            raise NotFound("no such show")
        name = principal["id"] if principal else None
        if name in self.banned:
            raise Forbidden("banned from this show")
        if name and name.startswith("slow"):
            # A tiny kernel send buffer, so that a viewer that stops reading fills up fast.
            conn.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        if self.join_delay:
            await asyncio.sleep(self.join_delay)
        return await self.snapshot(show_id, principal, conn)

    async def snapshot(self, show_id, principal, conn):
        return {"show": show_id, "user": principal["id"] if principal else None}

    async def on_frame(self, show_id, principal, frame, conn):
        kind = frame["type"]
        assert self.gateway is not None
        if kind == "say":
            if principal is None:
                raise Unauthorized("log in to chat")
            text = frame.get("text")
            if not isinstance(text, str) or len(text) > 200:
                raise Invalid.field("text", "max_length", "a string of at most 200 characters")
            self.gateway.publish(Event(show_id, "chat.message", {"user": principal["id"], "text": text}))
            return {"accepted": True}
        if kind == "boom":
            raise RuntimeError("kaboom")
        if kind == "limited":
            result = await self.gateway.rate_limiter.hit(f"chat:{show_id}:{principal['id']}", limit=2, window_s=30)
            if not result.allowed:
                raise TooManyRequests(f"slow down: retry in {result.retry_after_s:.0f}s")
            return None
        if kind == "ban":
            self.banned.add(frame["user"])
            self.gateway.disconnect_user(show_id, frame["user"])
            return None
        if kind == "whisper":
            self.gateway.send_to_user(show_id, frame["user"], "whisper", text=frame["text"])
            return None
        if kind == "counts":
            return self.gateway.viewer_counts(show_id).as_dict()
        return None

    async def on_leave(self, show_id, principal, conn):
        self.left.append(principal["id"] if principal else None)


class GatewayThread:
    """A RealtimeGateway serving on its own event loop in a background thread."""

    def __init__(self, settings: Settings | None = None, *, handler: RoomKit | None = None,
                 limits: Limits | None = None, redis_url: str | None = None) -> None:
        self.handler = handler or RoomKit()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.gateway = RealtimeGateway(self.handler, settings or room_settings(), host="127.0.0.1", port=0,
                                       limits=limits, redis_url=redis_url or "")
        self.gateway.register(*FRAME_TYPES)
        self.handler.gateway = self.gateway
        self.run(self.gateway.start())
        self.stopped = False

    def run(self, coro, timeout: float = 15.0) -> Any:
        """Run a coroutine on the gateway's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn, *args: Any, **kwargs: Any) -> Any:
        """Run a plain function on the gateway's loop (hub state is loop-owned)."""
        async def wrapper():
            return fn(*args, **kwargs)
        return self.run(wrapper())

    def url(self, show_id: int = 1, user: str | None = None) -> str:
        return f"ws://127.0.0.1:{self.gateway.port}/ws/shows/{show_id}" + (f"?user={user}" if user else "")

    def stop(self, drain: bool = False) -> None:
        if not self.stopped:
            self.stopped = True
            self.run(self.gateway.stop(drain=drain, timeout=3), timeout=30)

    def close(self) -> None:
        try:
            self.stop()
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
            self.loop.close()


def recv_json(ws, timeout: float = 5.0) -> dict[str, Any]:
    """The next frame of a websockets sync client, decoded."""
    return json.loads(ws.recv(timeout=timeout))


def recv_until(ws, predicate, timeout: float = 5.0) -> dict[str, Any]:
    """Skip frames until one matches `predicate` (e.g. past `viewers` batches)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = recv_json(ws, max(0.01, deadline - time.monotonic()))
        if predicate(frame):
            return frame


def chat_events(frame: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-`viewers` events of a batch frame."""
    if frame.get("type") != "batch":
        return []
    return [ev for ev in frame["events"] if ev["type"] != "viewers"]


def masked_text_frame(payload: dict[str, Any]) -> bytes:
    """A client's text frame (masked with a zero key, so the payload goes as is), to send many at once."""
    data = json.dumps(payload).encode()
    assert len(data) < 126
    return bytes((0x81, 0x80 | len(data))) + b"\0\0\0\0" + data


class RawClient:
    """A blocking, minimal WebSocket client over a plain socket, so that a test can stop reading."""

    def __init__(self, port: int, path: str, rcvbuf: int | None = None) -> None:
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                          f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                          .encode())
        self.buf = b""
        self.pings = 0  # keepalive pings read (and answered)
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(4096)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def frames(self, timeout: float) -> list[dict[str, Any]]:
        """Read and decode every text frame that arrives until `timeout` passes with nothing new."""
        out = []
        self.sock.settimeout(timeout)
        while True:
            while len(self.buf) >= 2:
                length, head = self.buf[1] & 0x7F, 2
                if length == 126:
                    length, head = int.from_bytes(self.buf[2:4], "big"), 4
                elif length == 127:
                    length, head = int.from_bytes(self.buf[2:10], "big"), 10
                if len(self.buf) < head + length:
                    break
                opcode, payload = self.buf[0] & 0x0F, self.buf[head:head + length]
                self.buf = self.buf[head + length:]
                if opcode == 1:
                    out.append(json.loads(payload))
                elif opcode == 9:  # answer pings (masked, zero key) so the server keeps us
                    self.pings += 1
                    self.sock.sendall(bytes((0x8A, 0x80 | len(payload))) + b"\0\0\0\0" + payload)
            try:
                data = self.sock.recv(1 << 20)
            except TimeoutError:
                return out
            if not data:
                return out
            self.buf += data

    def close(self) -> None:
        self.sock.close()


def wait_counts(ws, predicate, timeout: float = 15.0) -> dict[str, int]:
    """Ask for the viewer counts (a `counts` frame) until `predicate(counts)` holds."""
    deadline = time.monotonic() + timeout
    n = 0
    while True:
        n += 1
        ref = f"counts-{n}"
        ws.send(json.dumps({"type": "counts", "id": ref}))
        reply = recv_until(ws, lambda f, ref=ref: f["type"] in ("ack", "error") and f.get("ref") == ref, timeout)
        if reply["type"] == "ack" and predicate(reply["data"]):
            return reply["data"]
        assert time.monotonic() < deadline, f"counts never matched: last {reply}"
        time.sleep(0.5)  # well inside the per-connection frame budget
