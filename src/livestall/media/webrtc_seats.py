"""Who sits on the sub-second stage: the show's staff, a front row of first viewers and buyers, under caps."""

from __future__ import annotations

import time
from dataclasses import dataclass

STAFF = ("host", "moderator")


@dataclass
class Seat:
    """One viewer's place on a show's WebRTC tier, held while they keep renewing it."""

    kind: str  # "host", "moderator", "front_row" or "buyer"
    expires: float


class SeatRefused(Exception):
    """No seat: `reason` is one of front_row_full, show_full, machine_full."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


class Seats:
    """Seats per show on this machine (Janus runs per ingest machine, so the caps are per machine too)."""

    def __init__(self, *, front_row: int, show_cap: int, machine_cap: int, ttl_s: float) -> None:
        self.front_row, self.show_cap, self.machine_cap, self.ttl_s = front_row, show_cap, machine_cap, ttl_s
        self.shows: dict[int, dict[int, Seat]] = {}

    def _live(self, show_id: int, now: float) -> dict[int, Seat]:
        seats = self.shows.setdefault(show_id, {})
        for user_id in [u for u, seat in seats.items() if seat.expires <= now]:
            del seats[user_id]  # a viewer who stopped renewing has gone: the seat is free again
        return seats

    def taken(self, now: float | None = None) -> int:
        """Audience seats (not staff) in use on this machine."""
        now = time.monotonic() if now is None else now
        return sum(1 for show_id in list(self.shows) for seat in self._live(show_id, now).values()
                   if seat.kind not in STAFF)

    def take(self, show_id: int, user_id: int, *, role: str | None, intent: bool, now: float | None = None) -> Seat:
        """Give (or renew) a seat: staff always; else the front row, then buyers, up to the caps."""
        now = time.monotonic() if now is None else now
        seats = self._live(show_id, now)
        held = seats.get(user_id)
        if role in STAFF:
            kind = role
        elif held is not None and (held.kind != "front_row" or not intent):
            kind = held.kind
        else:
            kind = self._audience_kind(seats, held, intent, now)
        seat = Seat(kind=kind, expires=now + self.ttl_s)
        seats[user_id] = seat
        return seat

    def _audience_kind(self, seats: dict[int, Seat], held: Seat | None, intent: bool, now: float) -> str:
        if held is not None:  # a front-row viewer who now wants to buy keeps the seat they have
            return held.kind
        audience = [s for s in seats.values() if s.kind not in STAFF]
        if self.taken(now) >= self.machine_cap:
            raise SeatRefused("machine_full", "this server's sub-second stage is full")
        if len(audience) >= self.show_cap:
            raise SeatRefused("show_full", "the show's sub-second stage is full")
        if sum(1 for s in audience if s.kind == "front_row") < self.front_row:
            return "front_row"
        if intent:
            return "buyer"
        raise SeatRefused("front_row_full", "the front row is full; it opens to buyers")

    def held(self, show_id: int, now: float | None = None) -> int:
        """Seats of the show still being renewed (staff included)."""
        return len(self._live(show_id, time.monotonic() if now is None else now))

    def leave(self, show_id: int, user_id: int) -> None:
        self.shows.get(show_id, {}).pop(user_id, None)

    def clear(self, show_id: int) -> None:
        """The stream stopped: everyone goes back to HLS."""
        self.shows.pop(show_id, None)
