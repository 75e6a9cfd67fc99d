"""Who counts as one viewer: the one rule behind the room's live counter, the insights figures and the scorecards."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime

from livestall.errors import Invalid

# A logged-in user is one viewer however many sockets they open. An anonymous viewer is the
# browser they watch from, named by the random id the room script keeps in the browser and
# sends as `?viewer=`. A client that sends no id is one viewer per socket; the per-address cap
# on anonymous sockets (admission.py) bounds what that can add.
BROWSER_PREFIX = "b:"
SOCKET_PREFIX = "anon:"
BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{16,48}")


def browser_id(value: str | None) -> str | None:
    """The checked per-browser id a room socket was opened with (`?viewer=`), or None."""
    if value is None or value == "":
        return None
    if not BROWSER_ID.fullmatch(value):
        raise Invalid.field("viewer", "format", "must be 16 to 48 letters, digits, '-' or '_'")
    return value


def viewer_key(*, user_id: str | None, browser: str | None, node_id: str, conn_id: int) -> str:
    """The key one viewer is counted under: the user's id, else the browser's id, else this very socket."""
    if user_id is not None:
        return user_id  # a bare id, as stored since the first release: the host is excluded by it
    if browser is not None:
        return BROWSER_PREFIX + browser
    return f"{SOCKET_PREFIX}{node_id}:{conn_id}"


class Audience:
    """Distinct viewers among open sockets (or stays): a viewer counts from their first open one to their last."""

    __slots__ = ("_open",)

    def __init__(self) -> None:
        self._open: dict[str, int] = {}

    def join(self, key: str) -> bool:
        """One more socket of `key`; True when it is the viewer's first (the count went up)."""
        n = self._open.get(key, 0)
        self._open[key] = n + 1
        return n == 0

    def leave(self, key: str) -> bool:
        """One socket of `key` fewer; True when it was the viewer's last (the count went down)."""
        n = self._open.get(key, 0)
        if n > 1:
            self._open[key] = n - 1
            return False
        self._open.pop(key, None)
        return n == 1

    def __len__(self) -> int:
        return len(self._open)

    def __iter__(self) -> Iterator[str]:
        return iter(self._open)

    def __contains__(self, key: object) -> bool:
        return key in self._open


def sweep(stays: Iterable[tuple[str, datetime, datetime]]) -> Iterator[tuple[datetime, int, int]]:
    """(moment, distinct viewers just before, distinct viewers after) at each join or leave of the stays.

    A leave and a join at the same instant are applied leave first, so that a viewer who
    reconnects makes no false peak.
    """
    events = []
    for key, start, end in stays:
        events.append((start, 1, key))
        events.append((end, -1, key))
    events.sort(key=lambda e: (e[0], e[1]))
    audience = Audience()
    for at, delta, key in events:
        before = len(audience)
        if delta > 0:
            audience.join(key)
        else:
            audience.leave(key)
        yield at, before, len(audience)
