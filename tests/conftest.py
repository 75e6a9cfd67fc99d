"""Shared fixtures: the test database (SQLite, or PostgreSQL), Redis, a real app process, API clients."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import httpx
import pytest

from livestall import migrate
from tests.appserver import AppProcess
from tests.services import IN_CI, create_database, in_private_network, postgres_bin_dir, postgres_server, redis_server

TEST_DB_ENV = "LIVESTALL_TEST_DATABASE_URL"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skipped test is a failure: every service a test needs must be there."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which is a failure: {report.longrepr}"


def pytest_collection_modifyitems(config, items):
    """WebRTC tests run apart, inside scripts/private-network (see the Makefile), so their media never leaves
    the machine; elsewhere they are left out rather than run on the machine's real addresses."""
    if in_private_network():
        return
    apart = [item for item in items if item.get_closest_marker("private_network") is not None]
    if apart:
        config.hook.pytest_deselected(items=apart)
        items[:] = [item for item in items if item.get_closest_marker("private_network") is None]


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """Base URL of a PostgreSQL server: the one given by LIVESTALL_TEST_DATABASE_URL, or a throwaway cluster."""
    given = os.environ.get(TEST_DB_ENV, "")
    if given.startswith("postgresql"):
        yield given
        return
    if postgres_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory) -> str:
    """The database the suite runs on: SQLite by default, PostgreSQL when LIVESTALL_TEST_DATABASE(_URL) says so."""
    if os.environ.get(TEST_DB_ENV, "").startswith("postgresql") or os.environ.get("LIVESTALL_TEST_DATABASE") == "postgresql":
        base = request.getfixturevalue("postgres_url")
        url = create_database(base, f"livestall_{uuid.uuid4().hex[:8]}")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'livestall.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def redis_url():
    """URL of a throwaway redis-server, started for this test run."""
    try:
        with redis_server() as url:
            yield url
    except RuntimeError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def app_server(database_url, tmp_path_factory):
    """One real `livestall serve` process for the session."""
    server = AppProcess(database_url=database_url, data_dir=Path(tmp_path_factory.mktemp("data"))).start()
    yield server
    server.stop()


@pytest.fixture()
def api(app_server):
    """An HTTP client for the running app."""
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def module_api(app_server):
    """An HTTP client for the running app, for what a module sets up once."""
    with httpx.Client(base_url=app_server.url, timeout=30) as client:
        yield client
