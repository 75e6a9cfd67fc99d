"""Database engine, session maker, declarative Base, the per-request session and the few dialect helpers."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from livestall.errors import NotFound
from livestall.runtime import get_runtime

# Stable constraint names, so that Alembic migrations name the same thing on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(timezone.utc)


M = TypeVar("M")


async def get_or_404(session: AsyncSession, model: type[M], ident: Any, what: str | None = None, *,
                     populate_existing: bool = False) -> M:
    """The `model` row with primary key `ident`, or NotFound "no {what} {ident}" (what: the model's name)."""
    row = await session.get(model, ident, populate_existing=populate_existing)
    if row is None:
        raise NotFound(f"no {what or re.sub(r'(?<!^)(?=[A-Z])', ' ', model.__name__).lower()} {ident}")
    return row


Bind = AsyncSession | AsyncConnection


def dialect_name(bind: Bind) -> str:
    """'sqlite' or 'postgresql', for the few statements that differ."""
    return (bind.bind if isinstance(bind, AsyncSession) else bind).dialect.name


def insert_ignoring_conflicts(bind: Bind, table, index_elements: list[str]):
    """INSERT ... ON CONFLICT (index_elements) DO NOTHING, on SQLite and on PostgreSQL."""
    maker = pg_insert if dialect_name(bind) == "postgresql" else sqlite_insert
    return maker(table).on_conflict_do_nothing(index_elements=index_elements)


def make_engine(url: str, **kwargs) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys, a busy timeout and savepoints that wait to write."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "savepoint")
        def _savepoint_takes_the_write_lock(conn, _name):
            # A SAVEPOINT outside a transaction begins a deferred one: its first write after a read
            # fails at once with "database is locked" if another connection wrote in between.
            # Taking the write lock first makes it wait its turn like any other writer.
            if not conn.connection.driver_connection.in_transaction:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def make_lookup_engine(url: str) -> AsyncEngine | None:
    """On PostgreSQL, a small pool in autocommit for the one-statement reads of the hottest path (who a login
    token is): no BEGIN and ROLLBACK around the read, and a pre-ping of one round trip instead of three. None on
    SQLite, where the main engine serves."""
    if url.startswith("sqlite"):
        return None
    return make_engine(url, isolation_level="AUTOCOMMIT", pool_size=10, max_overflow=10)


def make_sessionmaker(engine: AsyncEngine, publisher=None) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit and hand committed events to `publisher`."""
    from livestall.events import PUBLISHER_KEY

    info = {PUBLISHER_KEY: publisher} if publisher is not None else {}
    return async_sessionmaker(engine, expire_on_commit=False, info=info)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the handler returns, rolled back if it raises."""
    maker: async_sessionmaker[AsyncSession] = get_runtime(request).sessionmaker
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": commit before the response is sent, so a client never reads its own stale write.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
