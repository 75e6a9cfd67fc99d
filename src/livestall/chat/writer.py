"""Chat messages are broadcast first and written in batches, so the database never slows the room."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from livestall.batching import TimedFlusher
from livestall.chat.models import ChatMessage

log = logging.getLogger("livestall.chat")


class MessageWriter(TimedFlusher):
    """Buffers chat rows and inserts them together every `interval_s` (or sooner when `max_batch` fill)."""

    task_name = "chat-writer"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, interval_s: float = 0.25,
                 max_batch: int = 2000) -> None:
        super().__init__(interval_s)
        self.sessionmaker = sessionmaker
        self.max_batch = max_batch
        self.pending: dict[str, dict] = {}  # message id -> row, in arrival order
        # The batch being inserted: still shown to joiners until its transaction has committed, or a
        # snapshot read in between would find the messages neither queued nor in the database.
        self.writing: dict[str, dict] = {}
        # Deletions of messages of the batch being inserted: applied once that batch has committed, since the
        # moderator's UPDATE could not see rows not yet committed.
        self.deleted_while_writing: dict[str, tuple[int, datetime]] = {}

    def add(self, row: dict) -> None:
        """Queue one message row (never blocks)."""
        self.pending[row["id"]] = row
        if len(self.pending) >= self.max_batch:
            self.wake()

    def mark_deleted(self, message_id: str, by_id: int, at: datetime) -> bool:
        """Mark a queued (or being written) message deleted; False if it is neither."""
        row = self.pending.get(message_id)
        if row is not None:
            row["deleted_at"], row["deleted_by_id"] = at, by_id
            return True
        if message_id not in self.writing:
            return False
        self.deleted_while_writing[message_id] = (by_id, at)
        return True

    def queued(self, show_id: int) -> list[dict]:
        """The show's messages not yet written (or being written), oldest first."""
        return [r for rows in (self.writing, self.pending) for r in rows.values() if r["show_id"] == show_id]

    async def flush(self) -> None:
        """Write everything queued, in one transaction (row by row only if the batch fails)."""
        if not self.pending:
            return
        self.writing, self.pending = self.pending, {}
        rows = list(self.writing.values())
        try:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(insert(ChatMessage), rows)
        except Exception:
            log.exception("chat batch write failed; writing rows one by one", extra={"rows": len(rows)})
            await self._write_each(rows)
        finally:
            self.writing = {}
        deleted, self.deleted_while_writing = self.deleted_while_writing, {}
        for message_id, (by_id, at) in deleted.items():
            await self.mark_deleted_stored(message_id, by_id, at)

    async def _write_each(self, rows: list[dict]) -> None:
        for row in rows:
            try:
                async with self.sessionmaker() as session, session.begin():
                    await session.execute(insert(ChatMessage), [row])
            except Exception:
                log.error("chat message dropped", extra={"message_id": row["id"], "show_id": row["show_id"]})

    async def mark_deleted_stored(self, message_id: str, by_id: int, at: datetime) -> None:
        """Mark an already written message deleted (used when a delete races the batch)."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(update(ChatMessage).where(ChatMessage.id == message_id)
                                  .values(deleted_at=at, deleted_by_id=by_id))

