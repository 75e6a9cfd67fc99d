"""Room parts for the conversation: chat messages (broadcast first, written in batches) and questions."""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.accounts.follows import list_followed
from livestall.chat import service
from livestall.chat.filters import clean_text
from livestall.chat.showinfo import ShowInfo, ShowInfoCache, show_and_user
from livestall.chat.writer import MessageWriter
from livestall.db import utcnow
from livestall.errors import Conflict, Forbidden, TooManyRequests
from livestall.events import Event, publish_on_commit
from livestall.settings import Settings
from livestall.shows.models import Show

HISTORY = 50
ANSWERED_KEPT = 30  # answered questions stay in the viewers' tab, marked answered, up to this many


def keep_message(state: dict[str, Any], data: dict[str, Any]) -> None:
    """A `chat.message` applied to the kept join state: the last HISTORY messages, each once."""
    messages = state["messages"]
    if all(m["id"] != data["id"] for m in messages):
        messages.append(data)
        del messages[:-HISTORY]


def keep_deletion(state: dict[str, Any], data: dict[str, Any]) -> None:
    """A `chat.deleted` applied to the kept join state."""
    state["messages"] = [m for m in state["messages"] if m["id"] != data["id"]]


def keep_question(state: dict[str, Any], data: dict[str, Any]) -> None:
    """A `question.asked` or `question.updated` applied to the kept questions: the open ones, most upvoted
    first, then the last ANSWERED_KEPT answered ones, latest first."""
    questions = [q for q in state["questions"] if q["id"] != data["id"]]
    if data["status"] in ("open", "answered"):
        questions.append(data)
    state["questions"] = in_room_order(questions)


def in_room_order(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Open questions by votes, then the latest answered ones (at most ANSWERED_KEPT): what a viewer's tab lists."""
    open_ = sorted((q for q in questions if q["status"] == "open"), key=lambda q: (-q["votes"], q["id"]))
    answered = sorted((q for q in questions if q["status"] == "answered"),
                      key=lambda q: (q["answered_offset_s"] or 0, q["id"]), reverse=True)
    return open_ + answered[:ANSWERED_KEPT]


def new_message_id() -> str:
    """A time-ordered unique id: nanoseconds since the epoch, then random bits (hex)."""
    return f"{time.time_ns():016x}{os.urandom(6).hex()}"


class ChatPart:
    """`chat.send`, and the last messages in the join snapshot (queued ones included)."""

    name = "chat"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, info: ShowInfoCache,
                 writer: MessageWriter) -> None:
        self.sessionmaker, self.settings, self.info, self.writer = sessionmaker, settings, info, writer
        self.frames = {"chat.send": self.send}
        self.keeps = {"chat.message": keep_message, "chat.deleted": keep_deletion}

    def start(self) -> None:
        self.writer.start()

    async def stop(self) -> None:
        await self.writer.stop()

    async def snapshot(self, session: AsyncSession, show: Show, principal) -> dict[str, Any]:
        # Queued rows are taken first: one written while the database is read is then in one or both.
        queued = self.writer.queued(show.id)
        stored = await service.list_messages(session=session, show_id=show.id, limit=HISTORY)
        messages = [service.message_data(m) for m in stored]
        seen = {m["id"] for m in messages}
        for row in queued:
            if row["id"] not in seen and row["deleted_at"] is None:
                messages.append({"id": row["id"], "user": {"id": row["user_id"], "name": row["display_name"]},
                                 "text": row["text"], "at": row["created_at"].isoformat()})
        return {"messages": messages[-HISTORY:]}

    async def send(self, ctx) -> dict[str, Any]:
        show_id, principal = ctx.show_id, ctx.principal
        text = clean_text(ctx.frame.get("text"), max_chars=self.settings.chat_max_chars)
        info = await self.info.get(show_id)
        if info.status != "live":
            raise Conflict.field("show", "live", "chat is open while the show is live")
        limiter = ctx.gateway.rate_limiter
        rate = await limiter.hit(f"chat:{show_id}:{principal.id}", limit=self.settings.chat_rate_messages,
                                 window_s=self.settings.chat_rate_window_s)
        if not rate.allowed:
            raise TooManyRequests(f"slow down: wait {rate.retry_after_s:.1f}s before sending again")
        if principal.id not in info.moderator_ids:
            await self._check_may_write(info, principal)
            if info.slow_mode_seconds:
                slow = await limiter.hit(f"slow:{show_id}:{principal.id}", limit=1, window_s=info.slow_mode_seconds)
                if not slow.allowed:
                    raise Conflict.field("text", "slow_mode",
                                         f"slow mode: one message every {info.slow_mode_seconds}s "
                                         f"(wait {slow.retry_after_s:.0f}s)")
        info.words.check(text)
        now = utcnow()
        row = {"id": new_message_id(), "show_id": show_id, "user_id": principal.id,
               "display_name": principal.name, "text": text, "created_at": now, "deleted_at": None,
               "deleted_by_id": None}
        ctx.publish("chat.message", {"id": row["id"], "user": {"id": principal.id, "name": principal.name},
                                     "text": text, "at": now.isoformat()})
        self.writer.add(row)
        return {"message_id": row["id"]}

    async def _check_may_write(self, info: ShowInfo, principal) -> None:
        until = info.muted_until.get(principal.id)
        if until is not None and until > utcnow():
            raise Forbidden(f"you are muted in this show until {until.strftime('%H:%M UTC')}")
        if info.followers_only:
            async with self.sessionmaker() as session:
                show = await session.get(Show, info.show_id)
                if not await list_followed(session=session, user_id=principal.id, host_id=show.host_id,
                                           shop_id=show.shop_id):
                    raise Forbidden("followers-only chat: follow the host or the shop to write")


class QuestionsPart:
    """`question.ask` and `question.upvote`, and the open and last answered questions in the join snapshot."""

    name = "questions"

    def __init__(self, settings: Settings, info: ShowInfoCache) -> None:
        self.settings, self.info = settings, info
        self.frames = {"question.ask": self.ask, "question.upvote": self.upvote}
        self.keeps = {"question.asked": keep_question, "question.updated": keep_question}

    async def snapshot(self, session: AsyncSession, show: Show, principal) -> dict[str, Any]:
        open_ = await service.list_questions(session=session, show_id=show.id, status="open")
        answered = await service.last_answered(session=session, show_id=show.id, limit=ANSWERED_KEPT)
        return {"questions": in_room_order([service.question_data(q) for q in open_ + answered])}

    async def ask(self, ctx) -> dict[str, Any]:
        async with ctx.sessionmaker() as session, session.begin():
            show, user = await show_and_user(session, ctx.show_id, ctx.principal.id)
            text = clean_text(ctx.frame.get("text"), max_chars=self.settings.chat_max_chars)
            info = await self.info.get(show.id)
            info.words.check(text)
            if show.status != "live":
                raise Conflict.field("show", "live", "questions are open while the show is live")
            rate = await ctx.gateway.rate_limiter.hit(f"ask:{show.id}:{user.id}", limit=3, window_s=60)
            if not rate.allowed:
                raise TooManyRequests(f"one question at a time: wait {rate.retry_after_s:.0f}s")
            until = await service.muted_until(session=session, show_id=show.id, user_id=user.id)
            if until is not None:
                raise Forbidden(f"you are muted in this show until {until.strftime('%H:%M UTC')}")
            question = await service.do_ask(session=session, show=show, user=user, text=text)
            publish_on_commit(session, Event(show.id, "question.asked", service.question_data(question)))
        return {"question_id": question.id}

    async def upvote(self, ctx) -> dict[str, Any]:
        async with ctx.sessionmaker() as session, session.begin():
            show, user = await show_and_user(session, ctx.show_id, ctx.principal.id)
            question = await service.get_question(session=session, show_id=show.id,
                                                  question_id=ctx.frame.get("question_id"))
            question = await service.do_upvote(session=session, question=question, user=user)
            publish_on_commit(session, Event(show.id, "question.updated", service.question_data(question)))
        return {"votes": question.votes}
