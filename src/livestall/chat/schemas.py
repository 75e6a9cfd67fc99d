"""Chat response bodies and the blocked-words list."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from livestall.validation import StrictInput


class ChatUser(BaseModel):
    id: int
    name: str


class MessageRead(BaseModel):
    id: str
    user: ChatUser
    text: str
    at: datetime
    deleted: bool = False


class QuestionRead(BaseModel):
    id: int
    user: ChatUser
    text: str
    votes: int
    status: str
    created_at: datetime
    answered_offset_s: int | None


class BlockedWords(StrictInput):
    words: list[str] = Field(max_length=500, description="Matched ignoring case and accents")
