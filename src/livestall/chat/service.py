"""Questions, moderation and blocked words: the parts of the room that are written at once."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import delete, desc, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.chat.filters import MAX_WORD_CHARS, normalize
from livestall.chat.models import BlockedWord, ChatMessage, Question, QuestionVote, ShowBan, ShowMute
from livestall.db import get_or_404, utcnow
from livestall.errors import Conflict, Invalid, NotFound
from livestall.shows.models import Show
from livestall.validation import check_id

MAX_MUTE_MINUTES = 7 * 24 * 60
MAX_SLOW_MODE_SECONDS = 3600
MAX_BLOCKED_WORDS = 500
MESSAGE_ID = re.compile(r"[0-9a-f]{1,32}")  # as room.new_message_id makes them, within the column's 32


def question_data(q: Question) -> dict:
    """A question as the room sees it."""
    return {"id": q.id, "user": {"id": q.user_id, "name": q.display_name}, "text": q.text, "votes": q.votes,
            "status": q.status, "created_at": q.created_at.isoformat(),
            "answered_offset_s": q.answered_offset_s}


def message_data(m: ChatMessage) -> dict:
    """A chat message as the room sees it."""
    return {"id": m.id, "user": {"id": m.user_id, "name": m.display_name}, "text": m.text,
            "at": m.created_at.isoformat()}


async def is_banned(*, session: AsyncSession, show_id: int, user_id: int) -> bool:
    """True when the user is banned from the show's room."""
    return await session.get(ShowBan, (show_id, user_id)) is not None


async def muted_until(*, session: AsyncSession, show_id: int, user_id: int) -> datetime | None:
    """Until when the user is muted in the show, if they are now."""
    row = await session.get(ShowMute, (show_id, user_id))
    return row.until if row is not None and row.until > utcnow() else None


async def list_mutes(*, session: AsyncSession, show_id: int) -> dict[int, datetime]:
    """Users muted in the show right now, with until when."""
    rows = await session.execute(select(ShowMute.user_id, ShowMute.until)
                                 .where(ShowMute.show_id == show_id, ShowMute.until > utcnow()))
    return {user_id: until for user_id, until in rows}


async def list_messages(*, session: AsyncSession, show_id: int, limit: int = 50,
                        before: datetime | None = None, include_deleted: bool = False) -> list[ChatMessage]:
    """The show's latest messages, oldest first."""
    query = select(ChatMessage).where(ChatMessage.show_id == show_id)
    if not include_deleted:
        query = query.where(ChatMessage.deleted_at.is_(None))
    if before is not None:
        query = query.where(ChatMessage.created_at < before)
    rows = await session.scalars(query.order_by(desc(ChatMessage.created_at), desc(ChatMessage.id)).limit(limit))
    return list(reversed(list(rows)))


async def list_questions(*, session: AsyncSession, show_id: int, status: str | None = "open") -> list[Question]:
    """The show's questions, most upvoted first."""
    query = select(Question).where(Question.show_id == show_id)
    query = query.where(Question.status == status) if status else query.where(Question.status != "deleted")
    rows = await session.scalars(query.order_by(desc(Question.votes), Question.id).limit(200))
    return list(rows)


async def last_answered(*, session: AsyncSession, show_id: int, limit: int) -> list[Question]:
    """The show's most recently answered questions, latest first."""
    query = select(Question).where(Question.show_id == show_id, Question.status == "answered")
    rows = await session.scalars(query.order_by(desc(Question.answered_at), desc(Question.id)).limit(limit))
    return list(rows)


async def do_ask(*, session: AsyncSession, show: Show, user: User, text: str) -> Question:
    """A viewer asks the host a question."""
    question = Question(show_id=show.id, user_id=user.id, display_name=user.display_name, text=text)
    session.add(question)
    await session.flush()
    return question


async def get_question(*, session: AsyncSession, show_id: int, question_id: object) -> Question:
    """The show's question with this id, or NotFound/Invalid naming `question_id`."""
    question = await session.get(Question, check_id(question_id, "question_id"))
    if question is None or question.show_id != show_id or question.status == "deleted":
        raise NotFound(f"no question {question_id} in this show")
    return question


async def do_upvote(*, session: AsyncSession, question: Question, user: User) -> Question:
    """One upvote per user; the count is incremented in the row so that processes never lose one."""
    if question.user_id == user.id:
        raise Conflict.field("question_id", "not_own_question", "you cannot upvote your own question")
    try:
        async with session.begin_nested():
            session.add(QuestionVote(question_id=question.id, user_id=user.id))
    except IntegrityError:
        raise Conflict.field("question_id", "one_vote", "you already upvoted this question") from None
    await session.execute(update(Question).where(Question.id == question.id).values(votes=Question.votes + 1))
    await session.refresh(question)
    return question


async def do_answer(*, session: AsyncSession, show: Show, question: Question) -> Question:
    """Mark a question answered, keeping when in the show it was answered."""
    if question.status == "answered":
        raise Conflict.field("question_id", "open_question", "this question is already answered")
    now = utcnow()
    question.status, question.answered_at = "answered", now
    if show.started_at is not None:
        question.answered_offset_s = max(0, int((now - show.started_at).total_seconds()))
    await session.flush()
    return question


def check_minutes(minutes: object) -> int:
    """A mute length in whole minutes, 1 to a week."""
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MUTE_MINUTES:
        raise Invalid.field("minutes", "range", f"must be a whole number from 1 to {MAX_MUTE_MINUTES}")
    return minutes


async def _target_user(session: AsyncSession, user_id: object) -> User:
    return await get_or_404(session, User, check_id(user_id, "user_id"))


async def do_mute(*, session: AsyncSession, show: Show, user_id: object, minutes: object, by: User) -> ShowMute:
    """Mute a user in the show for some minutes."""
    minutes = check_minutes(minutes)
    target = await _target_user(session, user_id)
    until = utcnow() + timedelta(minutes=minutes)
    row = await session.get(ShowMute, (show.id, target.id))
    if row is None:
        row = ShowMute(show_id=show.id, user_id=target.id, until=until, muted_by_id=by.id)
        session.add(row)
    else:
        row.until, row.muted_by_id = until, by.id
    await session.flush()
    return row


async def do_ban(*, session: AsyncSession, show: Show, user_id: object, by: User) -> User:
    """Ban a user from the show's room (they are disconnected and cannot come back)."""
    target = await _target_user(session, user_id)
    if target.id in (show.host_id, by.id):
        raise Conflict.field("user_id", "not_self_or_host", "the host and yourself cannot be banned")
    if await session.get(ShowBan, (show.id, target.id)) is None:
        session.add(ShowBan(show_id=show.id, user_id=target.id, banned_by_id=by.id))
        await session.flush()
    return target


async def do_unban(*, session: AsyncSession, show: Show, user_id: object) -> None:
    """Let a banned user back in."""
    target = await _target_user(session, user_id)
    await session.execute(delete(ShowBan).where(ShowBan.show_id == show.id, ShowBan.user_id == target.id))


async def do_delete_message(*, session: AsyncSession, show_id: int, message_id: object, by: User) -> bool:
    """Mark a stored message deleted; False when it is not written yet (the writer will mark it)."""
    if not isinstance(message_id, str) or not message_id:
        raise Invalid.field("message_id", "string_type", "must be a message id")
    if not MESSAGE_ID.fullmatch(message_id):
        raise Invalid.field("message_id", "id_format", "must be a message id: hexadecimal digits")
    result = await session.execute(
        update(ChatMessage).where(ChatMessage.id == message_id, ChatMessage.show_id == show_id)
        .values(deleted_at=utcnow(), deleted_by_id=by.id))
    return result.rowcount > 0


async def do_room_settings(*, session: AsyncSession, show: Show, slow_mode_seconds: object = None,
                           followers_only: object = None) -> Show:
    """Switch slow mode (seconds between a user's messages, 0 = off) and followers-only chat."""
    if slow_mode_seconds is not None:
        if (not isinstance(slow_mode_seconds, int) or isinstance(slow_mode_seconds, bool)
                or not 0 <= slow_mode_seconds <= MAX_SLOW_MODE_SECONDS):
            raise Invalid.field("seconds", "range", f"must be a whole number from 0 to {MAX_SLOW_MODE_SECONDS}")
        show.slow_mode_seconds = slow_mode_seconds
    if followers_only is not None:
        if not isinstance(followers_only, bool):
            raise Invalid.field("on", "bool_type", "must be true or false")
        show.followers_only = followers_only
    await session.flush()
    return show


async def get_blocked_words(*, session: AsyncSession, shop_id: int) -> list[str]:
    """The shop's blocked words, normalized."""
    rows = await session.scalars(select(BlockedWord.word).where(BlockedWord.shop_id == shop_id))
    return sorted(rows)


async def do_set_blocked_words(*, session: AsyncSession, shop_id: int, words: list[str]) -> list[str]:
    """Replace the shop's blocked words."""
    folded = sorted({normalize(w).strip() for w in words if w.strip()})
    if len(folded) > MAX_BLOCKED_WORDS:
        raise Invalid.field("words", "max_items", f"at most {MAX_BLOCKED_WORDS} words")
    too_long = [w for w in folded if len(w) > MAX_WORD_CHARS]
    if too_long:
        raise Invalid.field("words", "max_length", f"each word has at most {MAX_WORD_CHARS} characters")
    await session.execute(delete(BlockedWord).where(BlockedWord.shop_id == shop_id))
    session.add_all(BlockedWord(shop_id=shop_id, word=w) for w in folded)
    await session.flush()
    return folded
