"""Uploaded images over HTTP: stored upright and without metadata (no GPS, camera or owner); bombs are refused."""

from __future__ import annotations

import functools
import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageSequence, PngImagePlugin

from tests.helpers import make_product
from tests.openings.support import live_lot

MAKE, MODEL, ARTIST = "MeiPhone Make", "Pearl Farm 15 Pro", "Mei Lin of Zhuji"
PERSONAL_TAGS = (ExifTags.Base.Make, ExifTags.Base.Model, ExifTags.Base.Artist, ExifTags.Base.Orientation,
                 ExifTags.IFD.GPSInfo)
RED, BLUE = (220, 20, 20), (20, 20, 220)

# Each upload path: its URL in the world, and where the stored image is served (from the upload's answer).
UPLOADS = {
    "product image": (lambda w: f"/api/v1/products/{w['product']['id']}/images", lambda body: body["url"]),
    "opening photo": (lambda w: f"/api/v1/openings/{w['lot']['id']}/photos", lambda body: body["url"]),
    "show cover": (lambda w: f"/api/v1/shows/{w['show']['id']}/cover", lambda body: body["cover_url"]),
}


@pytest.fixture()
def world(api):
    """A seller who hosts a live show with an opening lot, and a product of their shop."""
    world = live_lot(api)
    return {**world, "product": make_product(api, world["seller"], world["shop"]["id"])}


def phone_photo() -> bytes:
    """A 60x40 JPEG as a phone writes it: sideways pixels, Orientation 6, GPS, camera and owner in EXIF."""
    img = Image.new("RGB", (60, 40), BLUE)
    img.paste(RED, (0, 0, 20, 20))  # top left as stored; top right once turned upright
    exif = Image.Exif()
    exif[ExifTags.Base.Make], exif[ExifTags.Base.Model], exif[ExifTags.Base.Artist] = MAKE, MODEL, ARTIST
    exif[ExifTags.Base.Orientation] = 6  # shown turned 90 degrees clockwise
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (29.0, 42.0, 51.3)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (120.0, 14.0, 36.9)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


@functools.cache
def png_bomb(side: int = 30_000) -> bytes:
    """A valid black 1-bit PNG of side x side pixels: about 100 KB that decode to 900 megapixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    deflate, row = zlib.compressobj(9), bytes(1 + side // 8)  # filter byte, then one bit a pixel
    pixels = b"".join(deflate.compress(row) for _ in range(side)) + deflate.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def near(colour: tuple[int, ...], want: tuple[int, ...]) -> bool:
    """Within JPEG's loss of the colour."""
    return all(abs(c - w) < 40 for c, w in zip(colour, want))


def text_chunk(key: str, value: str) -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text(key, value)
    return info


def stored_files(app_server) -> set[str]:
    return {str(p) for p in (app_server.data_dir / "uploads").rglob("*") if p.is_file()}


def test_the_phone_photo_carries_what_must_not_be_published():
    original = Image.open(io.BytesIO(phone_photo()))
    exif = original.getexif()
    assert original.size == (60, 40) and exif[ExifTags.Base.Orientation] == 6
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (29.0, 42.0, 51.3)
    assert MAKE.encode() in phone_photo() and ARTIST.encode() in phone_photo()


@pytest.mark.parametrize("kind", UPLOADS)
def test_an_upload_is_stored_upright_without_location_camera_or_owner(api, world, kind):
    url, served_at = UPLOADS[kind]
    response = api.post(url(world), headers=world["seller"].headers, files={"file": ("IMG_0042.jpg", phone_photo())})
    assert response.status_code in (200, 201), response.text
    if kind != "show cover":
        assert (response.json()["width"], response.json()["height"]) == (40, 60)

    served = api.get(served_at(response.json()))
    assert served.status_code == 200
    for secret in (MAKE, MODEL, ARTIST):
        assert secret.encode() not in served.content
    image = Image.open(io.BytesIO(served.content))
    assert image.format == "JPEG" and image.size == (40, 60)  # upright: the sides swapped
    assert not set(image.getexif()) & set(PERSONAL_TAGS)
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert near(image.getpixel((30, 5)), RED) and near(image.getpixel((5, 5)), BLUE)  # turned clockwise


@pytest.mark.parametrize("kind", UPLOADS)
def test_a_decompression_bomb_is_refused_by_its_pixel_count_and_nothing_is_stored(api, app_server, world, kind):
    url, _ = UPLOADS[kind]
    before = stored_files(app_server)
    response = api.post(url(world), headers=world["seller"].headers, files={"file": ("bomb.png", png_bomb())})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()["errors"][0]
    assert (problem["field"], problem["rule"]) == ("file", "max_pixels")
    assert stored_files(app_server) == before
    assert api.get(f"/api/v1/products/{world['product']['id']}").json()["images"] == []
    assert api.get(f"/api/v1/shows/{world['show']['id']}").json()["cover_url"] is None


def test_transparency_and_animation_survive_while_text_and_comments_do_not(api, world):
    url = UPLOADS["product image"][0](world)
    clear = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    clear.paste((200, 30, 30, 255), (0, 0, 4, 4))
    png = io.BytesIO()
    clear.save(png, "PNG", pnginfo=text_chunk("Author", ARTIST))
    frames = [Image.new("RGB", (8, 8), colour) for colour in (RED, BLUE, RED)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0, comment=ARTIST)

    for name, data in (("clear.png", png.getvalue()), ("spin.gif", gif.getvalue())):
        assert ARTIST.encode() in data
        response = api.post(url, headers=world["seller"].headers, files={"file": (name, data)})
        assert response.status_code == 201, response.text
        served = api.get(response.json()["url"]).content
        assert ARTIST.encode() not in served
        image = Image.open(io.BytesIO(served))
        if image.format == "PNG":
            assert image.mode == "RGBA" and image.getpixel((6, 6))[3] == 0 and image.getpixel((1, 1))[3] == 255
        else:
            colours = [frame.convert("RGB").getpixel((4, 4)) for frame in ImageSequence.Iterator(image)]
            assert len(colours) == 3 and colours[1] == BLUE and image.info["duration"] == 120

