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


@contextmanager
def postgres_server():
    """Start a private PostgreSQL cluster on a free port; yield its base URL (database 'postgres')."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="livestall-pg-"))
    data = root / "data"
    port = free_port()
    as_root = os.geteuid() == 0
    # initdb refuses to run as root, so the cluster belongs to the 'postgres' system user.
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(root, "postgres")
    subprocess.run(
        [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "livestall", "--auth=trust", "-E", "UTF8",
         "--no-sync"],
        check=True, stdout=subprocess.DEVNULL,
    )
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
    subprocess.run(
        [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
        check=True, stdout=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql+asyncpg://livestall@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(root, ignore_errors=True)


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
