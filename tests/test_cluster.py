"""`livestall cluster`: PostgreSQL, Redis, one app process per core and nginx, used through nginx only."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from livestall.cluster import usable_cores
from tests.helpers import make_shop, make_show, register
from tests.room_client import RoomClient
from tests.services import free_port, postgres_bin_dir

UPSTREAM = "X-Livestall-Upstream"  # set by the cluster's nginx: which app process answered


@pytest.fixture(scope="module")
def cluster():
    """`python -m livestall.cli cluster`, as `make run-cluster` runs it, in a throwaway directory."""
    missing = [name for name in ("redis-server", "nginx") if shutil.which(name) is None and
               not os.path.exists(f"/usr/sbin/{name}")]
    if postgres_bin_dir() is None:
        missing.append("postgresql")
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    # Not under pytest's private (0700) folder: PostgreSQL runs as the postgres user and must reach it.
    root = Path(tempfile.mkdtemp(prefix="livestall-cluster-"))
    root.chmod(0o755)
    port = free_port()
    log = root / "cluster.out"
    # Without --workers it starts one app process per core: on two CPUs of this machine, two.
    two = sorted(os.sched_getaffinity(0))[:2]
    workers = [] if usable_cores() >= 2 else ["--workers", "2"]
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "livestall.cli", "cluster", "--dir", str(root / "c"),
                                 "--port", str(port), "--rtmp-port", str(free_port()), "--no-fsync", *workers],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=lambda: os.sched_setaffinity(0, two))
    deadline = time.monotonic() + 150
    while "cluster ready" not in log.read_text():
        assert proc.poll() is None, f"the cluster exited with {proc.returncode}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"the cluster did not start:\n{log.read_text()}"
        time.sleep(0.2)
    info = json.loads((root / "c" / "cluster.json").read_text())
    yield {"proc": proc, "info": info, "port": port, "log": log}
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    shutil.rmtree(root, ignore_errors=True)


def upstreams(info: dict) -> set[str]:
    return {app["url"].removeprefix("http://") for app in info["apps"]}


def test_the_default_is_one_app_process_per_core(cluster):
    assert len(cluster["info"]["apps"]) == 2
    assert "cluster ready" in cluster["log"].read_text() and "2 app processes" in cluster["log"].read_text()


def test_healthz_through_nginx_reaches_both_app_processes(cluster):
    seen = set()
    with httpx.Client(base_url=cluster["info"]["url"], timeout=30) as api:
        for _ in range(6):
            response = api.get("/healthz")
            assert response.json() == {"status": "ok"}
            seen.add(response.headers[UPSTREAM])
        assert api.get("/metrics").status_code == 404  # scraped per process, never through the proxy
        # Playlists come from the app, which stamps their segments' moments; segments straight from the disk.
        playlist = api.get("/hls/987654/index.m3u8")
        assert playlist.status_code == 404 and "playlist" in playlist.json()["detail"]
        assert playlist.headers[UPSTREAM] in upstreams(cluster["info"])
        assert UPSTREAM not in api.get("/hls/987654/1796553879617.ts").headers
    assert seen == upstreams(cluster["info"])


def test_a_chat_message_crosses_app_processes_through_nginx(cluster):
    info = cluster["info"]
    with httpx.Client(base_url=info["url"], timeout=30) as api:
        host = register(api, roles=["seller", "host"])
        show = make_show(api, host, make_shop(api, host)["id"])
        started = api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers)
        assert started.status_code == 200, started.text
        assert started.json()["ws_url"] == f"{info['ws_url']}/ws/shows/{show['id']}"  # the room is behind nginx
        viewer = register(api)

    # No sticky sessions: successive sockets go round the app processes' room ports.
    rooms = {f"127.0.0.1:{app['ws_port']}" for app in info["apps"]}
    clients: dict[str, RoomClient] = {}
    opened = []
    try:
        while len(clients) < 2 and len(opened) < 6:
            client = RoomClient(info["ws_url"], show["id"], viewer.token)
            opened.append(client)
            clients.setdefault(client.ws.response.headers[UPSTREAM], client)
        assert set(clients) == rooms
        a, b = clients.values()
        assert a.request("chat.send", text="hola desde A")["type"] == "ack"
        assert b.wait_event("chat.message", lambda d: d["text"] == "hola desde A")["text"] == "hola desde A"
        assert b.request("chat.send", text="hello from B")["type"] == "ack"
        assert a.wait_event("chat.message", lambda d: d["text"] == "hello from B")
    finally:
        for client in opened:
            client.close()


def test_ctrl_c_stops_everything(cluster):
    info, proc = cluster["info"], cluster["proc"]
    ports = [cluster["port"], int(info["redis_url"].rsplit(":", 1)[1].split("/")[0]),
             int(info["postgres_url"].rsplit(":", 1)[1].split("/")[0])]
    for app in info["apps"]:
        ports += [int(app["url"].rsplit(":", 1)[1]), app["ws_port"]]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(60) == 0, cluster["log"].read_text()
    assert "cluster stopped" in cluster["log"].read_text()
    for port in ports:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"something still listens on {port}"


def test_the_production_nginx_examples_pass_nginx_t(tmp_path):
    """deploy/nginx.conf and deploy/nginx-ingest.conf, with their snippets, as an operator installs them."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx) or shutil.which("openssl") is None:
        pytest.skip("nginx or openssl is not installed")
    deploy = Path(__file__).resolve().parents[1] / "deploy"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=t",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    moves = {"/etc/nginx/snippets/": f"{deploy}/nginx/", "/var/cache/nginx/": f"{tmp_path}/cache/",
             "/etc/letsencrypt/live/live.example.com/fullchain.pem": str(tmp_path / "cert.pem"),
             "/etc/letsencrypt/live/live.example.com/privkey.pem": str(tmp_path / "key.pem")}
    (tmp_path / "cache").mkdir()
    sites = []
    for name in ("nginx.conf", "nginx-ingest.conf"):
        text = (deploy / name).read_text()
        for old, new in moves.items():
            text = text.replace(old, new)
        (tmp_path / name).write_text(text)
        sites.append(f"include {tmp_path / name};")
    temp = " ".join(f"{kind}_temp_path {tmp_path}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                        "scgi"))
    (tmp_path / "main.conf").write_text(f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n{temp}\n"
                                        + "\n".join(sites) + "\n}\n")
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c",
                              str(tmp_path / "main.conf")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
