"""Chapters of a replay: each product pin and each answered question, at the moment it was shown.

Openings add theirs (openings/chapters.py): they build on media, so the replay API is put together there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Product
from livestall.shows.models import ShowPin

try:  # questions belong to the chat; replays still get their product chapters without it
    from livestall.chat.models import Question
except ImportError:  # pragma: no cover
    Question = None
try:  # giveaways mark their moments too; a replay without them keeps its other chapters
    from livestall.giveaways.chapters import giveaway_chapters
except ImportError:  # pragma: no cover
    giveaway_chapters = None


async def list_chapters(*, session: AsyncSession, show_id: int,
                        position_of: Callable[[datetime], float | None]) -> list[dict]:
    """Chapters in replay order: {at_s, kind, title, product_id | question_id}; moments not recorded are left out."""
    chapters = []
    pins = await session.execute(select(ShowPin.pinned_at, Product.id, Product.title)
                                 .join(Product, Product.id == ShowPin.product_id)
                                 .where(ShowPin.show_id == show_id))
    for pinned_at, product_id, title in pins:
        at = position_of(pinned_at)
        if at is not None:
            chapters.append({"at_s": round(at, 1), "kind": "product", "title": title, "product_id": product_id})
    if Question is not None:
        answered = await session.execute(select(Question.answered_at, Question.id, Question.text).where(
            Question.show_id == show_id, Question.status == "answered", Question.answered_at.is_not(None)))
        for answered_at, question_id, text in answered:
            at = position_of(answered_at)
            if at is not None:
                chapters.append({"at_s": round(at, 1), "kind": "question", "title": text,
                                 "question_id": question_id})
    if giveaway_chapters is not None:
        chapters.extend(await giveaway_chapters(session=session, show_id=show_id, position_of=position_of))
    chapters.sort(key=lambda c: (c["at_s"], c["kind"]))
    return chapters
