"""HTTP routes for the chat record (messages, questions) and each shop's blocked words."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from livestall.accounts.deps import CurrentUser, OptionalUser
from livestall.catalog.service import check_shop_member, get_shop
from livestall.chat import service
from livestall.chat.schemas import BlockedWords, MessageRead, QuestionRead
from livestall.db import SessionDep
from livestall.shows.service import get_show, is_moderator

router = APIRouter(prefix="/api/v1", tags=["chat"])


@router.get("/shows/{show_id}/messages", response_model=list[MessageRead])
async def list_messages(show_id: int, session: SessionDep, user: OptionalUser,
                        limit: Annotated[int, Query(ge=1, le=200)] = 50, before: AwareDatetime | None = None,
                        include_deleted: bool = False):
    """The show's chat, oldest first; moderators may include deleted messages."""
    show = await get_show(session=session, show_id=show_id)
    if include_deleted:
        include_deleted = await is_moderator(session=session, show=show, user=user)
    rows = await service.list_messages(session=session, show_id=show.id, limit=limit, before=before,
                                       include_deleted=include_deleted)
    return [{**service.message_data(m), "deleted": m.deleted_at is not None} for m in rows]


@router.get("/shows/{show_id}/questions", response_model=list[QuestionRead])
async def list_questions(show_id: int, session: SessionDep,
                         status: Literal["open", "answered", "all"] = "open"):
    """The show's questions, most upvoted first."""
    show = await get_show(session=session, show_id=show_id)
    rows = await service.list_questions(session=session, show_id=show.id, status=None if status == "all" else status)
    return [service.question_data(q) for q in rows]


@router.get("/shops/{shop_id}/blocked-words", response_model=BlockedWords)
async def get_blocked_words(shop_id: int, user: CurrentUser, session: SessionDep):
    """Owners and staff: the words kept out of the shop's chats."""
    shop = await get_shop(session=session, shop_id=shop_id)
    check_shop_member(shop, user)
    return BlockedWords(words=await service.get_blocked_words(session=session, shop_id=shop.id))


@router.put("/shops/{shop_id}/blocked-words", response_model=BlockedWords)
async def set_blocked_words(shop_id: int, words_in: BlockedWords, user: CurrentUser, session: SessionDep):
    """Owners and staff: replace the words kept out of the shop's chats."""
    shop = await get_shop(session=session, shop_id=shop_id)
    check_shop_member(shop, user)
    return BlockedWords(words=await service.do_set_blocked_words(session=session, shop_id=shop.id,
                                                                 words=words_in.words))
