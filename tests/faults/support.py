"""A PostgreSQL cluster a fault test may restart under a running app."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.services import free_port, postgres_bin_dir


class RestartablePostgres:
    """A private cluster on a free port (owned by the 'postgres' user when run as root)."""

    def __init__(self) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries are not installed")
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="livestall-faults-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            shutil.chown(self.root, "postgres")
        subprocess.run([*self.prefix, str(self.bin / "initdb"), "-D", str(self.data), "-U", "livestall",
                        "--auth=trust", "-E", "UTF8", "--no-sync"], check=True, stdout=subprocess.DEVNULL)
        self.url = f"postgresql+asyncpg://livestall@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
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
