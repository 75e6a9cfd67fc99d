"""The show's room behind the realtime gateway: who is joining, the join snapshot, and the frame table."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.accounts.models import User
from livestall.accounts.token_cache import TokenCache
from livestall.accounts.tokens import token_from
from livestall.live.show_reads import ShowReads
from livestall.errors import NotFound, Unauthorized
from livestall.events import Event
from livestall.live.part import FrameContext, Principal
from livestall.live.snapshots import MISSING, SharedSnapshots
from livestall.realtime import BaseRoomHandler, ConnectRequest, RoomConnection
from livestall.realtime.protocol import EncodedState
from livestall.settings import Settings
from livestall.shows.models import Show
from livestall.shows.service import is_moderator

log = logging.getLogger("livestall.live")

# Logged-in joins read the database (their token, bans, their own places); at most this many at once,
# in arrival order, so that a crowd arriving together leaves connections for everything else.
LOGGED_IN_JOINS_AT_ONCE = 4


def _merge(shared: dict[str, Any], personal: dict[str, Any]) -> dict[str, Any]:
    """The shared state with a viewer's own pieces laid over it, one level deep, without changing it."""
    state = dict(shared)
    for key, value in personal.items():
        state[key] = {**state[key], **value} if isinstance(value, dict) and isinstance(state.get(key), dict) else value
    return state


class LiveRoom(BaseRoomHandler):
    """A show's room, assembled from the parts the areas contribute (listed once in live/parts.py)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings,
                 parts: Sequence[Any], tokens: TokenCache | None = None, reads: ShowReads | None = None) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.tokens = tokens or TokenCache()
        self.reads = reads or ShowReads()
        self.parts = list(parts)
        self.gateway: Any = None  # the realtime gateway, attached by `serve_with`
        self.frames: dict[str, Callable] = {}
        self.private: dict[str, Callable] = {}
        for part in self.parts:
            for table, into in ((getattr(part, "frames", {}), self.frames), (getattr(part, "private", {}), self.private)):
                for kind, handler in table.items():
                    if kind in into:
                        raise ValueError(f"room part {part.name!r}: {kind!r} is handled twice")
                    into[kind] = handler
        self._joined = [part.joined for part in self.parts if hasattr(part, "joined")]
        self._left = [part.left for part in self.parts if hasattr(part, "left")]
        keeps: dict[str, Callable] = {}
        for part in self.parts:
            keeps.update(getattr(part, "keeps", {}))
        self.snapshots = SharedSnapshots(self._shared_state, keeps)
        self._logged_in_joins = asyncio.Semaphore(LOGGED_IN_JOINS_AT_ONCE)

    @property
    def frame_types(self) -> tuple[str, ...]:
        """Every client frame type the room accepts."""
        return tuple(self.frames)

    @property
    def tap_types(self) -> tuple[str, ...]:
        """The frame types the parts call taps: answered to their sender alone (a bid, a purchase, a claim)."""
        return tuple(kind for part in self.parts for kind in getattr(part, "taps", ()))

    # -- lifecycle ----------------------------------------------------------------------------

    def serve_with(self, gateway: Any) -> None:
        """Attach the gateway that carries this room, tell it the frame types, and start the parts' work."""
        self.gateway = gateway
        gateway.register(*self.frame_types, taps=self.tap_types)
        for part in self.parts:
            if hasattr(part, "attach"):
                part.attach(gateway)
            if hasattr(part, "start"):
                part.start()

    async def stop(self) -> None:
        """Stop the parts' background work, last started first."""
        for part in reversed(self.parts):
            if hasattr(part, "stop"):
                await part.stop()

    def publish(self, event: Event) -> None:
        """Publish an event: to single viewers when a part routes its type privately, else to the room."""
        route = self.private.get(event.type)
        if route is not None:
            route(event, self.gateway.send_to_user)
        elif self.gateway is not None:
            self.gateway.publish(event)

    # -- RoomHandler --------------------------------------------------------------------------

    async def authenticate(self, request: ConnectRequest) -> Principal | None:
        token = token_from(request.headers.get("Authorization"), request.query.get("token"),
                           request.cookies.get(self.settings.session_cookie))
        if not token:
            return None
        try:
            async with self._logged_in_joins:
                known = await self.tokens.known(self.sessionmaker, token)
        except Unauthorized:
            raise Unauthorized("the login token is not valid; log in again or join without it") from None
        return Principal(known.user_id, known.name, known.currency)

    async def on_join(self, show_id: int, principal: Principal | None,
                      conn: RoomConnection) -> dict[str, Any] | EncodedState:
        state = await self._state(show_id, principal)
        for hook in self._joined:
            hook(show_id, conn)
        return state

    async def on_leave(self, show_id: int, principal: Principal | None, conn: RoomConnection) -> None:
        for hook in self._left:
            hook(show_id, conn)

    async def snapshot(self, show_id: int, principal: Principal | None,
                       conn: RoomConnection) -> dict[str, Any] | EncodedState:
        return await self._state(show_id, principal)

    def on_event(self, event: Event) -> None:
        if event.type != "viewers":  # not part of the kept state: the counts are added per joiner
            self.snapshots.heard(event)
        self.reads.heard(event)  # from any process: the shelf kept here may be out of date

    def on_room_closed(self, show_id: int) -> None:
        self.snapshots.forget(show_id)

    def on_session_end(self, user_id: str) -> None:
        self.tokens.forget_user(user_id)

    def on_user_changed(self, user_id: str) -> None:
        self.tokens.forget_user(user_id)  # the cached profile and name are stale

    async def on_frame(self, show_id: int, principal: Principal | None, frame: dict[str, Any],
                       conn: RoomConnection) -> dict[str, Any] | None:
        if principal is None:
            raise Unauthorized("log in to take part in the chat")
        handler = self.frames[frame["type"]]  # the gateway lets through only the registered types
        return await handler(FrameContext(show_id, principal, frame, conn, self.sessionmaker, self.settings,
                                          self.gateway))

    # -- the snapshot -------------------------------------------------------------------------

    async def _state(self, show_id: int, principal: Principal | None) -> dict[str, Any] | EncodedState:
        """The join state: the shared one as it is for an anonymous viewer (no database), with a logged-in
        viewer's own pieces laid over it."""
        kept = await self.snapshots.get(show_id)
        if kept.missing:
            raise NotFound(f"no show {show_id}")
        if principal is None:
            return kept.encoded()
        shared = kept.state
        async with self._logged_in_joins, self.sessionmaker() as session:
            show = await session.get(Show, show_id)
            if show is None:
                raise NotFound(f"no show {show_id}")
            for part in self.parts:
                if hasattr(part, "admit"):
                    await part.admit(session, show, principal)
            user = await session.get(User, principal.id)
            personal: dict[str, Any] = {"you": {
                "id": principal.id, "name": principal.name, "currency": principal.currency,
                "moderator": await is_moderator(session=session, show=show, user=user),
                "host": principal.id == show.host_id}}
            for part in self.parts:
                if hasattr(part, "personal"):
                    personal.update(await part.personal(session, show, principal))
        return _merge(shared, personal)

    async def _shared_state(self, show_id: int) -> Any:
        """The room as an anonymous viewer sees it, read in one session; MISSING for no (or a cancelled) show."""
        async with self.sessionmaker() as session:
            show = await session.get(Show, show_id)
            if show is None or show.status == "cancelled":
                return MISSING
            state: dict[str, Any] = {
                "show": {"id": show.id, "title": show.title, "status": show.status,
                         "stream_state": show.stream_state, "host_id": show.host_id, "shop_id": show.shop_id,
                         "likes": show.likes, "slow_mode_seconds": show.slow_mode_seconds,
                         "followers_only": show.followers_only,
                         "started_at": show.started_at.isoformat() if show.started_at else None},
                "you": None,
            }
            for part in self.parts:
                if hasattr(part, "snapshot"):
                    state.update(await part.snapshot(session, show, None))
        return state
