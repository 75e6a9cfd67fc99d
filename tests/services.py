"""Throwaway PostgreSQL and Redis servers, started as children of the test run."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from livestall.cluster import free_port, postgres_bin_dir  # noqa: F401 (free_port: for the tests)

IN_CI = os.environ.get("CI", "").lower() == "true"


def wait_for_port(port: int, timeout: float = 20.0, host: str = "127.0.0.1") -> None:
    """Block until something accepts connections on `port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


class PostgresCluster:
    """A private PostgreSQL cluster on a free port, owned by the 'postgres' user when run as root
    (initdb refuses to run as root). A fault test may restart it under a running app."""

    def __init__(self) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries are not installed (apt-get install postgresql)")
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="livestall-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            shutil.chown(self.root, "postgres")
        subprocess.run([*self.prefix, str(self.bin / "initdb"), "-D", str(self.data), "-U", "livestall",
                        "--auth=trust", "-E", "UTF8", "--no-sync"], check=True, stdout=subprocess.DEVNULL)
        self.url = f"postgresql+asyncpg://livestall@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        subprocess.run([*self.prefix, str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts,
                        "-l", str(self.root / "log"), *args], check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        self._ctl("-w", "start")

    def restart(self) -> None:
        """Stop immediately (every connection cut, as in a crash) and start again."""
        self._ctl("-m", "immediate", "-w", "stop")
        self.start()

    def destroy(self) -> None:
        subprocess.run([*self.prefix, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def postgres_server():
    """Start a private PostgreSQL cluster on a free port; yield its base URL (database 'postgres')."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster.url
    finally:
        cluster.destroy()


def create_database(base_url: str, name: str) -> str:
    """Create database `name` on the server of `base_url`; return its URL."""
    import asyncio

    import asyncpg

    plain = base_url.replace("postgresql+asyncpg://", "postgresql://")

    async def run() -> None:
        conn = await asyncpg.connect(plain)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(run())
    return base_url.rsplit("/", 1)[0] + f"/{name}"


@contextmanager
def redis_server():
    """Start redis-server on a free port with no persistence; yield its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


def in_private_network() -> bool:
    """Whether this process runs in scripts/private-network's namespace: no interface but lo, ls0 and ls1."""
    if os.environ.get("LIVESTALL_PRIVATE_NETWORK") != "1":
        return False
    with open("/proc/net/dev") as devices:  # per network namespace, unlike /sys/class/net
        names = {line.split(":")[0].strip() for line in devices.readlines()[2:]}
    return names <= {"lo", "ls0", "ls1"}
