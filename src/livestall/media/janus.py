"""Janus WebRTC gateway: finding it, writing its configuration, supervising it, and speaking its API."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import logging
import secrets
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import websockets

from livestall.media.supervisor import Supervised
from livestall.settings import Settings

log = logging.getLogger("livestall.media")

LIB_DIRS = (Path("/usr/lib/x86_64-linux-gnu/janus"), Path("/usr/lib/aarch64-linux-gnu/janus"),
            Path("/usr/lib/janus"), Path("/opt/janus/lib/janus"))
STREAMING = "janus.plugin.streaming"
VIDEOROOM = "janus.plugin.videoroom"  # where a studio publishes its camera over WebRTC (webrtc_publish.py)
UNAVAILABLE = "sub-second stage unavailable: Janus is not installed"


def ws_port(settings: Settings) -> int:
    """Janus's WebSocket API port: the setting, else the app's port + 2 (the rooms take + 1)."""
    return settings.janus_ws_port or settings.port + 2


def janus_dir(settings: Settings) -> Path:
    """Janus's configuration, plugin links and log: <data>/janus."""
    return (settings.data_dir / "janus").resolve()


def find_janus(settings: Settings) -> tuple[str, Path] | None:
    """The janus binary and its library folder (with the streaming plugin and websockets transport), if installed."""
    if settings.janus_path:
        binary = settings.janus_path if Path(settings.janus_path).exists() else None
    else:
        binary = shutil.which("janus") or ("/usr/bin/janus" if Path("/usr/bin/janus").exists() else None)
    lib = next((d for d in LIB_DIRS if (d / "plugins" / "libjanus_streaming.so").exists()
                and (d / "transports" / "libjanus_websockets.so").exists()), None)
    if binary is None or lib is None:
        return None
    return binary, lib


def _link_only(folder: Path, source: Path, *names: str) -> Path:
    """A folder holding links to these only: Janus loads every library of a folder, and we want just these."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name in names:
        if (source / name).exists():
            (folder / name).symlink_to(source / name)
    return folder


def write_config(settings: Settings, lib: Path, *, admin_key: str, token_secret: str) -> Path:
    """Write janus.jcfg, the websockets transport and the streaming plugin's config; return janus.jcfg."""
    root = janus_dir(settings)
    conf = root / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    plugins = _link_only(root / "plugins", lib / "plugins", "libjanus_streaming.so", "libjanus_videoroom.so")
    transports = _link_only(root / "transports", lib / "transports", "libjanus_websockets.so")
    empty = root / "none"
    empty.mkdir(exist_ok=True)
    nat = ['ice_ignore_list = "vmnet"']
    if settings.janus_ice_enforce_list:
        nat.append(f'ice_enforce_list = "{settings.janus_ice_enforce_list}"')
    if settings.janus_nat_1_1:
        nat.append(f'nat_1_1_mapping = "{settings.janus_nat_1_1}"')
    nat_lines = "\n    ".join(nat)
    (conf / "janus.jcfg").write_text(f"""# Written by livestall at each start: change LIVESTALL_JANUS_* instead.
general: {{
    configs_folder = "{conf}"
    plugins_folder = "{plugins}"
    transports_folder = "{transports}"
    events_folder = "{empty}"
    loggers_folder = "{empty}"
    debug_level = 3
    session_timeout = {settings.janus_session_timeout_s}
    reclaim_session_timeout = 0
    token_auth = true
    token_auth_secret = "{token_secret}"
    server_name = "livestall"
    event_loops = {settings.janus_event_loops}
}}
certificates: {{
}}
media: {{
    rtp_port_range = "{settings.janus_rtp_ports}"
    no_media_timer = 2
}}
nat: {{
    {nat_lines}
    ice_consent_freshness = true
    ignore_mdns = true
}}
plugins: {{
}}
transports: {{
}}
events: {{
    broadcast = false
}}
""")
    host = f'\n    ws_ip = "{settings.janus_ws_host}"' if settings.janus_ws_host else ""
    (conf / "janus.transport.websockets.jcfg").write_text(f"""general: {{
    json = "plain"
    ws = true
    ws_port = {ws_port(settings)}{host}
    wss = false
}}
admin: {{
    admin_ws = false
}}
""")
    (conf / "janus.plugin.streaming.jcfg").write_text(f"""general: {{
    admin_key = "{admin_key}"
    rtp_port_range = "{settings.janus_rtp_ports}"
    events = false
    string_ids = false
}}
""")
    # Rooms only through the API with the admin key, and RTP forwarding locked behind it too: only the app opens a
    # studio's room and sends its media anywhere; the host's own token may only join it, with the room's pin.
    (conf / "janus.plugin.videoroom.jcfg").write_text(f"""general: {{
    admin_key = "{admin_key}"
    lock_rtp_forward = true
    events = false
    string_ids = false
}}
""")
    return conf / "janus.jcfg"


def sign_token(secret: str, ttl_s: float, *, now: float | None = None,
               plugin: str = STREAMING) -> tuple[str, float]:
    """A Janus HMAC-signed token for one plugin (streaming by default), valid `ttl_s`; and when it expires (epoch s)."""
    expires = int((now or time.time()) + ttl_s)
    data = f"{expires},janus,{plugin}"
    signature = base64.b64encode(hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()).decode()
    return f"{data}:{signature}", float(expires)


class JanusError(Exception):
    """Janus, or its streaming plugin, refused a request (or could not be reached)."""


class JanusClient:
    """The app's own session with Janus's streaming plugin, used to create and destroy mountpoints."""

    def __init__(self, url: str, token_secret: str) -> None:
        self.url, self.token_secret = url, token_secret
        self._lock = asyncio.Lock()
        self._ids = itertools.count(1)

    async def request(self, body: dict, timeout: float = 5.0, plugin: str = STREAMING) -> dict:
        """One plugin request (streaming by default) on a fresh session; the plugin's answer (`plugindata.data`)."""
        async with self._lock:  # a handful of calls per show: one at a time keeps the exchange simple
            try:
                return await asyncio.wait_for(self._request(body, plugin), timeout)
            except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as exc:
                raise JanusError(f"Janus did not answer: {exc!r}") from exc

    async def _request(self, body: dict, plugin: str = STREAMING) -> dict:
        token, _ = sign_token(self.token_secret, 60, plugin=plugin)
        async with websockets.connect(self.url, subprotocols=["janus-protocol"], open_timeout=3) as ws:
            session = await self._call(ws, {"janus": "create", "token": token})
            session_id = session["data"]["id"]
            handle = await self._call(ws, {"janus": "attach", "plugin": plugin, "session_id": session_id,
                                           "token": token})
            answer = await self._call(ws, {"janus": "message", "session_id": session_id,
                                           "handle_id": handle["data"]["id"], "body": body, "token": token})
            await ws.send(json.dumps({"janus": "destroy", "session_id": session_id, "token": token,
                                      "transaction": self._tx()}))
        data = answer.get("plugindata", {}).get("data", {})
        if data.get("error_code"):
            raise JanusError(f"{data.get('error_code')}: {data.get('error')}")
        return data

    def _tx(self) -> str:
        return f"ls{next(self._ids)}"

    async def _call(self, ws, message: dict) -> dict:
        tx = self._tx()
        await ws.send(json.dumps({**message, "transaction": tx}))
        while True:
            reply = json.loads(await ws.recv())
            if reply.get("transaction") != tx or reply.get("janus") == "ack":
                continue
            if reply.get("janus") == "error":
                raise JanusError(str(reply.get("error")))
            return reply


class JanusProcess:
    """Janus supervised like nginx-rtmp: configuration written at start, restarted when it dies."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.found = find_janus(settings) if settings.janus_enabled else None
        self.admin_key = secrets.token_urlsafe(24)
        self.token_secret = secrets.token_urlsafe(24)
        self.process: Supervised | None = None
        host = settings.janus_ws_host if settings.janus_ws_host not in ("", "0.0.0.0") else "127.0.0.1"
        self.client = JanusClient(f"ws://{host}:{ws_port(settings)}", self.token_secret)
        self.generation = 0  # counts Janus starts: mountpoints made before a restart are gone
        self.ingest = True  # False where RTMP ingest does not run: no shows to forward, so no Janus

    @property
    def installed(self) -> bool:
        return self.found is not None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.pid is not None

    def reason(self) -> str:
        """Why the stage is or is not offered: ok, off, not_installed or not_running."""
        if not self.settings.janus_enabled or not self.ingest:
            return "off"
        if not self.installed:
            return "not_installed"
        return "ok" if self.running else "not_running"

    def status(self) -> str:
        """What the studio and the API say about the sub-second stage."""
        return {"ok": "ok", "off": "sub-second stage off here (no RTMP ingest, or LIVESTALL_JANUS_ENABLED=false)",
                "not_installed": UNAVAILABLE,
                "not_running": "sub-second stage unavailable: Janus is not running"}[self.reason()]

    async def start(self) -> None:
        if not self.settings.janus_enabled:
            log.info("sub-second stage is off (LIVESTALL_JANUS_ENABLED=false)")
            return
        if self.found is None:
            log.warning("%s (apt-get install janus, then restart livestall); everyone plays HLS", UNAVAILABLE)
            return
        binary, lib = self.found
        conf = write_config(self.settings, lib, admin_key=self.admin_key, token_secret=self.token_secret)
        root = janus_dir(self.settings)

        async def started(_process: Supervised) -> None:
            self.generation += 1

        self.process = Supervised("janus", [binary, "-C", str(conf), "-F", str(conf.parent), "-N",
                                            "-L", str(root / "janus.log"), "-o"],
                                  log_path=root / "stderr.log", on_start=started).start()
        await self.process.wait_started()
        log.info("sub-second stage: Janus WebSocket API on port %s", ws_port(self.settings),
                 extra={"janus_conf": str(conf), "pid": self.process.pid})

    async def wait_ready(self, timeout: float = 10.0) -> bool:
        """Wait until Janus answers on its WebSocket port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.running:
                try:
                    await self.client.request({"request": "list"}, timeout=2)
                    return True
                except JanusError:
                    pass
            await asyncio.sleep(0.2)
        return False

    async def stop(self) -> None:
        if self.process is not None:
            await self.process.stop()


def public_ws_url(settings: Settings) -> str:
    """Where a browser reaches Janus's WebSocket API (also the page's Content-Security-Policy source)."""
    if settings.janus_public_ws_url:
        return settings.janus_public_ws_url.rstrip("/")
    public = urlsplit(settings.public_url)
    scheme = "wss" if public.scheme == "https" else "ws"
    return f"{scheme}://{public.hostname or settings.host}:{ws_port(settings)}"

