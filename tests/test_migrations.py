"""Migrations go up and down cleanly on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import inspect

from livestall import migrate
from livestall.models import metadata
from tests.services import create_database


def table_names(url: str) -> set[str]:
    import asyncio

    from livestall.db import make_engine

    async def run() -> set[str]:
        engine = make_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(run())


def up_down_up(url: str) -> None:
    migrate.upgrade(url)
    assert set(metadata.tables) <= table_names(url)
    migrate.downgrade(url, "base")
    assert table_names(url) <= {"alembic_version"}
    migrate.upgrade(url)
    assert set(metadata.tables) <= table_names(url)


def test_migrations_up_and_down_on_sqlite(tmp_path):
    up_down_up(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")


def test_migrations_up_and_down_on_postgresql(postgres_url):
    up_down_up(create_database(postgres_url, f"mig_{uuid.uuid4().hex[:8]}"))


def test_models_match_migrations(tmp_path):
    """Autogenerate finds nothing to add: every model change came with its migration."""
    import asyncio

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from livestall.db import make_engine

    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    migrate.upgrade(url)

    async def diff():
        engine = make_engine(url)
        async with engine.connect() as conn:
            result = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), metadata))
        await engine.dispose()
        return result

    assert asyncio.run(diff()) == []
