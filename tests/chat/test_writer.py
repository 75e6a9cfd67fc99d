"""A moderator's delete of a message whose batch is being written is not lost."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import create_async_engine

from livestall.chat.models import ChatMessage
from livestall.chat.talk import new_message_id
from livestall.chat.writer import MessageWriter
from livestall.db import make_sessionmaker, utcnow
from livestall.models import metadata


def test_a_delete_while_its_batch_is_being_inserted_is_applied_after_the_commit(tmp_path):
    async def run() -> ChatMessage:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}")  # no foreign keys: rows alone
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        writer = MessageWriter(make_sessionmaker(engine))
        message_id = new_message_id()
        writer.add({"id": message_id, "show_id": 1, "user_id": 2, "display_name": "Spam", "text": "cheap watches",
                    "created_at": utcnow()})
        deleted = []

        # The moment the batch's INSERT goes to the database, a moderator deletes the message: their own UPDATE
        # cannot see the row yet, so the writer must take the deletion.
        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def moderator_deletes(conn, cursor, statement, *args):
            if statement.startswith("INSERT INTO chat_messages") and not deleted:
                deleted.append(writer.mark_deleted(message_id, 7, utcnow()))

        await writer.flush()
        assert deleted == [True]
        async with make_sessionmaker(engine)() as session:
            stored = await session.scalar(select(ChatMessage).where(ChatMessage.id == message_id))
        await engine.dispose()
        return stored

    stored = asyncio.run(run())
    assert stored.deleted_at is not None and stored.deleted_by_id == 7
