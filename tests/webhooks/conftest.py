"""An app of its own for webhook tests: loopback URLs allowed (development setting), quick retries."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.appserver import AppProcess
from tests.notifications.support import own_database


@pytest.fixture(scope="module")
def dev_app(request, tmp_path_factory):
    url = own_database(request, tmp_path_factory, "webhooks")
    server = AppProcess(database_url=url, data_dir=Path(tmp_path_factory.mktemp("webhooks")), env={
        "LIVESTALL_WEBHOOKS_ALLOW_PRIVATE": "true", "LIVESTALL_WEBHOOK_BACKOFF_S": "0.3",
        "LIVESTALL_WEBHOOK_MAX_ATTEMPTS": "3", "LIVESTALL_NOTIFICATION_JOBS_INTERVAL_S": "0.1"}).start()
    yield server
    server.stop()


@pytest.fixture()
def dev_api(dev_app):
    with httpx.Client(base_url=dev_app.url, timeout=30) as client:
        yield client
