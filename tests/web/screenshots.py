"""The README's screenshots, taken in Chromium on a real server loaded with the demo world.

    python -m tests.web.screenshots [OUT_DIR]   (default: docs/)

writes screenshot.png (a viewer watching a live show, desktop) and screenshot-studio.png (the
host's studio on a phone). The host goes live from the studio with Chromium's fake camera fed by
an ffmpeg test pattern; demo viewers chat and ask over the real room.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from livestall.demo import DEMO_PASSWORD
from tests.appserver import AppProcess
from tests.room_client import RoomClient
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]


def _login(api: httpx.Client, who: str) -> str:
    response = api.post("/api/v1/auth/login", json={"email": f"{who}@demo.livestall.org", "password": DEMO_PASSWORD})
    response.raise_for_status()
    api.cookies.clear()
    return response.json()["token"]


def _test_pattern(folder: Path) -> Path | None:
    """A short looping test video for the fake camera (Chromium reads .y4m), if ffmpeg is here."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    out = folder / "pattern.y4m"
    subprocess.run([ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "3",
                    "-pix_fmt", "yuv420p", str(out)], check=True)
    return out


def _wait(page, expression: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        page.wait_for_timeout(200)


def take(out_dir: Path) -> list[Path]:
    """Set up the demo show, then take both screenshots into `out_dir`."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="livestall-shots-"))
    env = {**os.environ, "LIVESTALL_DATA_DIR": str(work), "LIVESTALL_DATABASE_URL": f"sqlite+aiosqlite:///{work}/demo.db",
           "LIVESTALL_RTMP_ENABLED": "false"}
    subprocess.run([sys.executable, "-m", "livestall.cli", "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    server = AppProcess(database_url=env["LIVESTALL_DATABASE_URL"], data_dir=work,
                        env={"LIVESTALL_RTMP_ENABLED": "false"}).start()
    rooms: list[RoomClient] = []
    try:
        api = httpx.Client(base_url=server.url, timeout=30)
        mei = _login(api, "mei")
        as_mei = {"Authorization": f"Bearer {mei}"}
        api.patch("/api/v1/me", headers=as_mei, json={"language": "en"})  # the README speaks English
        shop = api.get("/api/v1/shops", params={"q": "Mei's Wardrobe"}).json()["items"][0]
        show = api.post("/api/v1/shows", headers=as_mei, json={
            "shop_id": shop["id"], "title": "Hand-knitted wool, live from Tianshui", "language": "en", "market": "US",
            "category": "clothes", "description": "Scarves and cardigans from our shop in Gansu. Ask me anything!",
            "scheduled_at": (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()}).json()
        products = {p["sku"]: p for p in api.get(f"/api/v1/shops/{shop['id']}/products").json()["items"]}
        pattern = _test_pattern(work)
        args = CHROMIUM_ARGS + ([f"--use-file-for-fake-video-capture={pattern}"] if pattern else [])
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)

            def page_as(token: str, viewport: dict, path: str):
                context = browser.new_context(viewport=viewport, base_url=server.url, locale="en-US",
                                              timezone_id="America/Chicago")
                context.add_cookies([{"name": "livestall_session", "value": token, "url": server.url}])
                page = context.new_page()
                page.goto(path)
                return page

            studio = page_as(mei, {"width": 390, "height": 844}, f"/studio/shows/{show['id']}")
            _wait(studio, "document.querySelector('[data-golive-state]').dataset.state === 'camera'")
            studio.locator("[data-golive]").click()
            _wait(studio, "document.querySelector('[data-golive-state]').dataset.state === 'live'")
            api.put(f"/api/v1/shows/{show['id']}/pins", headers=as_mei, json={
                "product_ids": [products["MW-SCARF-01"]["id"], products["MW-CARD-03"]["id"]]})
            api.post(f"/api/v1/shows/{show['id']}/flash-sales", headers=as_mei, json={
                "product_id": products["MW-SCARF-01"]["id"], "duration_s": 600, "sale_price_minor": 9900,
                "units": 20, "countdown_s": 0})
            emily = _login(api, "emily")
            viewer = page_as(emily, {"width": 1280, "height": 800}, f"/shows/{show['id']}")
            lines = [("sofia", "chat.send", "¡Hola desde Madrid!"), ("pierre", "chat.send", "Bonsoir ! The scarf looks so soft"),
                     ("wang", "chat.send", "Does the scarf come in grey?"), ("layla", "chat.send", "مرحبا من الرياض"),
                     ("sofia", "question.ask", "Is the cardigan warm enough for Madrid in January?"),
                     ("pierre", "question.ask", "Do you ship to France?"),
                     ("emily", "chat.send", "Just bought the scarf, can't wait!")]
            for who, kind, text in lines:
                token = emily if who == "emily" else _login(api, who)
                room = RoomClient(server.ws_base, show["id"], token, origin=server.url)
                rooms.append(room)
                assert room.request(kind, text=text)["type"] == "ack"
            question = api.get(f"/api/v1/shows/{show['id']}/questions").json()
            rooms[0].request("question.upvote", question_id=next(q["id"] for q in question if "France" in q["text"]))
            address = {"name": "Emily Brown", "line1": "200 E Randolph St", "city": "Chicago", "postal_code": "60601",
                       "country": "US"}
            api.post(f"/api/v1/shows/{show['id']}/buy", headers={"Authorization": f"Bearer {emily}",
                                                                  "Idempotency-Key": "readme-1"},
                     json={"product_id": products["MW-SCARF-01"]["id"], "shipping": address})
            for _ in range(3):
                viewer.get_by_role("button", name="Like").click()
            _wait(viewer, "document.querySelector('[data-stage]').dataset.state === 'playing'")
            viewer.wait_for_timeout(2500)  # likes flushed, a few seconds of video
            shots = [out_dir / "screenshot.png", out_dir / "screenshot-studio.png"]
            viewer.screenshot(path=str(shots[0]))
            studio.evaluate("window.scrollTo(0, 0)")
            studio.wait_for_timeout(500)
            studio.screenshot(path=str(shots[1]))
            browser.close()
        return shots
    finally:
        for room in rooms:
            room.close()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    for path in take(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"):
        print(path)
