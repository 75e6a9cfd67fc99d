"""The show room's domain: who is in it, what they may say, and what the room knows on joining."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.accounts.models import User
from livestall.accounts.service import get_user_by_token
from livestall.chat import service
from livestall.chat.filters import WordFilter, clean_text
from livestall.chat.writer import MessageWriter
from livestall.db import utcnow
from livestall.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized
from livestall.events import Event, publish_on_commit
from livestall.realtime import BaseRoomHandler, ConnectRequest, RoomConnection
from livestall.settings import Settings
from livestall.shows.models import Show
from livestall.shows.service import is_moderator, list_moderator_ids

log = logging.getLogger("livestall.chat")

HISTORY = 50
SHOW_CACHE_S = 2.0
LIKES_FLUSH_S = 1.0
FRAME_TYPES = ("chat.send", "like", "question.ask", "question.upvote", "question.answer", "mod.delete",
               "mod.mute", "mod.ban", "mod.unban", "mod.slow_mode", "mod.followers_only")

# Extra parts of the join snapshot, e.g. the pinned products: (session, show, principal) -> dict to merge.
StateProvider = Callable[[AsyncSession, Show, "Principal | None"], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Principal:
    """A logged-in user in a room: just what the room needs, detached from any session."""

    id: int
    name: str
    currency: str


@dataclass(slots=True)
class ShowInfo:
    """What the room checks on every message, cached for a moment per process."""

    show_id: int
    shop_id: int
    host_id: int
    status: str
    started_at: Any
    slow_mode_seconds: int
    followers_only: bool
    words: WordFilter
    moderator_ids: frozenset[int]
    muted_until: dict[int, Any]
    loaded_at: float


def new_message_id() -> str:
    """A time-ordered unique id: nanoseconds since the epoch, then random bits (hex)."""
    return f"{time.time_ns():016x}{os.urandom(6).hex()}"


class ChatRoomHandler(BaseRoomHandler):
    """Implements the room for the realtime gateway: chat, likes, questions and moderation."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.gateway: Any = None  # set by the lifecycle once the gateway exists
        self.writer = MessageWriter(sessionmaker)
        self.state_providers: list[StateProvider] = []
        # Called with (show_id, conn) when a viewer joins or leaves; they must not block (no database write).
        self.join_hooks: list[Callable[[int, RoomConnection], None]] = []
        self.leave_hooks: list[Callable[[int, RoomConnection], None]] = []
        self._shows: dict[int, ShowInfo] = {}
        self._likes: dict[int, int] = {}
        self._likes_task: asyncio.Task | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        self.writer.start()
        self._likes_task = asyncio.create_task(self._flush_likes_forever(), name="room-likes")

    async def stop(self) -> None:
        if self._likes_task is not None:
            self._likes_task.cancel()
            await asyncio.gather(self._likes_task, return_exceptions=True)
        await self._flush_likes()
        await self.writer.stop()

    def publish(self, show_id: int, type: str, data: dict[str, Any]) -> None:
        self.gateway.publish(Event(show_id, type, data))

    # -- RoomHandler --------------------------------------------------------------------------

    async def authenticate(self, request: ConnectRequest) -> Principal | None:
        auth = request.headers.get("Authorization", "")
        token = (auth[7:] if auth.lower().startswith("bearer ") else None) or request.query.get("token") \
            or request.cookies.get(self.settings.session_cookie)
        if not token:
            return None
        async with self.sessionmaker() as session:
            user = await get_user_by_token(session=session, token=token)
        if user is None:
            raise Unauthorized("the login token is not valid; log in again or join without it")
        return Principal(user.id, user.display_name, user.currency)

    async def on_join(self, show_id: int, principal: Principal | None, conn: RoomConnection) -> dict[str, Any]:
        async with self.sessionmaker() as session:
            show = await session.get(Show, show_id)
            if show is None or show.status == "cancelled":
                raise NotFound(f"no show {show_id}")
            if principal and await service.is_banned(session=session, show_id=show_id, user_id=principal.id):
                raise Forbidden("you are banned from this show")
            state = await self._state(session, show, principal)
        for hook in self.join_hooks:
            hook(show_id, conn)
        return state

    async def on_leave(self, show_id: int, principal: Principal | None, conn: RoomConnection) -> None:
        for hook in self.leave_hooks:
            hook(show_id, conn)

    async def snapshot(self, show_id: int, principal: Principal | None, conn: RoomConnection) -> dict[str, Any]:
        async with self.sessionmaker() as session:
            show = await session.get(Show, show_id)
            if show is None:
                raise NotFound(f"no show {show_id}")
            return await self._state(session, show, principal)

    async def on_frame(self, show_id: int, principal: Principal | None, frame: dict[str, Any],
                       conn: RoomConnection) -> dict[str, Any] | None:
        if principal is None:
            raise Unauthorized("log in to take part in the chat")
        kind = frame["type"]
        if kind == "chat.send":
            return await self._chat(show_id, principal, frame.get("text"))
        if kind == "like":
            return await self._like(show_id, principal, frame.get("count", 1))
        after: list[Callable[[], None]] = []  # things to do once the transaction has committed
        async with self.sessionmaker() as session, session.begin():
            show = await session.get(Show, show_id)
            if show is None:
                raise NotFound(f"no show {show_id}")
            user = await session.get(User, principal.id)
            if kind == "question.ask":
                result = await self._ask(session, show, user, frame.get("text"))
            elif kind == "question.upvote":
                question = await service.get_question(session=session, show_id=show_id,
                                                      question_id=frame.get("question_id"))
                question = await service.do_upvote(session=session, question=question, user=user)
                publish_on_commit(session, Event(show_id, "question.updated", service.question_data(question)))
                result = {"votes": question.votes}
            elif not await is_moderator(session=session, show=show, user=user):
                raise Forbidden("only the host and moderators may do this")
            else:
                result = await self._moderate(session, show, user, kind, frame, after)
        for action in after:
            action()
        return result

    # -- chat and likes -----------------------------------------------------------------------

    async def _chat(self, show_id: int, principal: Principal, text: object) -> dict[str, Any]:
        text = clean_text(text, max_chars=self.settings.chat_max_chars)
        info = await self._show_info(show_id)
        if info.status != "live":
            raise Conflict.field("show", "live", "chat is open while the show is live")
        limiter = self.gateway.rate_limiter
        rate = await limiter.hit(f"chat:{show_id}:{principal.id}", limit=self.settings.chat_rate_messages,
                                 window_s=self.settings.chat_rate_window_s)
        if not rate.allowed:
            raise TooManyRequests(f"slow down: wait {rate.retry_after_s:.1f}s before sending again")
        if principal.id not in info.moderator_ids:
            await self._check_may_write(info, principal)
            if info.slow_mode_seconds:
                slow = await limiter.hit(f"slow:{show_id}:{principal.id}", limit=1,
                                         window_s=info.slow_mode_seconds)
                if not slow.allowed:
                    raise Conflict.field("text", "slow_mode",
                                         f"slow mode: one message every {info.slow_mode_seconds}s "
                                         f"(wait {slow.retry_after_s:.0f}s)")
        info.words.check(text)
        now = utcnow()
        row = {"id": new_message_id(), "show_id": show_id, "user_id": principal.id,
               "display_name": principal.name, "text": text, "created_at": now, "deleted_at": None,
               "deleted_by_id": None}
        self.publish(show_id, "chat.message", {"id": row["id"], "user": {"id": principal.id, "name": principal.name},
                                               "text": text, "at": now.isoformat()})
        self.writer.add(row)
        return {"message_id": row["id"]}

    async def _check_may_write(self, info: ShowInfo, principal: Principal) -> None:
        until = info.muted_until.get(principal.id)
        if until is not None and until > utcnow():
            raise Forbidden(f"you are muted in this show until {until.strftime('%H:%M UTC')}")
        if info.followers_only:
            async with self.sessionmaker() as session:
                show = await session.get(Show, info.show_id)
                if not await service.follows_show(session=session, show=show, user_id=principal.id):
                    raise Forbidden("followers-only chat: follow the host or the shop to write")

    async def _like(self, show_id: int, principal: Principal, count: object) -> None:
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 50:
            raise Invalid.field("count", "range", "must be a whole number from 1 to 50")
        rate = await self.gateway.rate_limiter.hit(f"like:{show_id}:{principal.id}", limit=100, window_s=10,
                                                   cost=count)
        if not rate.allowed:
            return None  # excess likes are simply not counted
        self._likes[show_id] = self._likes.get(show_id, 0) + count
        return None

    async def _flush_likes(self) -> None:
        pending, self._likes = self._likes, {}
        if not pending:
            return
        async with self.sessionmaker() as session, session.begin():
            for show_id, n in pending.items():
                # The row is the total across every process; each process adds its own likes.
                total = await session.scalar(update(Show).where(Show.id == show_id)
                                             .values(likes=Show.likes + n).returning(Show.likes))
                if total is not None:
                    self.publish(show_id, "likes", {"total": total})

    async def _flush_likes_forever(self) -> None:
        while True:
            await asyncio.sleep(LIKES_FLUSH_S)
            try:
                await self._flush_likes()
            except Exception:
                log.exception("likes flush failed")

    # -- questions and moderation -------------------------------------------------------------

    async def _ask(self, session: AsyncSession, show: Show, user: User, text: object) -> dict[str, Any]:
        text = clean_text(text, max_chars=self.settings.chat_max_chars)
        info = await self._show_info(show.id)
        info.words.check(text)
        if show.status != "live":
            raise Conflict.field("show", "live", "questions are open while the show is live")
        rate = await self.gateway.rate_limiter.hit(f"ask:{show.id}:{user.id}", limit=3, window_s=60)
        if not rate.allowed:
            raise TooManyRequests(f"one question at a time: wait {rate.retry_after_s:.0f}s")
        until = await service.muted_until(session=session, show_id=show.id, user_id=user.id)
        if until is not None:
            raise Forbidden(f"you are muted in this show until {until.strftime('%H:%M UTC')}")
        question = await service.do_ask(session=session, show=show, user=user, text=text)
        publish_on_commit(session, Event(show.id, "question.asked", service.question_data(question)))
        return {"question_id": question.id}

    async def _moderate(self, session: AsyncSession, show: Show, by: User, kind: str, frame: dict[str, Any],
                        after: list[Callable[[], None]]) -> dict[str, Any] | None:
        if kind == "question.answer":
            question = await service.get_question(session=session, show_id=show.id,
                                                  question_id=frame.get("question_id"))
            question = await service.do_answer(session=session, show=show, question=question)
            publish_on_commit(session, Event(show.id, "question.updated", service.question_data(question)))
            return {"answered_offset_s": question.answered_offset_s}
        if kind == "mod.delete":
            message_id = frame.get("message_id")
            stored = await service.do_delete_message(session=session, show_id=show.id, message_id=message_id, by=by)
            if not stored and not self.writer.mark_deleted(message_id, by.id, utcnow()):
                raise NotFound(f"no message {message_id} in this show")
            publish_on_commit(session, Event(show.id, "chat.deleted", {"id": message_id}))
            return None
        if kind == "mod.mute":
            mute = await service.do_mute(session=session, show=show, user_id=frame.get("user_id"),
                                         minutes=frame.get("minutes"), by=by)
            self._shows.pop(show.id, None)
            notice = f"you are muted until {mute.until.strftime('%H:%M UTC')}"
            after.append(lambda: self.gateway.send_to_user(show.id, mute.user_id, "notice", code="muted",
                                                           message=notice))
            return {"until": mute.until.isoformat()}
        if kind == "mod.ban":
            target = await service.do_ban(session=session, show=show, user_id=frame.get("user_id"), by=by)
            after.append(lambda: self.gateway.disconnect_user(show.id, target.id, reason="banned from this show"))
            return None
        if kind == "mod.unban":
            await service.do_unban(session=session, show=show, user_id=frame.get("user_id"))
            return None
        if kind == "mod.slow_mode":
            show = await service.do_room_settings(session=session, show=show, slow_mode_seconds=frame.get("seconds"))
        else:  # mod.followers_only
            show = await service.do_room_settings(session=session, show=show, followers_only=frame.get("on"))
        self._shows.pop(show.id, None)
        settings = {"slow_mode_seconds": show.slow_mode_seconds, "followers_only": show.followers_only}
        publish_on_commit(session, Event(show.id, "room.settings", settings))
        return None

    # -- state and caches ---------------------------------------------------------------------

    async def _state(self, session: AsyncSession, show: Show, principal: Principal | None) -> dict[str, Any]:
        stored = await service.list_messages(session=session, show_id=show.id, limit=HISTORY)
        messages = [service.message_data(m) for m in stored]
        seen = {m["id"] for m in messages}
        for row in self.writer.queued(show.id):
            if row["id"] not in seen and row["deleted_at"] is None:
                messages.append({"id": row["id"], "user": {"id": row["user_id"], "name": row["display_name"]},
                                 "text": row["text"], "at": row["created_at"].isoformat()})
        questions = await service.list_questions(session=session, show_id=show.id, status="open")
        you = None
        if principal is not None:
            user = await session.get(User, principal.id)
            you = {"id": principal.id, "name": principal.name, "currency": principal.currency,
                   "moderator": await is_moderator(session=session, show=show, user=user),
                   "host": principal.id == show.host_id}
        state: dict[str, Any] = {
            "show": {"id": show.id, "title": show.title, "status": show.status, "stream_state": show.stream_state,
                     "host_id": show.host_id, "shop_id": show.shop_id, "likes": show.likes,
                     "slow_mode_seconds": show.slow_mode_seconds, "followers_only": show.followers_only,
                     "started_at": show.started_at.isoformat() if show.started_at else None},
            "messages": messages[-HISTORY:],
            "questions": [service.question_data(q) for q in questions],
            "you": you,
        }
        for provider in self.state_providers:
            state.update(await provider(session, show, principal))
        return state

    async def _show_info(self, show_id: int) -> ShowInfo:
        info = self._shows.get(show_id)
        if info is not None and time.monotonic() - info.loaded_at < SHOW_CACHE_S:
            return info
        async with self.sessionmaker() as session:
            show = await session.get(Show, show_id)
            if show is None:
                raise NotFound(f"no show {show_id}")
            words = await service.get_blocked_words(session=session, shop_id=show.shop_id)
            moderators = await list_moderator_ids(session=session, show=show)
            mutes = await service.list_mutes(session=session, show_id=show.id)
        info = ShowInfo(show.id, show.shop_id, show.host_id, show.status, show.started_at, show.slow_mode_seconds,
                        show.followers_only, WordFilter(words), frozenset(moderators), mutes, time.monotonic())
        self._shows[show_id] = info
        return info

