"""HTTP routes for product clips: lists, the seller's trim and hide, figures, orders they led to, their files."""

from __future__ import annotations

import re

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from livestall.accounts.deps import CurrentUser, OptionalUser
from livestall.catalog.service import check_shop_member, get_shop
from livestall.db import SessionDep
from livestall.errors import Invalid, NotFound
from livestall.media import clips
from livestall.media.clip_cutter import clip_dir, clip_files
from livestall.media.clips import ClipOrderCreate, ClipUpdate

router = APIRouter(tags=["video"])
SEGMENT_NAME = re.compile(r"v(\d{1,9})_\d{3,5}\.ts")


@router.get("/api/v1/clips")
async def list_clips(session: SessionDep, shop_id: int | None = Query(None, ge=1, le=2**31 - 1),
                     product_id: int | None = Query(None, ge=1, le=2**31 - 1),
                     limit: int = Query(12, ge=1, le=50)):
    """A shop's or a product's clips anyone may watch, best first (views, and orders they led to)."""
    if shop_id is None and product_id is None:
        raise Invalid.field("shop_id", "required", "give shop_id or product_id")
    rows = await clips.list_public_clips(session=session, shop_id=shop_id, product_id=product_id, limit=limit)
    return {"items": [clips.clip_read(clip, orders, with_figures=False) for clip, orders in rows]}


@router.get("/api/v1/shops/{shop_id}/clips")
async def shop_clip_figures(shop_id: int, user: CurrentUser, session: SessionDep):
    """The shop's people: every clip of the shop with its views and the orders it led to."""
    shop = await get_shop(session=session, shop_id=shop_id)
    check_shop_member(shop, user)
    rows = await clips.list_shop_clips(session=session, shop=shop)
    return {"items": [{**clips.clip_read(clip, orders), "product_title": title} for clip, orders, title in rows],
            "views": sum(clip.views for clip, _, _ in rows), "orders": sum(orders for _, orders, _ in rows)}


@router.get("/api/v1/clips/{clip_id}")
async def read_clip(clip_id: int, user: OptionalUser, session: SessionDep):
    """One clip (figures for the shop's people only)."""
    clip = await clips.get_clip(session=session, clip_id=clip_id, user=user)
    member = await clips.is_shop_member(session=session, shop_id=clip.shop_id, user=user)
    return clips.clip_read(clip, await clips.count_orders(session=session, clip=clip), with_figures=member)


@router.patch("/api/v1/clips/{clip_id}")
async def update_clip(clip_id: int, clip_in: ClipUpdate, request: Request, user: CurrentUser, session: SessionDep):
    """The shop's people: trim (offsets in seconds from the pin; cut again in the background) or hide the clip."""
    clip = await clips.get_clip(session=session, clip_id=clip_id, user=user)
    await clips.check_clip_editor(session=session, clip=clip, user=user)
    clip = await clips.do_update_clip(session=session, clip=clip, clip_in=clip_in)
    return clips.clip_read(clip, await clips.count_orders(session=session, clip=clip))


@router.post("/api/v1/clips/{clip_id}/orders", status_code=201)
async def record_clip_order(clip_id: int, order_in: ClipOrderCreate, user: CurrentUser, session: SessionDep):
    """The clip's page says its viewer just bought the product there: the order counts for the clip."""
    clip = await clips.get_clip(session=session, clip_id=clip_id, user=user)
    added = await clips.do_record_order(session=session, clip=clip, user=user, order_id=order_in.order_id)
    return {"clip_id": clip.id, "order_id": order_in.order_id, "counted": added}


async def _file(session, settings, user, clip_id: int, which: int, media_type: str,
                segment: str | None = None) -> FileResponse:
    clip = await clips.get_clip(session=session, clip_id=clip_id, user=user)
    path = clip_files(settings, clip.id, clip.version)[which]
    if segment is not None:  # only the current cut's segments: an old cut's are deleted with it
        match = SEGMENT_NAME.fullmatch(segment)
        if match is None or int(match.group(1)) != clip.version:
            raise NotFound("no such segment of this clip")
        path = clip_dir(settings, clip.id) / segment
    if clip.status != "ready" or not path.is_file():
        raise NotFound("this clip has no video yet")
    # the URL carries the version: a new cut is a new URL, so the file may be kept a long time
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})


@router.get("/clips/{clip_id}/video.mp4", include_in_schema=False)
async def clip_video(clip_id: int, request: Request, user: OptionalUser, session: SessionDep):
    """The clip's MP4 (range requests served, so phones can seek)."""
    return await _file(session, request.app.state.settings, user, clip_id, 0, "video/mp4")


@router.get("/clips/{clip_id}/video.m3u8", include_in_schema=False)
async def clip_playlist(clip_id: int, request: Request, user: OptionalUser, session: SessionDep):
    """The clip as a finished HLS playlist, for the site's player (hls.js, or Safari's own HLS)."""
    return await _file(session, request.app.state.settings, user, clip_id, 2, "application/vnd.apple.mpegurl")


@router.get("/clips/{clip_id}/seg/{segment}", include_in_schema=False)
async def clip_segment(clip_id: int, segment: str, request: Request, user: OptionalUser, session: SessionDep):
    """One segment of the clip's HLS (its name carries the cut's version, so it may be kept a long time)."""
    return await _file(session, request.app.state.settings, user, clip_id, 0, "video/mp2t", segment=segment)


@router.get("/clips/{clip_id}/thumb.jpg", include_in_schema=False)
async def clip_thumbnail(clip_id: int, request: Request, user: OptionalUser, session: SessionDep):
    """The clip's picture."""
    return await _file(session, request.app.state.settings, user, clip_id, 1, "image/jpeg")
