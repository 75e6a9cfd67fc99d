"""The versioned JSON frame envelope of the live-room WebSocket (v=1), and its wire framing."""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Container, Iterable
from typing import Any

VERSION = 1
MAX_CLIENT_FRAME_BYTES = 4096

# Client frame types the gateway answers itself; domain handlers register the rest.
BUILTIN_CLIENT_TYPES = frozenset({"ping", "sync"})

# Protocol-level error codes (domain errors use their DomainError.slug).
MALFORMED = "malformed"
TOO_LARGE = "frame-too-large"
UNKNOWN_TYPE = "unknown-type"
BAD_VERSION = "unsupported-version"
RATE_LIMITED = "rate-limited"
INTERNAL = "internal"
SESSION_ENDED = "session_ended"  # the notice code and close reason (4401) when a user's login ends

# Compact separators and raw UTF-8: these bytes go to every viewer, so every byte counts.
# No NaN: browsers' JSON.parse rejects it. Dates and decimals go out as strings.
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)


class FrameError(Exception):
    """A client frame the server refuses; becomes an `error` frame, the connection stays open."""

    def __init__(self, code: str, message: str, field: str | None = None, ref: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field, self.ref = code, message, field, ref


def encode(frame: dict[str, Any]) -> bytes:
    """The UTF-8 JSON of a server frame, with the protocol version added."""
    return _encoder.encode({"v": VERSION, **frame}).encode()


def batch(show_id: int, seq: int, events: Iterable[tuple[str, Any, int | None]]) -> bytes:
    """A `batch` frame: the events of one tick for one show, in publish order; `at` where the host did it on camera."""
    items = [{"type": t, "data": d} if at is None else {"type": t, "data": d, "at": at} for t, d, at in events]
    try:
        return encode({"type": "batch", "show_id": show_id, "seq": seq, "events": items})
    except (TypeError, ValueError):
        # One event with unencodable data must not sink the whole tick: drop only it.
        kept = []
        for item in items:
            try:
                _encoder.encode(item)
                kept.append(item)
            except (TypeError, ValueError):
                pass
        return encode({"type": "batch", "show_id": show_id, "seq": seq, "events": kept})


class EncodedState:
    """A snapshot's data encoded once and shared by every joiner who sees the same state.

    `head` is a whole `snapshot` frame except its end: the data object is left open, so that each
    joiner's viewer counts are added without decoding or encoding the rest again."""

    __slots__ = ("head",)

    def __init__(self, show_id: int, data: dict[str, Any]) -> None:
        whole = encode({"type": "snapshot", "show_id": show_id, "data": {**data, "viewers": None}})
        tail = b',"viewers":null}}'
        assert whole.endswith(tail)  # "data" is the frame's last key and "viewers" the data's
        self.head = whole[: -len(tail)]


def snapshot(show_id: int, data: dict[str, Any] | EncodedState | None, viewers: dict[str, Any]) -> bytes:
    """A `snapshot` frame: the room's state with the viewer counts and the server's clock, sent on join and `sync`."""
    # The clock (epoch ms) lets a client show countdowns in server time, whatever its own clock says.
    now = round(time.time() * 1000)
    if isinstance(data, EncodedState):
        return b"%s,\"viewers\":%s,\"server_time\":%d}}" % (data.head, _encoder.encode(viewers).encode(), now)
    return encode({"type": "snapshot", "show_id": show_id,
                   "data": {**(data or {}), "viewers": viewers, "server_time": now}})


def error(code: str, message: str, field: str | None = None, ref: Any = None, rule: str | None = None) -> bytes:
    """An `error` frame; `ref` echoes the client frame's `id` when it had one; `rule` names the broken rule."""
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if field is not None:
        frame["field"] = field
    if rule is not None:
        frame["rule"] = rule
    if ref is not None:
        frame["ref"] = ref
    return encode(frame)


def resync(show_id: int, reason: str = "dropped") -> bytes:
    """A `resync` frame: frames were dropped for this client; it must re-fetch state."""
    return encode({"type": "resync", "show_id": show_id, "reason": reason})


def reconnect(retry_after_ms: int) -> bytes:
    """A `reconnect` frame: this server is going away; connect again after the delay."""
    return encode({"type": "reconnect", "retry_after_ms": retry_after_ms})


def broker_notice(up: bool) -> bytes:
    """The `notice` a room gets when the cross-process broker is lost (`chat_degraded`) or back (`chat_restored`)."""
    if up:
        return encode({"type": "notice", "code": "chat_restored", "message": "Chat is back to normal."})
    return encode({"type": "notice", "code": "chat_degraded",
                   "message": "Chat is having trouble: some messages may be late or missing. Reconnecting…"})


def session_ended(reason: str, message: str) -> bytes:
    """The `notice` a socket gets before it closes with 4401 `session_ended`: its user logged out, changed
    password or lost a role (`reason`)."""
    return encode({"type": "notice", "code": SESSION_ENDED, "reason": reason, "message": message})


def ws_text_frame(payload: bytes) -> bytes:
    """One unmasked, unfragmented WebSocket text frame (RFC 6455 §5.2) around `payload`."""
    # Server frames are never masked, so the wire bytes are the same for every socket:
    # build them once per tick and hand the same object to every transport.
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x81, 126, n) + payload
    return struct.pack("!BBQ", 0x81, 127, n) + payload


def parse_client_frame(raw: str | bytes, known: Container[str]) -> dict[str, Any]:
    """Validate one client message into a frame dict, or raise FrameError."""
    # A str has at most 4 UTF-8 bytes per character: skip the encode when it cannot matter.
    size = len(raw) if isinstance(raw, bytes) or len(raw) * 4 <= MAX_CLIENT_FRAME_BYTES else len(raw.encode())
    if size > MAX_CLIENT_FRAME_BYTES:
        raise FrameError(TOO_LARGE, f"frame is {size} bytes; the limit is {MAX_CLIENT_FRAME_BYTES}")
    try:
        frame = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise FrameError(MALFORMED, "frame is not valid JSON") from None
    if not isinstance(frame, dict):
        raise FrameError(MALFORMED, "frame must be a JSON object")
    ref = frame.get("id")
    if not isinstance(ref, (str, int)) or isinstance(ref, bool):
        ref = None
    version = frame.get("v", VERSION)
    if version != VERSION:
        raise FrameError(BAD_VERSION, f"protocol version must be {VERSION}", "v", ref)
    kind = frame.get("type")
    if not isinstance(kind, str) or not kind:
        raise FrameError("invalid", "type: required, a non-empty string", "type", ref)
    if kind not in known and kind not in BUILTIN_CLIENT_TYPES:
        raise FrameError(UNKNOWN_TYPE, f"unknown frame type {kind[:64]!r}", "type", ref)
    return frame
