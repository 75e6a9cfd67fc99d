"""Outcome photos: uploaded by the host (checked by content) or one frame grabbed from the show's live stream."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.images import store_image
from livestall.errors import Conflict, Invalid
from livestall.media import commands
from livestall.media.binaries import find_ffmpeg
from livestall.media.paths import ladder_dir, show_dir
from livestall.media.recorder import LIVE, parse_playlist
from livestall.openings.models import OpeningLot, OpeningPhoto
from livestall.settings import Settings

SNAPSHOT_TIMEOUT_S = 15.0


def photo_url(photo: OpeningPhoto) -> str:
    """Where the photo is served (the app's upload mount)."""
    return f"/media/uploads/{photo.path}"


def photo_view(photo: OpeningPhoto) -> dict:
    """A photo as the studio sees it: its id (to record with the outcome) and its URL."""
    return {"id": photo.id, "lot_id": photo.lot_id, "source": photo.source, "url": photo_url(photo),
            "content_type": photo.content_type, "width": photo.width, "height": photo.height}


async def _store(session: AsyncSession, lot: OpeningLot, host: User, data: bytes, source: str,
                 settings: Settings) -> OpeningPhoto:
    stored = await store_image(data, settings.upload_dir, f"openings/{lot.id}",
                               max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels)
    photo = OpeningPhoto(lot_id=lot.id, source=source, path=stored.path, content_type=stored.content_type,
                         size_bytes=stored.size_bytes, width=stored.width, height=stored.height,
                         created_by_id=host.id)
    session.add(photo)
    await session.flush()
    return photo


async def do_upload_photo(*, session: AsyncSession, lot: OpeningLot, host: User, data: bytes,
                          settings: Settings) -> OpeningPhoto:
    """Keep a photo the host uploaded, if it really is an image of an accepted kind and size."""
    return await _store(session, lot, host, data, "upload", settings)


def newest_segment(settings: Settings, show_id: int) -> Path | None:
    """The newest segment of the show's live HLS output (the 720p rung while a ladder runs), or None."""
    ladder, own = ladder_dir(settings, show_id), show_dir(settings, show_id)
    folders = [ladder / "720p", own] if (ladder / LIVE).exists() else [own]
    for folder in folders:
        try:
            listed = parse_playlist((folder / LIVE).read_text())
        except OSError:
            continue
        for uri, _duration, _disc in reversed(listed):
            if (folder / uri).is_file():
                return folder / uri
    return None


async def grab_frame(ffmpeg: str, segment: Path, out: Path) -> bytes:
    """One frame of `segment` as a JPEG (the replay thumbnails' command); b"" if ffmpeg fails."""
    try:
        made = await commands.write_thumbnail(ffmpeg, segment, out, timeout_s=SNAPSHOT_TIMEOUT_S)
        return out.read_bytes() if made else b""
    finally:
        out.unlink(missing_ok=True)


async def do_snapshot(*, session: AsyncSession, lot: OpeningLot, host: User, settings: Settings) -> OpeningPhoto:
    """A photo of what is on camera now: the first frame of the newest live segment."""
    ffmpeg = find_ffmpeg(settings)
    if ffmpeg is None:
        raise Conflict.field("source", "ffmpeg_installed", "snapshots need ffmpeg on the server; upload a photo")
    segment = newest_segment(settings, lot.show_id)
    if segment is None:
        raise Conflict.field("show_id", "stream_live", "no live video to take a snapshot from; upload a photo")
    scratch = settings.upload_dir / "openings" / f".snap-{uuid.uuid4().hex}.jpg"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    data = await grab_frame(ffmpeg, segment, scratch)
    if not data:
        raise Conflict.field("show_id", "stream_live", "the live video could not be read; try again or upload")
    return await _store(session, lot, host, data, "snapshot", settings)


async def get_photo_for_outcome(*, session: AsyncSession, lot: OpeningLot, photo_id: int) -> OpeningPhoto:
    """The lot's photo to record with an outcome; another lot's photo is refused by name."""
    photo = await session.get(OpeningPhoto, photo_id)
    if photo is None or photo.lot_id != lot.id:
        raise Invalid.field("photo_id", "photo_of_lot", "must be a photo taken or uploaded for this lot")
    return photo
