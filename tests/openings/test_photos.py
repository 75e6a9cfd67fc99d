"""Outcome photos: uploaded by the host and checked by content, or grabbed from the show's live HLS output."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from PIL import Image

from tests.helpers import register
from tests.openings.support import buy_ticket, buyer_with, live_lot, make_lot, open_ticket


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (240, 230, 210)).save(out, "PNG")
    return out.getvalue()


def _upload(api, actor, lot_id: int, data: bytes, name: str = "pearls.png"):
    return api.post(f"/api/v1/openings/{lot_id}/photos", headers=actor.headers, files={"file": (name, data)})


def test_an_uploaded_photo_is_checked_and_recorded_with_the_outcome(api, app_server):
    world = live_lot(api, quantity=2)
    seller, lot_id = world["seller"], world["lot"]["id"]
    fake = _upload(api, seller, lot_id, b"GIF89a but not really an image", name="pearls.gif")
    assert fake.status_code == 422 and fake.json()["errors"][0]["rule"] == "image_type"
    viewer = register(api)
    assert _upload(api, viewer, lot_id, _png()).status_code == 403

    photo = _upload(api, seller, lot_id, _png())
    assert photo.status_code == 201, photo.text
    assert (photo.json()["source"], photo.json()["width"], photo.json()["content_type"]) == ("upload", 64, "image/png")
    served = api.get(photo.json()["url"])
    assert served.status_code == 200 and served.content == _png()

    wang = buyer_with(api, app_server.database_url)
    ticket = buy_ticket(api, wang, lot_id).json()
    other_lot = make_lot(api, seller, world["show"]["id"], title="Mystery box", kind="mystery_box")
    foreign = _upload(api, seller, other_lot["id"], _png()).json()
    refused = open_ticket(api, seller, lot_id, ticket["id"], pearl_count=3, photo_id=foreign["id"])
    assert refused.status_code == 422 and refused.json()["errors"][0]["rule"] == "photo_of_lot"
    assert api.get("/api/v1/me/openings", headers=wang.headers).json()["items"][0]["status"] == "queued"

    opened = open_ticket(api, seller, lot_id, ticket["id"], pearl_count=3, photo_id=photo.json()["id"])
    assert opened.status_code == 200, opened.text
    mine = api.get("/api/v1/me/openings", headers=wang.headers).json()["items"][0]
    assert mine["outcome"]["photo_url"] == photo.json()["url"]


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_a_snapshot_is_one_frame_of_the_live_stream(api, app_server):
    world = live_lot(api)
    seller, lot_id, show_id = world["seller"], world["lot"]["id"], world["show"]["id"]
    none_yet = api.post(f"/api/v1/openings/{lot_id}/snapshots", headers=seller.headers)
    assert none_yet.status_code == 409 and none_yet.json()["errors"][0]["rule"] == "stream_live"

    # What the browser ingest writes for a live show: 1 s H.264 segments and a live playlist in the show's folder.
    folder = app_server.data_dir / "hls" / str(show_id)
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "color=c=0xF0E6D2:size=320x240:rate=25", "-t", "2", "-c:v", "libx264", "-preset", "ultrafast",
                    "-g", "25", "-pix_fmt", "yuv420p", "-f", "hls", "-hls_time", "1", "-hls_list_size", "6",
                    "-hls_segment_filename", str(folder / "b1-%d.ts"), str(folder / "index.m3u8")],
                   check=True, timeout=60)
    assert api.post(f"/api/v1/openings/{lot_id}/snapshots", headers=register(api).headers).status_code == 403

    snap = api.post(f"/api/v1/openings/{lot_id}/snapshots", headers=seller.headers)
    assert snap.status_code == 201, snap.text
    assert (snap.json()["source"], snap.json()["content_type"]) == ("snapshot", "image/jpeg")
    image = Image.open(io.BytesIO(api.get(snap.json()["url"]).content))
    assert image.format == "JPEG" and image.size[0] == 640
    red, green, blue = image.convert("RGB").getpixel((320, image.size[1] // 2))
    assert abs(red - 0xF0) < 16 and abs(green - 0xE6) < 16 and abs(blue - 0xD2) < 16  # the frame on camera
