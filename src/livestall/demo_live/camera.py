"""The demo's camera: ffmpeg draws a phone-on-a-stand picture with a running clock and publishes it the way a
host would, over RTMP into nginx-rtmp (as OBS does) or as WebM chunks over the go-live socket (as a browser does)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from livestall.media.ingest import CLUSTER
from livestall.media.supervisor import Supervised

log = logging.getLogger("livestall.demo")

WIDTH, HEIGHT, FPS = 720, 1280, 15  # a phone standing upright; 15 fps keeps the encode near a tenth of a core
# Plain bars and a counter: what the demo shows when this ffmpeg cannot draw text (no fonts, no libfreetype).
PLAIN = f"testsrc2=s={WIDTH}x{HEIGHT}:r={FPS}"
BAR = "\u2588" * 12  # full blocks
X264 = ["-c:v", "libx264", "-preset", "superfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
        "-g", str(FPS), "-keyint_min", str(FPS), "-force_key_frames", "expr:gte(t,n_forced*1)",
        # superfast rather than ultrafast: half the bitrate of a mostly still picture (the replay keeps every
        # segment) for about one percent of a core more
        "-crf", "30", "-maxrate", "600k", "-bufsize", "1200k"]


def _escape(text: str) -> str:
    """`text` as a filter option value inside a filter graph (both levels of ffmpeg's escaping)."""
    value = text.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\:")
    return re.sub(r"([\\'\[\],;])", r"\\\1", value)


def _caption(text: str, width_px: int, largest: int) -> tuple[str, int] | None:
    """Text the picture's font can draw, with a size that fits `width_px`; None when it cannot be drawn."""
    text = text.replace("%", "").replace("\\", "").strip()
    if not text or any(ord(c) > 0x24F or not c.isprintable() for c in text):
        return None  # the font covers Latin only; a caption of empty boxes is worse than none
    return text, min(largest, int(width_px / (0.6 * len(text))))


def picture(shop: str, title: str) -> str:
    """The lavfi graph of the demo's picture: the shop, the show's title, a clock and a bar sliding across."""
    graph = [f"color=c=0x5b3a4a:s={WIDTH}x{HEIGHT}:r={FPS}", "drawbox=x=0:y=0:w=iw:h=ih*0.42:color=0x7a4e5f@1:t=fill"]
    for text, y, largest, color in ((shop, 300, 64, "white"), (title, 400, 30, "0xf3e6ea"),
                                    ("demo camera: a picture drawn by ffmpeg", 1180, 26, "0xd9c2ca")):
        caption = _caption(text, WIDTH - 80, largest)
        if caption is not None:
            graph.append(f"drawtext=font=DejaVu Sans:text={_escape(caption[0])}:fontsize={caption[1]}:"
                         f"fontcolor={color}:x=(w-text_w)/2:y={y}")
    clock = _escape("%{localtime:%H\\:%M\\:%S}")
    graph.append(f"drawtext=font=DejaVu Sans Mono:text={clock}:fontsize=120:fontcolor=white:x=(w-text_w)/2:y=620")
    # Blocks sliding across (drawtext knows the time, drawbox does not), so that the picture moves every frame.
    graph.append(f"drawtext=font=DejaVu Sans Mono:text={BAR}:fontsize=20:fontcolor=0xf6c445:"
                 "x='mod(t*160\\,w+200)-200':y=820")
    return ",".join(graph)


async def choose_picture(ffmpeg: str, shop: str, title: str) -> str:
    """The drawn picture when this ffmpeg can draw it, else plain test bars."""
    drawn = picture(shop, title)
    process = await asyncio.create_subprocess_exec(
        ffmpeg, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", drawn, "-frames:v", "1", "-f", "null", "-",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        _, err = await asyncio.wait_for(process.communicate(), 20)
    except TimeoutError:
        process.kill()
        await process.wait()
        return PLAIN
    if process.returncode != 0:
        log.warning("the demo camera shows test bars: this ffmpeg cannot draw its picture (%s)",
                    err.decode(errors="replace").strip()[-200:])
        return PLAIN
    return drawn


def encode(ffmpeg: str, graph: str, *, audio: list[str], out: list[str]) -> list[str]:
    """ffmpeg drawing `graph` in real time, with silence for sound, encoded as a phone would send it."""
    return [ffmpeg, "-hide_banner", "-loglevel", "warning", "-re", "-f", "lavfi", "-i", graph,
            "-re", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-map", "0:v", "-map", "1:a",
            *X264, *audio, *out]


class RtmpCamera:
    """Publishes to nginx-rtmp with the host's stream key, as OBS does; restarted whenever ffmpeg stops."""

    source = "rtmp"

    def __init__(self, ffmpeg: str, graph: str, url: str, log_path: Path, show_id: int) -> None:
        argv = encode(ffmpeg, graph, audio=["-c:a", "aac", "-b:a", "32k"], out=["-f", "flv", url])
        self.process = Supervised(f"demo-camera {show_id}", argv, log_path=log_path)

    def start(self) -> None:
        self.process.start()

    async def stop(self) -> None:
        await self.process.stop()


class BrowserCamera:
    """Sends WebM chunks over the go-live socket as the host's browser does (H.264 and Opus, 1 s clusters)."""

    # ffmpeg writes into a local socket of ours, one connection per run, so that each run (the first, or one
    # after a crash) reaches the server as a new recording that starts with its own WebM header.
    source = "browser"

    def __init__(self, ffmpeg: str, graph: str, url: str, token: Callable[[], Awaitable[str]], log_path: Path,
                 show_id: int) -> None:
        self.ffmpeg, self.graph, self.url, self.token = ffmpeg, graph, url, token
        self.log_path, self.show_id = log_path, show_id
        self.ws: ClientConnection | None = None
        self._folder = Path(tempfile.mkdtemp(prefix="livestall-demo-"))  # short: socket paths hold 107 bytes
        self._socket = self._folder / "camera.sock"
        self._server: asyncio.AbstractServer | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="demo browser camera")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._server is not None:
            self._server.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    async def _run(self) -> None:
        self._server = await asyncio.start_unix_server(self._forward, path=str(self._socket))
        argv = encode(self.ffmpeg, self.graph, audio=["-c:a", "libopus", "-b:a", "32k"],
                      out=["-f", "matroska", "-cluster_time_limit", "1000", f"unix://{self._socket}"])
        pause = 1.0
        while True:
            process = None
            try:
                async with connect(self.url, additional_headers={"Authorization": f"Bearer {await self.token()}"},
                                   open_timeout=10, max_size=2 ** 20) as ws:
                    self.ws = ws
                    process = Supervised(f"demo-camera {self.show_id}", argv, log_path=self.log_path).start()
                    async for message in ws:
                        frame = json.loads(message) if isinstance(message, str) else {}
                        if frame.get("type") == "ready":
                            pause = 1.0
                        elif frame.get("type") == "error":
                            log.warning("the demo camera was refused: %s", frame.get("detail"),
                                        extra={"show_id": self.show_id})
            except (OSError, TimeoutError, WebSocketException) as exc:
                log.info("the demo camera's go-live socket closed: %s", exc, extra={"show_id": self.show_id})
            finally:
                self.ws = None
                if process is not None:
                    await process.stop()
            await asyncio.sleep(pause)
            pause = min(pause * 2, 30.0)

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One ffmpeg run's bytes to the socket; the first message holds the whole WebM header, as a browser's does."""
        head: bytes | None = b""
        try:
            while data := await reader.read(65536):
                if head is not None:
                    head += data
                    if CLUSTER not in head and len(head) < 2 ** 20:
                        continue
                    data, head = head, None
                if self.ws is not None:
                    await self.ws.send(data)
        except ConnectionClosed:
            pass  # the socket's loop reconnects; this run's ffmpeg is stopped with it
        finally:
            writer.close()
