"""Supervised child processes: started, restarted after a crash with a growing pause, stopped on shutdown."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from livestall import metrics

log = logging.getLogger("livestall.media")

MIN_BACKOFF_S, MAX_BACKOFF_S, HEALTHY_AFTER_S = 0.5, 10.0, 30.0


class Supervised:
    """One long-running child process, kept running until stop() even if it crashes."""

    def __init__(self, name: str, argv: list[str] | Callable[[], list[str]], *, log_path: Path, stdin: bool = False,
                 on_start: Callable[["Supervised"], Awaitable[None]] | None = None,
                 prepare: Callable[[], None] | None = None, stop_signal: int = signal.SIGTERM) -> None:
        self.name, self.argv, self.log_path, self.stdin = name, argv, log_path, stdin
        self.on_start = on_start
        self.prepare = prepare  # run before each start, e.g. to clear what a killed process left behind
        self.stop_signal = stop_signal
        self.proc: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self._stopping = False
        self._task: asyncio.Task | None = None
        self._started = asyncio.Event()

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc and self.proc.returncode is None else None

    def start(self) -> "Supervised":
        """Start the child and its watcher."""
        self._task = asyncio.create_task(self._run(), name=f"supervise {self.name}")
        return self

    async def wait_started(self, timeout: float = 10.0) -> None:
        """Wait until the first process has been spawned (raises TimeoutError)."""
        await asyncio.wait_for(self._started.wait(), timeout)

    async def _spawn(self) -> asyncio.subprocess.Process:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.prepare is not None:
            self.prepare()
        with open(self.log_path, "ab") as logfile:
            argv = self.argv() if callable(self.argv) else self.argv
            stdin = asyncio.subprocess.PIPE if self.stdin else asyncio.subprocess.DEVNULL
            return await asyncio.create_subprocess_exec(*argv, stdin=stdin, stdout=asyncio.subprocess.DEVNULL,
                                                        stderr=logfile, preexec_fn=_die_with_parent)

    async def _run(self) -> None:
        backoff = MIN_BACKOFF_S
        while not self._stopping:
            began = time.monotonic()
            try:
                self.proc = await self._spawn()
            except OSError as exc:
                log.error("cannot start %s: %s", self.name, exc, extra={"proc_name": self.name})
                self.proc = None
            else:
                log.info("%s started (pid %s)", self.name, self.proc.pid, extra={"proc_name": self.name})
                if self.on_start is not None:
                    try:
                        await self.on_start(self)
                    except Exception:  # a failing hook must not stop the supervision
                        log.exception("start hook of %s failed", self.name)
                self._started.set()
                code = await self.proc.wait()
                if self._stopping:
                    break
                log.warning("%s exited with %s; restarting", self.name, code,
                            extra={"proc_name": self.name, "returncode": code, "log": str(self.log_path)})
            if time.monotonic() - began > HEALTHY_AFTER_S:
                backoff = MIN_BACKOFF_S
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)
            self.restarts += 1
            metrics.PROCESS_RESTARTS.labels(metrics.process_kind(self.name)).inc()

    async def write(self, data: bytes) -> bool:
        """Feed the child's stdin; False when it is not running (the chunk is dropped)."""
        proc = self.proc
        if proc is None or proc.stdin is None or proc.returncode is not None:
            return False
        try:
            proc.stdin.write(data)
            await proc.stdin.drain()
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop the child (its stdin closed, then a signal, then SIGKILL) and stop watching it."""
        self._stopping = True
        proc = self.proc
        if proc is not None and proc.returncode is None:
            if proc.stdin is not None:
                try:
                    proc.stdin.close()  # ffmpeg finishes its last segment on end of input
                    await asyncio.wait_for(proc.wait(), min(timeout, 2.0))
                except (asyncio.TimeoutError, BrokenPipeError, ConnectionResetError):
                    pass
            if proc.returncode is None:
                try:
                    proc.send_signal(self.stop_signal)
                    await asyncio.wait_for(proc.wait(), timeout)
                except ProcessLookupError:
                    pass
                except asyncio.TimeoutError:
                    proc.kill()
                    await proc.wait()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the app dies without stopping it (Linux), so no orphan keeps a port."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def kill_stale(pid_file: Path, must_contain: str) -> None:
    """SIGTERM a process left running by an earlier run that died without cleaning up."""
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, ValueError):
        return
    if must_contain in cmdline and _alive(pid):
        log.warning("stopping a leftover process %s (%s)", pid, cmdline.strip())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        for _ in range(50):
            if not _alive(pid):
                break
            time.sleep(0.1)


def _alive(pid: int) -> bool:
    """Running, not gone and not a zombie nobody reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status
