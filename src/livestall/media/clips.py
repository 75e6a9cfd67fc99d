"""Product clips: made from each pin once the replay exists, listed by how well they sell, trimmed or hidden."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import Field
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Product, Shop
from livestall.db import utcnow
from livestall.errors import Conflict, Forbidden, Invalid, NotFound
from livestall.media.clip_models import ClipOrder, ProductClip
from livestall.media.models import Recording
from livestall.orders.models import Order
from livestall.shows.models import Show, ShowPin
from livestall.validation import StrictInput

MAX_CLIP_S = 90.0  # a clip is a look at one product, not a second replay
MIN_CLIP_S = 1.0
LEAD_S = 30.0  # a trim may start this long before the pin (the host often shows it first)
ORDER_WINDOW = timedelta(minutes=30)  # an order counts for a clip when the page reports it this soon
ORDER_WEIGHT = 25  # in the ranking, one order weighs as much as this many views
CUT_LEASE = timedelta(minutes=5)  # a cut not finished by then (its process died) is taken up again
CLAIM_SCAN = 200  # waiting clips looked at per claim, for one whose replay is on this machine


class ClipUpdate(StrictInput):
    """A seller's trim (seconds from the moment the product was pinned) and whether the clip is hidden."""

    start_offset_s: float | None = Field(None, ge=-3600, le=86400)
    end_offset_s: float | None = Field(None, ge=-3600, le=86400)
    hidden: bool | None = None


class ClipOrderCreate(StrictInput):
    order_id: int = Field(ge=1, le=2**31 - 1)


def stretch(pin_start_s: float, pin_end_s: float | None, duration_s: float) -> tuple[float, float]:
    """The part of the replay a pin makes into a clip: from its start until it was unpinned, at most MAX_CLIP_S."""
    end = duration_s if pin_end_s is None else min(pin_end_s, duration_s)
    return pin_start_s, min(end, pin_start_s + MAX_CLIP_S)


async def list_pins_without_clips(*, session: AsyncSession, limit: int = 50) -> list[tuple[ShowPin, Show]]:
    """Pins of shows whose replay is ready that have no clip yet."""
    rows = await session.execute(
        select(ShowPin, Show).join(Show, Show.id == ShowPin.show_id)
        .join(Recording, and_(Recording.show_id == Show.id, Recording.status == "ready"))
        .outerjoin(ProductClip, ProductClip.pin_id == ShowPin.id)
        .where(ProductClip.id.is_(None)).order_by(ShowPin.id).limit(limit))
    return [(pin, show) for pin, show in rows]


async def do_add_clip(*, session: AsyncSession, pin: ShowPin, show: Show, start_s: float | None,
                      end_s: float | None) -> ProductClip | None:
    """A clip for the pin between those replay positions (waiting to be cut); a failed one when there is none."""
    start_ms = round((start_s or 0) * 1000)
    end_ms = round((end_s or 0) * 1000)
    usable = start_s is not None and end_s is not None and end_s - start_s >= MIN_CLIP_S
    clip = ProductClip(pin_id=pin.id, show_id=show.id, shop_id=show.shop_id, product_id=pin.product_id,
                       pin_start_ms=start_ms, pin_end_ms=end_ms, start_ms=start_ms, end_ms=end_ms,
                       status="pending" if usable else "failed",
                       error="" if usable else "the pin lasted under a second of recorded video",
                       created_at=utcnow())
    try:
        async with session.begin_nested():  # another process on this machine may have made it meanwhile
            session.add(clip)
    except IntegrityError:
        return None
    return clip


async def claim_clip_to_cut(*, session: AsyncSession, replay_is_here: Callable[[int], bool],
                            now: datetime | None = None) -> ProductClip | None:
    """Take one clip waiting to be cut (or whose cut was abandoned) whose replay is on this machine, so that no
    other process cuts it too; clips of replays kept elsewhere are left to the machine that keeps them."""
    now = now or utcnow()
    abandoned = (ProductClip.status == "cutting") & (ProductClip.cut_at < now - CUT_LEASE)
    # A seller's trim (a clip cut before: version >= 1) goes before the first cuts of shows that just ended: the
    # seller is looking at it.
    waiting = await session.execute(select(ProductClip.id, ProductClip.show_id, ProductClip.status,
                                           ProductClip.version)
                                    .where((ProductClip.status == "pending") | abandoned)
                                    .order_by(ProductClip.version.desc(), ProductClip.id).limit(CLAIM_SCAN))
    candidate = next((row for row in waiting if replay_is_here(row.show_id)), None)
    if candidate is None:
        return None
    claimed = await session.execute(update(ProductClip).where(
        ProductClip.id == candidate.id, ProductClip.status == candidate.status,
        ProductClip.version == candidate.version)
        .values(status="cutting", cut_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return None
    return await session.get(ProductClip, candidate.id, populate_existing=True)


async def do_finish_cut(*, session: AsyncSession, clip_id: int, version: int, ok: bool, error: str = "") -> None:
    """Record the cut's outcome, unless the seller trimmed the clip again meanwhile (then it is cut anew)."""
    values = {"status": "ready", "error": "", "duration_ms": 0} if ok else {"status": "failed", "error": error[:200]}
    if ok:
        clip = await session.get(ProductClip, clip_id)
        values["duration_ms"] = clip.end_ms - clip.start_ms if clip else 0
    await session.execute(update(ProductClip).where(
        ProductClip.id == clip_id, ProductClip.version == version, ProductClip.status == "cutting")
        .values(**values, cut_at=utcnow()).execution_options(synchronize_session=False))


def _orders_count():
    return (select(func.count()).select_from(ClipOrder).where(ClipOrder.clip_id == ProductClip.id)
            .correlate(ProductClip).scalar_subquery())


async def list_public_clips(*, session: AsyncSession, shop_id: int | None = None, product_id: int | None = None,
                            limit: int = 12) -> list[tuple[ProductClip, int]]:
    """Ready, visible clips of a shop or a product with their orders, best first (views and orders they led to)."""
    orders = _orders_count()
    query = select(ProductClip, orders).where(ProductClip.status == "ready", ProductClip.hidden.is_(False))
    if shop_id is not None:
        query = query.where(ProductClip.shop_id == shop_id)
    if product_id is not None:
        query = query.where(ProductClip.product_id == product_id)
    rows = await session.execute(query.order_by((ProductClip.views + orders * ORDER_WEIGHT).desc(),
                                                ProductClip.id.desc()).limit(limit))
    return [(clip, count) for clip, count in rows]


async def list_shop_clips(*, session: AsyncSession, shop: Shop,
                          limit: int = 200) -> list[tuple[ProductClip, int, str]]:
    """Every clip of the shop (hidden, waiting and failed too) with its orders and product, for the seller."""
    rows = await session.execute(select(ProductClip, _orders_count(), Product.title)
                                 .join(Product, Product.id == ProductClip.product_id)
                                 .where(ProductClip.shop_id == shop.id).order_by(ProductClip.id.desc()).limit(limit))
    return [(clip, count, title) for clip, count, title in rows]


async def get_clip(*, session: AsyncSession, clip_id: int, user: User | None) -> ProductClip:
    """A clip anyone may watch (ready, not hidden); the shop's people see theirs in any state."""
    clip = await session.get(ProductClip, clip_id)
    if clip is None:
        raise NotFound(f"no clip {clip_id}")
    if clip.status != "ready" or clip.hidden:
        if not await is_shop_member(session=session, shop_id=clip.shop_id, user=user):
            raise NotFound(f"no clip {clip_id}")
    return clip


async def is_shop_member(*, session: AsyncSession, shop_id: int, user: User | None) -> bool:
    if user is None:
        return False
    shop = await session.get(Shop, shop_id)
    return shop is not None and shop.member_role(user.id) is not None


async def check_clip_editor(*, session: AsyncSession, clip: ProductClip, user: User) -> None:
    if not await is_shop_member(session=session, shop_id=clip.shop_id, user=user):
        raise Forbidden("only the shop's owners and staff may change its clips")


async def do_update_clip(*, session: AsyncSession, clip: ProductClip, clip_in: ClipUpdate) -> ProductClip:
    """Hide or show the clip; a new trim is checked against the replay and cut again in the background."""
    if clip_in.start_offset_s is not None or clip_in.end_offset_s is not None:
        pin_s = clip.pin_start_ms / 1000
        start_off = clip_in.start_offset_s if clip_in.start_offset_s is not None else (clip.start_ms / 1000 - pin_s)
        end_off = clip_in.end_offset_s if clip_in.end_offset_s is not None else (clip.end_ms / 1000 - pin_s)
        if start_off < -LEAD_S or pin_s + start_off < 0:
            raise Invalid.field("start_offset_s", "min", f"may start at most {LEAD_S:.0f} s before the pin, "
                                                         f"and not before the replay")
        if end_off - start_off < MIN_CLIP_S:
            raise Invalid.field("end_offset_s", "after_start", "must end at least a second after the start")
        if end_off - start_off > MAX_CLIP_S:
            raise Invalid.field("end_offset_s", "max_length_s", f"a clip lasts at most {MAX_CLIP_S:.0f} s")
        recording = await session.get(Recording, clip.show_id)
        if recording is None or recording.status != "ready":
            raise Conflict.field("show_id", "replay_kept", "the show's replay is gone: the clip cannot be cut again")
        if (pin_s + end_off) * 1000 > recording.duration_ms + 500:
            raise Invalid.field("end_offset_s", "within_replay", "must end within the replay")
        clip.start_ms, clip.end_ms = round((pin_s + start_off) * 1000), round((pin_s + end_off) * 1000)
        clip.version, clip.status, clip.error = clip.version + 1, "pending", ""
    if clip_in.hidden is not None:
        clip.hidden = clip_in.hidden
    await session.flush()
    return clip


async def do_count_view(*, session: AsyncSession, clip: ProductClip) -> None:
    """One more view (one atomic increment: views counted at once are all kept)."""
    await session.execute(update(ProductClip).where(ProductClip.id == clip.id)
                          .values(views=ProductClip.views + 1).execution_options(synchronize_session=False))


async def do_record_order(*, session: AsyncSession, clip: ProductClip, user: User, order_id: int) -> bool:
    """Note that the user's fresh order of the clip's product came from the clip; False if it already was."""
    order = await session.get(Order, order_id)
    if order is None or order.buyer_id != user.id:
        raise NotFound(f"no order {order_id} of yours")
    if order.product_id != clip.product_id:
        raise Invalid.field("order_id", "clip_product", "the order is for another product than the clip's")
    if order.created_at < utcnow() - ORDER_WINDOW:
        raise Invalid.field("order_id", "recent_order", "only an order just placed from the clip's page counts")
    try:
        async with session.begin_nested():
            session.add(ClipOrder(order_id=order.id, clip_id=clip.id, created_at=utcnow()))
    except IntegrityError:
        return False
    return True


def clip_read(clip: ProductClip, orders: int, *, with_figures: bool = True) -> dict:
    """A clip as the API shows it (its video and picture URLs change with each cut)."""
    read = {"id": clip.id, "show_id": clip.show_id, "shop_id": clip.shop_id, "product_id": clip.product_id,
            "status": clip.status, "hidden": clip.hidden, "duration_s": round((clip.end_ms - clip.start_ms) / 1000, 1),
            "start_offset_s": round((clip.start_ms - clip.pin_start_ms) / 1000, 1),
            "end_offset_s": round((clip.end_ms - clip.pin_start_ms) / 1000, 1),
            "page_url": f"/clips/{clip.id}",
            "video_url": f"/clips/{clip.id}/video.mp4?v={clip.version}" if clip.status == "ready" else None,
            "hls_url": f"/clips/{clip.id}/video.m3u8?v={clip.version}" if clip.status == "ready" else None,
            "thumbnail_url": f"/clips/{clip.id}/thumb.jpg?v={clip.version}" if clip.status == "ready" else None,
            "created_at": clip.created_at.isoformat()}
    if with_figures:
        read |= {"views": clip.views, "orders": orders, "error": clip.error}
    return read


async def count_orders(*, session: AsyncSession, clip: ProductClip) -> int:
    return await session.scalar(select(func.count()).select_from(ClipOrder).where(ClipOrder.clip_id == clip.id)) or 0
