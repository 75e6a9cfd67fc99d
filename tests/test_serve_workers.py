"""`livestall serve --workers N` and `cluster --workers N`: what they refuse, the default, and the real run."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from livestall.cluster import shown
from tests.services import create_database, free_port

UPSTREAM = "X-Livestall-Upstream"


def livestall(*args: str, env: dict[str, str] | None = None, preexec_fn=None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIVESTALL_")}
    return subprocess.run([sys.executable, "-m", "livestall.cli", *args], env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=60, preexec_fn=preexec_fn)


def said(result: subprocess.CompletedProcess) -> str:
    """What the command printed, without the error box's frame and line breaks."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stdout + result.stderr).split())


@pytest.mark.parametrize("args", [["serve", "--workers", "0"], ["cluster", "--workers", "0"],
                                  ["cluster", "--apps", "-3"]])
def test_fewer_than_one_process_is_refused_naming_the_option(args, tmp_path):
    result = livestall(*args, "--port", str(free_port()),
                       env={"LIVESTALL_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "'--workers'" in said(result)
    assert re.search(r"greater than or equal to 1|x>=1|1<=x", said(result)), said(result)
    assert list(tmp_path.iterdir()) == []


def test_more_processes_than_the_bound_is_refused_naming_it(tmp_path):
    result = livestall("serve", "--workers", "129", env={"LIVESTALL_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "'--workers'" in said(result) and "128" in said(result)


def test_several_processes_on_sqlite_are_refused_with_the_rule_and_start_nothing(tmp_path):
    port = free_port()
    result = livestall("serve", "--workers", "2", "--port", str(port), env={
        "LIVESTALL_DATA_DIR": str(tmp_path), "LIVESTALL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"})
    assert result.returncode == 2
    text = said(result)
    assert "'--workers'" in text and "need PostgreSQL" in text and "SQLite" in text
    assert "one writer at a time" in text and "LIVESTALL_DATABASE_URL=postgresql+asyncpg://" in text
    assert list(tmp_path.iterdir()) == []  # no database file, no workers folder
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_the_default_number_of_processes_is_the_cpus_this_process_may_use():
    one = sorted(os.sched_getaffinity(0))[:1]
    result = livestall("cluster", "--help", preexec_fn=lambda: os.sched_setaffinity(0, one))
    assert "one per core: 1 here" in said(result)
    probe = subprocess.run([sys.executable, "-c", "from livestall.cluster import default_apps; print(default_apps())"],
                           capture_output=True, text=True, preexec_fn=lambda: os.sched_setaffinity(0, one))
    assert probe.stdout.strip() == "1"


def test_passwords_are_kept_out_of_what_the_cluster_shows():
    assert shown("postgresql+asyncpg://shop:s3cret@db.example:5432/live") == \
        "postgresql+asyncpg://shop:***@db.example:5432/live"
    assert shown("redis://:s3cret@127.0.0.1:6379/0") == "redis://:***@127.0.0.1:6379/0"
    assert shown("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_serve_with_two_workers_runs_them_behind_nginx_on_the_configured_databases(postgres_url, redis_url,
                                                                                  tmp_path):
    if shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"):
        pytest.skip("nginx is not installed")
    database = create_database(postgres_url, f"workers_{uuid.uuid4().hex[:8]}")
    port, data = free_port(), tmp_path / "data"
    log = tmp_path / "serve.out"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIVESTALL_")}
    env = {**clean, "LIVESTALL_DATABASE_URL": database, "LIVESTALL_REDIS_URL": redis_url,
           "LIVESTALL_DATA_DIR": str(data), "LIVESTALL_RTMP_ENABLED": "false"}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "livestall.cli", "serve", "--workers", "2", "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "cluster ready" not in log.read_text():
            assert proc.poll() is None, f"serve --workers exited with {proc.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        info = json.loads((data / "workers" / "cluster.json").read_text())
        assert info["url"] == f"http://127.0.0.1:{port}"
        assert info["postgres_url"] == database and info["redis_url"] == redis_url  # used, not started
        # The first process keeps the data directory `serve` alone would use; the others share its uploads.
        assert [a["data_dir"] for a in info["apps"]] == [str(data.resolve()), str((data / "workers/app2").resolve())]
        assert (data / "workers" / "app2" / "uploads").resolve() == (data / "uploads").resolve()
        with httpx.Client(base_url=info["url"], timeout=30) as api:
            seen = {api.get("/healthz").headers[UPSTREAM] for _ in range(6)}
        assert seen == {a["url"].removeprefix("http://") for a in info["apps"]}
        ports = [port] + [int(a["url"].rsplit(":", 1)[1]) for a in info["apps"]] + [a["ws_port"] for a in info["apps"]]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, log.read_text()
        assert "cluster stopped" in log.read_text()
        for p in ports:
            with socket.socket() as s:
                assert s.connect_ex(("127.0.0.1", p)) != 0, f"something still listens on {p}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def test_a_configured_redis_that_does_not_answer_stops_the_start_with_its_name(postgres_url, tmp_path):
    database = create_database(postgres_url, f"workers_{uuid.uuid4().hex[:8]}")
    port, dead = free_port(), free_port()
    result = livestall("serve", "--workers", "2", "--port", str(port), env={
        "LIVESTALL_DATABASE_URL": database, "LIVESTALL_REDIS_URL": f"redis://:pw@127.0.0.1:{dead}/0",
        "LIVESTALL_DATA_DIR": str(tmp_path / "data"), "LIVESTALL_RTMP_ENABLED": "false"})
    assert result.returncode == 1
    assert f"Redis at redis://:***@127.0.0.1:{dead}/0 (LIVESTALL_REDIS_URL) does not answer" in said(result)
    assert ":pw@" not in result.stdout + result.stderr
    assert not (tmp_path / "data" / "workers" / "cluster.json").exists()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
