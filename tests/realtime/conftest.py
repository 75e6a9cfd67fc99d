"""Fixtures for the room tests: gateways on loop threads, and private Redis servers."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.realtime.support import GatewayThread
from tests.services import IN_CI, free_port, redis_server, wait_for_port


@pytest.fixture()
def gateways():
    """Start gateways with `gateways(settings=..., ...)`; all are stopped after the test."""
    started: list[GatewayThread] = []

    def start(*args, **kwargs) -> GatewayThread:
        gateway = GatewayThread(*args, **kwargs)
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.close()


def _need_redis() -> None:
    if shutil.which("redis-server") is None:
        if IN_CI:
            raise RuntimeError("redis-server is required under CI")
        pytest.skip("redis-server is not installed")


@pytest.fixture()
def rt_redis():
    """A private redis-server for one test (rooms, presence and limits must not see other tests' keys)."""
    _need_redis()
    with redis_server() as url:
        yield url


class RestartableRedis:
    """A redis-server on a fixed port that a test can kill and start again (an outage)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture()
def restartable_redis():
    """A redis-server the test may kill and restart on the same port."""
    _need_redis()
    server = RestartableRedis()
    server.start()
    yield server
    server.kill()
