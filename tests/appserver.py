"""A real Livestall process (`livestall serve`) for tests: start, wait until healthy, stop or kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.services import free_port, in_private_network

# The suite signs up and logs in hundreds of users from one address: the login and sign-up
# throttles (tests/security) would refuse them at their production defaults.
TEST_AUTH_LIMITS = {f"LIVESTALL_AUTH_{name}": "1000000" for name in (
    "LOGIN_PER_ACCOUNT", "LOGIN_PER_IP", "REGISTER_PER_ACCOUNT", "REGISTER_PER_IP")}
# Passwords at the lowest argon2id cost the settings allow (OWASP's minimum): each sign-up and login
# costs about 60 ms instead of 180 ms, and the suite makes thousands of them.
TEST_PASSWORD_COST = {"LIVESTALL_PASSWORD_HASH_MEMORY_KIB": "19456", "LIVESTALL_PASSWORD_HASH_TIME_COST": "2",
                      "LIVESTALL_PASSWORD_HASH_PARALLELISM": "1"}
# Every event the app makes is checked against its declaration (livestall.events.catalog): an undeclared
# type, or a payload its schema refuses, fails the request or frame that made it.
TEST_STRICT_EVENTS = {"LIVESTALL_STRICT_EVENTS": "1"}


def stage_env() -> dict[str, str]:
    """Janus only inside scripts/private-network: elsewhere WebRTC media would go over the machine's real address
    (Janus never uses loopback), so the stage is off and studios and players keep to their HLS paths."""
    return {} if in_private_network() else {"LIVESTALL_JANUS_ENABLED": "false"}


class AppProcess:
    """`python -m livestall.cli serve` on a free port with its own data directory and database URL."""

    def __init__(self, *, database_url: str, data_dir: Path, env: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        self.database_url = database_url
        self.data_dir = data_dir
        self.port = port or free_port()
        self.ws_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_base = f"ws://127.0.0.1:{self.ws_port}"
        self.rtmp_port = free_port()  # never the default 1935, which another run may hold
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None
        self.log_path = data_dir / f"server-{self.port}.log"

    def start(self, timeout: float = 60.0) -> "AppProcess":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "LIVESTALL_DATABASE_URL": self.database_url, "LIVESTALL_DATA_DIR": str(self.data_dir),
               "LIVESTALL_LOG_LEVEL": "INFO", "LIVESTALL_WS_PORT": str(self.ws_port),
               "LIVESTALL_RTMP_PORT": str(self.rtmp_port), "LIVESTALL_RTMP_HOST": "127.0.0.1",
               **TEST_AUTH_LIMITS, **TEST_PASSWORD_COST, **TEST_STRICT_EVENTS, **stage_env(), **self.extra_env}
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "livestall.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"livestall serve exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"livestall serve not healthy after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        """SIGTERM, as a service manager would; SIGKILL if it does not stop in time."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL the whole process group: no cleanup at all."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
