"""The pages a crowd opens at once (a show, discover), rendered once per key for anonymous visitors.

A key is everything such a page varies on for a visitor who is not logged in: the page, its path and
query string (the language form and the login link repeat them), the language, the currency and the
time zone. The one per-browser value on these pages, the CSRF token, is rendered as a slot and filled
in for each response; the Content-Security-Policy has no nonce, so the rest is the same bytes for all.
A rendered page lives `TTL_S` seconds. A show row that this process changes drops that show's pages and
discover's at the commit, so a show going live or ending is seen at once here, and within `TTL_S` on
other processes; so is any other change a page shows (a shop's name, the pins, an invitation answered).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from fastapi import Request
from prometheus_client import Counter
from starlette.responses import Response

from livestall.metrics import REGISTRY
from livestall.shows.written import watch_shows_written
from livestall.web.pages.common import Page, apply_cookies

TTL_S = 2.0
MAX_ENTRIES = 512  # a show page is 20-40 kB: about 15 MB at most
# Random per process, so that no page content can contain it by chance or on purpose.
TOKEN_SLOT = "csrf-slot-" + secrets.token_hex(16)

PAGE_CACHE = Counter("livestall_page_cache_total",
                     "Anonymous page requests: rendered, served from the cache, or given a render in progress",
                     ["page", "outcome"], registry=REGISTRY)

Render = Callable[[Page], Awaitable[Response]]


@dataclass(slots=True)
class _Entry:
    parts: list[bytes]  # the body, split where the token goes
    status: int
    headers: dict[str, str]
    expires: float
    show_id: int | None  # None: the page lists shows (discover), so any show's change drops it


class PageCache:
    """Rendered anonymous pages for `ttl_s` seconds, at most `max_entries`, one render per key at a time."""

    def __init__(self, ttl_s: float = TTL_S, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._flights: dict[tuple, asyncio.Future[_Entry]] = {}
        self._generation = 0
        watch_shows_written(self)

    async def serve(self, page: Page, name: str, render: Render, *, show_id: int | None = None) -> Response:
        """The page `name` for an anonymous `page`, from the cache or rendered by `render` (once per key)."""
        url = page.request.url
        key = (name, url.path, url.query, page.lang, page.currency, str(page.l10n.tz))
        entry = await self._entry(key, name, show_id, lambda: render(
            replace(page, csrf_token=TOKEN_SLOT, new_seed=None, cookies={})))
        response = Response(page.csrf_token.encode().join(entry.parts), status_code=entry.status,
                            headers=entry.headers)
        return apply_cookies(page, response)

    def shows_written(self, show_ids: set[int] | None) -> None:
        """Drop the pages of these shows (None: of every show) and every page that lists shows."""
        self._generation += 1  # a render under way read the old rows: it answers its requests, not later ones
        for key, entry in list(self._entries.items()):
            if show_ids is None or entry.show_id is None or entry.show_id in show_ids:
                self._entries.pop(key, None)

    async def _entry(self, key: tuple, name: str, show_id: int | None, render: Callable[[], Awaitable[Response]]
                     ) -> _Entry:
        while True:
            entry = self._entries.get(key)
            if entry is not None and entry.expires > time.monotonic():
                self._entries.move_to_end(key)
                PAGE_CACHE.labels(name, "hit").inc()
                return entry
            flight = self._flights.get(key)
            if flight is None:
                break
            try:
                entry = await asyncio.shield(flight)  # a waiter that goes away must not cancel the others' render
            except asyncio.CancelledError:
                if flight.cancelled():
                    continue  # the request rendering it went away: one of those waiting takes over
                raise
            PAGE_CACHE.labels(name, "shared").inc()
            return entry
        flight = self._flights[key] = asyncio.get_running_loop().create_future()
        generation = self._generation
        try:
            response = await render()
            entry = _Entry(response.body.split(TOKEN_SLOT.encode()), response.status_code,
                           {k: v for k, v in response.headers.items() if k not in ("content-length", "set-cookie")},
                           time.monotonic() + self.ttl_s, show_id)
        except asyncio.CancelledError:
            flight.cancel()
            raise
        except BaseException as exc:
            flight.set_exception(exc)  # those waiting get the same error page (a 404, say)
            flight.exception()  # retrieved: no "never retrieved" warning when nobody was waiting
            raise
        finally:
            self._flights.pop(key, None)
        PAGE_CACHE.labels(name, "render").inc()
        if generation == self._generation and entry.status == 200:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        flight.set_result(entry)
        return entry


def anonymous_pages(request: Request) -> PageCache:
    """The app's cache of anonymous pages (one per app, so that two apps in one process never share pages)."""
    state = request.app.state
    cache = getattr(state, "page_cache", None)
    if cache is None:
        cache = state.page_cache = PageCache()
    return cache
