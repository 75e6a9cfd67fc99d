"""Several app processes on one machine: PostgreSQL, Redis, N app processes and nginx in front.

`livestall cluster` (and `make run-cluster`) starts them all as its children, in that order, prints
where they listen, and stops them in reverse order on Ctrl-C or SIGTERM. Everything lives under
one directory (var/cluster by default): the PostgreSQL cluster (kept between runs), each app
process's data directory, the uploads they share, nginx's config and logs.
`livestall serve --workers N` runs the same machinery on the configured PostgreSQL (and Redis,
when LIVESTALL_REDIS_URL is set), with nginx on the address `serve` would listen on.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from livestall import migrate

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DATABASE = "livestall"
MAX_APPS = 128  # each process wants about 50 PostgreSQL connections and 100 MB of memory


def usable_cores() -> int:
    """The CPUs this process may run on: its affinity mask, capped by a cgroup CPU quota (containers)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def default_apps() -> int:
    """One app process per usable core: each is one Python event loop, which uses one core at most."""
    return min(usable_cores(), MAX_APPS)


def shown(url: str) -> str:
    """The URL fit for a log line or cluster.json: its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user, _, where = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{where}"))


_GIVEN_PORTS: set[int] = set()


def free_port() -> int:
    """A loopback TCP port nothing listens on right now, and not handed out before by this process: the kernel
    may offer a port again as soon as it is released, before whoever was given it has bound it."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _GIVEN_PORTS:
            _GIVEN_PORTS.add(port)
            return port


def wait_until(ready: Callable[[], bool], what: str, timeout: float, child: Child | None = None) -> None:
    """Poll `ready` until it holds; fail early with the child's log if the child died meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and child.proc.poll() is not None:
            raise RuntimeError(f"{child.name} exited with {child.proc.returncode}:\n{child.tail()}")
        try:
            if ready():
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s" + (f":\n{child.tail()}" if child else ""))


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the cluster process dies without stopping it (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def http_ok(url: str) -> bool:
    return httpx.get(url, timeout=2).status_code == 200


@dataclass
class Child:
    """One process of the cluster, its log, and how to stop it."""

    name: str
    proc: subprocess.Popen
    log: Path
    stop_signal: int = signal.SIGTERM
    pid_file: Path | None = None  # signal the pid written here rather than our child (a runuser wrapper)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def signal(self) -> None:
        """Send the stop signal to the process that does the work."""
        if self.proc.poll() is not None:
            return
        try:
            pid = int(self.pid_file.read_text().split()[0]) if self.pid_file else self.proc.pid
            os.kill(pid, self.stop_signal)
        except (OSError, ValueError, IndexError):
            self.proc.send_signal(self.stop_signal)

    def stop(self, timeout: float = 25.0) -> None:
        if self.proc.poll() is None:
            self.signal()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def spawn(name: str, argv: list[str], log: Path, *, env: dict[str, str] | None = None,
          stop_signal: int = signal.SIGTERM) -> Child:
    """Start a child in its own session (Ctrl-C reaches only us, so that we stop it in order)
    that gets SIGTERM should this process die without stopping it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True, preexec_fn=_die_with_parent)
    return Child(name, proc, log, stop_signal)


class Cluster:
    """PostgreSQL, Redis, `apps` × `livestall serve` and nginx, under `root`, public on `host:port`.

    `database_url` and `redis_url` name servers to use rather than start; `home` is the first app
    process's data directory (default `root/app1`), whose uploads every process shares; `rtmp_port`
    None turns RTMP ingest off."""

    def __init__(self, root: Path, *, host: str = "127.0.0.1", port: int = 8080, apps: int | None = None,
                 rtmp_port: int | None = 1935, demo: bool = False, fsync: bool = True,
                 database_url: str | None = None, redis_url: str | None = None, home: Path | None = None,
                 public_url: str | None = None, ws_public_url: str | None = None,
                 say: Callable[[str], None] = print) -> None:
        self.root, self.host, self.port, self.apps = root.resolve(), host, port, apps or default_apps()
        self.rtmp_port, self.demo, self.fsync, self._say = rtmp_port, demo, fsync, say
        self.database_url, self.redis_url = database_url, redis_url
        self.home = home.resolve() if home else None
        self._began = time.monotonic()
        self.public_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        self.url = f"http://{self.public_host}:{port}"
        self.public_url = public_url or self.url
        self.children: list[Child] = []
        self.cleanup: list[Path] = []  # folders removed at stop
        self.info: dict = {"url": self.url, "ws_url": f"ws://{self.public_host}:{port}", "apps": []}
        self.ws_public_url = ws_public_url or self.info["ws_url"]

    def say(self, line: str) -> None:
        self._say(f"[{time.monotonic() - self._began:5.1f}s] {line}")

    # -- start ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start every part in order; on failure, stop what was started and raise."""
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            self._database()
            self._redis()
            self._apps()
            self._nginx()
        except BaseException:
            self.stop()
            raise
        (self.root / "cluster.json").write_text(json.dumps(self.info, indent=2) + "\n")

    def _database(self) -> None:
        """The given PostgreSQL or our own, migrated here once: never by several processes at once."""
        if self.database_url:
            self.say(f"PostgreSQL  {shown(self.database_url)}  (LIVESTALL_DATABASE_URL)")
        else:
            self.database_url = self._postgres()
        migrate.upgrade(self.database_url)
        if self.demo:
            from livestall.demo import load_demo
            from livestall.settings import Settings

            asyncio.run(load_demo(Settings(database_url=self.database_url, data_dir=self.app_dir(1))))
        self.info["postgres_url"] = shown(self.database_url)

    def _postgres(self) -> str:
        """Start our own PostgreSQL cluster under `root`; its URL."""
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries are not installed (apt-get install postgresql)")
        base, port = self.root / "postgres", free_port()
        data = base / "data"
        # initdb and postgres refuse to run as root: the cluster belongs to the 'postgres' user.
        as_root = os.geteuid() == 0
        prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        base.mkdir(parents=True, exist_ok=True)
        if as_root:
            shutil.chown(base, "postgres")
            if subprocess.run([*prefix, "test", "-w", str(base)]).returncode != 0:
                # A private parent folder (a checkout under /root): a throwaway cluster in /tmp instead.
                base = Path(tempfile.mkdtemp(prefix="livestall-cluster-pg-"))
                shutil.chown(base, "postgres")
                data = base / "data"
                self.cleanup.append(base)
                self.say(f"the postgres user cannot reach {self.root}: the database is a throwaway in {base}")
        if not (data / "PG_VERSION").exists():
            self.say(f"initdb {data}")
            subprocess.run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "livestall", "--auth=trust",
                            "-E", "UTF8", "--no-sync"], check=True, stdout=subprocess.DEVNULL)
        child = spawn("postgres", [*prefix, str(bin_dir / "postgres"), "-D", str(data), "-p", str(port),
                                   "-k", str(base), "-c", "listen_addresses=127.0.0.1",
                                   "-c", f"max_connections={max(200, 50 * self.apps + 20)}",
                                   *([] if self.fsync else ["-c", "fsync=off"])],
                      base / "postgres.log", stop_signal=signal.SIGINT)
        # SIGINT to the postmaster itself (runuser would not pass it on): PostgreSQL's fast shutdown.
        child.pid_file = data / "postmaster.pid"
        self.children.append(child)
        url = f"postgresql+asyncpg://livestall@127.0.0.1:{port}/{DATABASE}"
        wait_until(lambda: asyncio.run(_create_database(port)), "PostgreSQL", 60, child)
        self.say(f"PostgreSQL  127.0.0.1:{port}  (data {data})")
        return url

    def _redis(self) -> None:
        """The given Redis, checked now (without it rooms would silently stay within one process), or our own."""
        if self.redis_url:
            import redis

            try:
                redis.Redis.from_url(self.redis_url, socket_connect_timeout=2, socket_timeout=2).ping()
            except (redis.RedisError, ValueError) as exc:
                raise RuntimeError(f"Redis at {shown(self.redis_url)} (LIVESTALL_REDIS_URL) does not answer: "
                                   f"{exc}") from exc
            self.info["redis_url"] = shown(self.redis_url)
            self.say(f"Redis       {shown(self.redis_url)}  (LIVESTALL_REDIS_URL)")
            return
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        port = free_port()
        # Redis holds only what may be lost (presence, rate limits, fan-out): no persistence.
        child = spawn("redis", [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], self.root / "redis.log")
        self.children.append(child)
        wait_until(lambda: _port_open(port), "Redis", 20, child)
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        self.info["redis_url"] = self.redis_url
        self.say(f"Redis       127.0.0.1:{port}  (started here; it keeps nothing)")

    def app_dir(self, n: int) -> Path:
        """App process n's data directory: `home` for the first when given, else `root/app{n}`."""
        return self.home if n == 1 and self.home else self.root / f"app{n}"

    def _apps(self) -> None:
        # One uploads folder for every process: an image uploaded to one is served by all.
        shared = self.app_dir(1) / "uploads" if self.home else self.root / "uploads"
        shared.mkdir(parents=True, exist_ok=True)
        started = []
        for n in range(1, self.apps + 1):
            data = self.app_dir(n)
            data.mkdir(parents=True, exist_ok=True)
            link = data / "uploads"
            if link != shared and not link.is_symlink():
                shutil.rmtree(link, ignore_errors=True)
                link.symlink_to(shared, target_is_directory=True)
            port, ws_port = free_port(), free_port()
            # The first process is also the ingest machine: RTMP, ffmpeg and the HLS on its disk.
            rtmp = {"LIVESTALL_RTMP_ENABLED": "true", "LIVESTALL_RTMP_PORT": str(self.rtmp_port)} \
                if n == 1 and self.rtmp_port else {"LIVESTALL_RTMP_ENABLED": "false"}
            if n > 1:  # one demo camera and crowd for the cluster, on the ingest machine
                rtmp["LIVESTALL_DEMO_LIVE"] = "false"
            env = {**os.environ, "LIVESTALL_DATABASE_URL": self.database_url, "LIVESTALL_REDIS_URL": self.redis_url,
                   "LIVESTALL_DATA_DIR": str(data), "LIVESTALL_PUBLIC_URL": self.public_url,
                   "LIVESTALL_WS_PUBLIC_URL": self.ws_public_url, "LIVESTALL_WS_PORT": str(ws_port), **rtmp}
            child = spawn(f"app{n}", [sys.executable, "-m", "livestall.cli", "serve", "--host", "127.0.0.1",
                                      "--port", str(port)], data / "server.log", env=env)
            self.children.append(child)
            started.append((child, port))
            self.info["apps"].append({"url": f"http://127.0.0.1:{port}", "ws_port": ws_port, "data_dir": str(data),
                                      "pid": child.proc.pid})
        for (child, port), app in zip(started, self.info["apps"], strict=True):
            wait_until(lambda p=port: http_ok(f"http://127.0.0.1:{p}/healthz"), child.name, 120, child)
            wait_until(lambda a=app: _port_open(a["ws_port"]), f"{child.name} rooms", 20, child)
            self.say(f"{child.name:<11} {app['url']}  rooms :{app['ws_port']}  (log {child.log})")

    def _nginx(self) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        prefix = self.root / "nginx"
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        conf = prefix / "nginx.conf"
        conf.write_text(self.nginx_conf(prefix))
        child = spawn("nginx", [binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)],
                      prefix / "stderr.log", stop_signal=signal.SIGQUIT)  # SIGQUIT: finish requests, then stop
        self.children.append(child)
        wait_until(lambda: http_ok(f"{self.url}/healthz"), "nginx", 20, child)
        self.say(f"nginx       {self.url}  (config {conf})")

    def nginx_conf(self, prefix: Path) -> str:
        """deploy/nginx-cluster.conf.template filled in for this cluster."""
        apps = self.info["apps"]
        values = {
            "USER": "user root;" if os.geteuid() == 0 else "",  # workers read files written by us
            "PREFIX": str(prefix), "DEPLOY": str(DEPLOY), "INGEST_DATA": apps[0]["data_dir"],
            "LISTEN": f"{self.host}:{self.port}",
            "APP_SERVERS": "\n".join(f"        server {a['url'][len('http://'):]};" for a in apps),
            "ROOM_SERVERS": "\n".join(f"        server 127.0.0.1:{a['ws_port']};" for a in apps),
            "INGEST_SERVERS": f"        server {apps[0]['url'][len('http://'):]};",
        }
        text = (DEPLOY / "nginx-cluster.conf.template").read_text()
        for key, value in values.items():
            text = text.replace(f"@@{key}@@", value)
        return text

    # -- run and stop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> int:
        """Keep watching the children until `stop` is set or one of them dies; then stop all."""
        try:
            while not stop.wait(0.5):
                for child in self.children:
                    if child.proc.poll() is not None:
                        self.say(f"{child.name} exited with {child.proc.returncode}; stopping the cluster\n"
                                 f"{child.tail()}")
                        return 1
            return 0
        finally:
            self.stop()

    def stop(self) -> None:
        """Apps first (they drain their rooms through nginx and need PostgreSQL and Redis to stop
        cleanly), then nginx, Redis and PostgreSQL."""
        apps = [c for c in self.children if c.name.startswith("app")]
        for child in apps:
            child.signal()
        order = apps + [c for c in reversed(self.children) if c not in apps]
        for child in order:
            child.stop()
        self.children = []
        for path in self.cleanup:
            shutil.rmtree(path, ignore_errors=True)


def nginx_binary() -> str | None:
    """nginx, if installed (Debian puts it in /usr/sbin, off a non-root PATH)."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def postgres_bin_dir() -> Path | None:
    """Where initdb and postgres live, if the PostgreSQL server is installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return candidates[0].parent if candidates else None


async def _create_database(port: int) -> bool:
    import asyncpg

    try:
        conn = await asyncpg.connect(host="127.0.0.1", port=port, user="livestall", database="postgres", timeout=2)
    except (OSError, asyncpg.PostgresError, TimeoutError):  # not listening yet, or still starting up
        return False
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await conn.execute(f'CREATE DATABASE "{DATABASE}"')
        return True
    finally:
        await conn.close()


def _port_open(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


def main(root: Path, **options) -> int:
    """Start the cluster (`options` as for Cluster), serve until Ctrl-C or SIGTERM, stop it; the exit status."""
    from sqlalchemy.exc import SQLAlchemyError

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    cluster = Cluster(root, say=lambda line: print(line, flush=True), **options)
    try:
        cluster.start()
    except (RuntimeError, TimeoutError, OSError, subprocess.CalledProcessError, SQLAlchemyError) as exc:
        print(f"the cluster did not start: {exc}", file=sys.stderr, flush=True)
        return 1
    print(f"cluster ready: {cluster.url}, {cluster.apps} app processes  (Ctrl-C stops everything)", flush=True)
    code = cluster.run(stop)
    print("cluster stopped", flush=True)
    return code
