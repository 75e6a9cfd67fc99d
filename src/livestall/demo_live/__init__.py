"""The demo's live show while the app runs (LIVESTALL_DEMO_LIVE): a generated camera, products pinned, a flash sale
always coming and demo viewers talking, each through the path a real host or viewer takes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import select, update

from livestall.accounts.models import User
from livestall.catalog.models import Product, Shop
from livestall.demo import LIVE_SHOW, PEOPLE
from livestall.demo_live.camera import BrowserCamera, RtmpCamera, choose_picture
from livestall.demo_live.keys import DemoKeys
from livestall.demo_live.script import script_for
from livestall.demo_live.selling import keep_a_sale_coming, pin_products
from livestall.demo_live.voices import Crowd, Voice
from livestall.realtime.config import ws_bind
from livestall.runtime import Runtime
from livestall.shows.models import Show

log = logging.getLogger("livestall.demo")

OPEN = ("scheduled", "live")
CHECK_EVERY_S = 5.0
START_WITHOUT_VIDEO_AFTER_S = 30.0  # a new show whose camera has not started it by then is started by its host


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    language: str


@dataclass(frozen=True)
class DemoShowRow:
    id: int
    status: str
    shop_id: int
    shop_name: str
    host_id: int
    title: str
    description: str
    language: str
    market: str
    category: str


@asynccontextmanager
async def demo_live(runtime: Runtime) -> AsyncIterator[None]:
    """Run the demo's live show in the background while the app serves; it stops before the rest of the app."""
    demo = DemoLive(runtime)
    task = asyncio.create_task(demo.run(), name="demo live show")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await demo.pause()


def loopback(host: str) -> str:
    """How this process reaches its own listener bound to `host` (a wildcard address is reached on loopback)."""
    if host in ("", "0.0.0.0", "localhost"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class DemoLive:
    """Finds the demo's live show (or opens the next one when it is over), then keeps it alive until cancelled."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime, self.settings = runtime, runtime.settings
        self.folder = self.settings.data_dir / "demo-live"
        self.keys = DemoKeys(self.folder / "keys.json", runtime.sessionmaker, self.settings.session_days)
        self.app_url = f"http://{loopback(self.settings.host)}:{self.settings.port}"
        self.show_id: int | None = None

    async def run(self) -> None:
        try:
            async with httpx.AsyncClient(base_url=self.app_url, timeout=20) as http:
                await self._run(http)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the demo's live show stopped")

    async def _run(self, http: httpx.AsyncClient) -> None:
        await _wait_serving(http)  # every path below goes through the app's own listeners
        found = await self._find()
        if found is None:
            log.warning("LIVESTALL_DEMO_LIVE is on but the demo world is not loaded: run `livestall demo` first")
            return
        show, viewers = found
        http.headers["Authorization"] = f"Bearer {await self.keys.token(show.host_id)}"
        if show.status not in OPEN:
            show = await self._next_show(http, show)
        self.show_id = show.id
        camera = await self._camera(show)
        crowd = None
        try:
            if camera is not None:
                camera.start()
            await self._until_live(http, show.id)
            await pin_products(http, self.runtime.sessionmaker, show.id, await self._product_ids(show.shop_id))
            crowd = asyncio.create_task(self._crowd(show, viewers).run(), name="demo crowd")
            log.info("demo show %s is live at %s/shows/%s (camera: %s)", show.id, self.settings.public_url, show.id,
                     camera.source if camera else "none", extra={"show_id": show.id})
            while await self._status(show.id) in OPEN:
                try:
                    # Asked each time: a password change of the host ends the login the demo had.
                    http.headers["Authorization"] = f"Bearer {await self.keys.token(show.host_id)}"
                    await keep_a_sale_coming(http, self.runtime.sessionmaker, show.id)
                except httpx.HTTPError as exc:
                    log.warning("demo show %s: the flash sale could not be set up: %s", show.id, exc)
                await asyncio.sleep(CHECK_EVERY_S)
            log.info("demo show %s is over; the next start of the app opens the next one", show.id,
                     extra={"show_id": show.id})
        finally:
            if crowd is not None:
                crowd.cancel()
                await asyncio.gather(crowd, return_exceptions=True)
            if camera is not None:
                await camera.stop()

    async def pause(self) -> None:
        """Leave the show live with its stream off until the next start: the camera stopped with the app."""
        # The go-live socket closes as the app stops, which reads as a host who dropped: left so, the show would
        # end once the grace period ran out, and the next start would open another one.
        if self.show_id is None:
            return
        try:
            async with self.runtime.sessionmaker.begin() as session:
                await session.execute(update(Show).where(Show.id == self.show_id, Show.status == "live",
                                                         Show.stream_state == "reconnecting")
                                      .values(stream_state="offline", stream_offline_at=None))
        except Exception:
            log.exception("demo show %s: its stream could not be left off", self.show_id)

    async def _find(self) -> tuple[DemoShowRow, list[Person]] | None:
        """The demo's live show (the newest one still open, else the newest) and the demo's viewers."""
        shop_name, _, title, *_ = LIVE_SHOW
        async with self.runtime.sessionmaker() as session:
            shop = await session.scalar(select(Shop).where(Shop.name == shop_name))
            shows = list(await session.scalars(select(Show).where(Show.shop_id == shop.id, Show.title == title)
                                               .order_by(Show.id.desc()))) if shop else []
            if not shows:
                return None
            show = next((s for s in shows if s.status in OPEN), shows[0])
            emails = [email for email, _, roles, *_ in PEOPLE if roles == ["viewer"]]
            users = await session.scalars(select(User).where(User.email.in_(emails)).order_by(User.id))
            return (DemoShowRow(show.id, show.status, shop.id, shop.name, show.host_id, show.title, show.description,
                                show.language, show.market, show.category),
                    [Person(u.id, u.display_name, u.language) for u in users])

    async def _next_show(self, http: httpx.AsyncClient, over: DemoShowRow) -> DemoShowRow:
        """The show after one that ended, scheduled by its host as the studio does; the camera's publish starts it."""
        made = await http.post("/api/v1/shows", json={
            "shop_id": over.shop_id, "title": over.title, "description": over.description, "language": over.language,
            "market": over.market, "category": over.category,
            "scheduled_at": (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat()})
        made.raise_for_status()
        log.info("demo show %s is over; its next one is show %s", over.id, made.json()["id"])
        return replace(over, id=made.json()["id"], status="scheduled")

    async def _camera(self, show: DemoShowRow) -> RtmpCamera | BrowserCamera | None:
        """Into nginx-rtmp as OBS does when it runs here, else as a browser does; None without ffmpeg."""
        media = self.runtime.media
        if media is None or media.ffmpeg is None:
            log.warning("demo show %s has no video: ffmpeg is not installed", show.id)
            return None
        graph = await choose_picture(media.ffmpeg, show.shop_name, show.title)
        log_path = self.folder / "camera.log"
        if media.nginx is not None:
            key = await self.keys.stream_key(show.id)
            if key is not None:
                url = (f"rtmp://{loopback(self.settings.rtmp_host)}:{self.settings.rtmp_port}/live/{show.id}"
                       f"?key={key}")
                return RtmpCamera(media.ffmpeg, graph, url, log_path, show.id)
            log.info("the demo show's host made a stream key of their own: the demo camera goes live as a browser")
        url = f"ws://{loopback(self.settings.host)}:{self.settings.port}/ws/studio/shows/{show.id}/ingest"
        return BrowserCamera(media.ffmpeg, graph, url, lambda: self.keys.token(show.host_id), log_path, show.id)

    async def _until_live(self, http: httpx.AsyncClient, show_id: int) -> None:
        """Wait for the camera's publish to start the show; start it without video when none comes."""
        deadline = asyncio.get_running_loop().time() + START_WITHOUT_VIDEO_AFTER_S
        while (status := await self._status(show_id)) == "scheduled":
            if asyncio.get_running_loop().time() > deadline:
                started = await http.post(f"/api/v1/shows/{show_id}/start")
                if started.status_code != 409:  # 409: the publish started it in between
                    started.raise_for_status()
                break
            await asyncio.sleep(0.5)
        if status not in OPEN:
            raise RuntimeError(f"demo show {show_id} is {status}")

    def _crowd(self, show: DemoShowRow, viewers: list[Person]) -> Crowd:
        host, port = ws_bind(self.settings)
        room = f"ws://{loopback(host)}:{port}/ws/shows/{show.id}"
        # Viewers of the show's language talk; the others watch and like.
        talkers = [p for p in viewers if p.language == show.language] or viewers
        voices = {p.id: Voice(room, p.id, p.name, self.keys.token) for p in viewers}
        return Crowd(script_for(show.language), Voice(room, show.host_id, "the host", self.keys.token),
                     [voices[p.id] for p in talkers], [voices[p.id] for p in viewers if p not in talkers])

    async def _status(self, show_id: int) -> str | None:
        async with self.runtime.sessionmaker() as session:
            return await session.scalar(select(Show.status).where(Show.id == show_id))

    async def _product_ids(self, shop_id: int) -> list[int]:
        async with self.runtime.sessionmaker() as session:
            return list(await session.scalars(select(Product.id).where(Product.shop_id == shop_id,
                                                                       Product.status == "active")
                                              .order_by(Product.id).limit(20)))


async def _wait_serving(http: httpx.AsyncClient) -> None:
    """Until the app answers on its own address (it listens once its start-up is done)."""
    while True:
        try:
            if (await http.get("/healthz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
