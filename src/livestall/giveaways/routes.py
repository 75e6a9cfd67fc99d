"""HTTP routes for giveaways and live-only coupons: the host's controls, the viewer's slower path, the draw's record."""

from __future__ import annotations

from fastapi import APIRouter, Response


from livestall.accounts.deps import CurrentUser, OptionalUser
from livestall.db import SessionDep
from livestall.errors import Conflict
from livestall.events import Event, publish_on_commit
from livestall.giveaways import coupons, service
from livestall.giveaways.schemas import CouponCreate, GiveawayCreate
from livestall.shows.service import check_moderator, get_show

router = APIRouter(prefix="/api/v1", tags=["giveaways"])


@router.post("/shows/{show_id}/giveaways", status_code=201)
async def start_giveaway(show_id: int, giveaway_in: GiveawayCreate, user: CurrentUser, session: SessionDep) -> dict:
    """The host and moderators: start a giveaway in the live show (its commitment is published now)."""
    show = await get_show(session=session, show_id=show_id)
    await check_moderator(session=session, show=show, user=user)
    return await service.do_start_giveaway(session=session, show=show, user=user, giveaway_in=giveaway_in)


@router.get("/shows/{show_id}/giveaways")
async def list_giveaways(show_id: int, session: SessionDep) -> dict:
    """A show's giveaways, oldest first."""
    show = await get_show(session=session, show_id=show_id)
    return {"items": [await service.view_of(session, g)
                      for g in await service.list_giveaways(session=session, show_id=show.id)]}


@router.get("/giveaways/{giveaway_id}")
async def get_giveaway(giveaway_id: int, session: SessionDep, user: OptionalUser) -> dict:
    """One giveaway; `entered` says whether the caller is in it."""
    giveaway = await service.get_giveaway(session=session, giveaway_id=giveaway_id)
    entered = await service.has_entered(session, giveaway.id, user.id) if user else False
    return {**await service.view_of(session, giveaway), "entered": entered}


@router.post("/giveaways/{giveaway_id}/entries", status_code=201)
async def enter_giveaway(giveaway_id: int, user: CurrentUser, session: SessionDep) -> dict:
    """A viewer enters (the room's `enter_giveaway` frame is the quick way); the same rules answer."""
    giveaway = await service.get_giveaway(session=session, giveaway_id=giveaway_id)
    entry = await service.do_enter(session=session, giveaway=giveaway, user_id=user.id, name=user.display_name)
    count = await service.count_entries(session, giveaway.id)
    publish_on_commit(session, Event(giveaway.show_id, "giveaway.entries", {"id": giveaway.id, "entries": count}))
    return {"giveaway_id": giveaway.id, "entry_id": entry.id}


@router.post("/giveaways/{giveaway_id}/draw")
async def draw_giveaway(giveaway_id: int, user: CurrentUser, session: SessionDep) -> dict:
    """The host and moderators: draw now instead of waiting for the time to run out."""
    giveaway = await service.get_giveaway(session=session, giveaway_id=giveaway_id)
    await check_moderator(session=session, show=await get_show(session=session, show_id=giveaway.show_id), user=user)
    drawn = await service.do_draw(session=session, giveaway=giveaway)
    if drawn is None:
        raise Conflict.field("status", "running", f"this giveaway is {giveaway.status} already")
    return drawn


@router.get("/giveaways/{giveaway_id}/verification")
async def verification(giveaway_id: int, session: SessionDep) -> dict:
    """Anyone: the commitment, the seed once drawn, the entries in order and the winners, checked by the server."""
    giveaway = await service.get_giveaway(session=session, giveaway_id=giveaway_id)
    return await service.get_verification(session=session, giveaway=giveaway)


@router.post("/shows/{show_id}/coupons", status_code=201)
async def pin_coupon(show_id: int, coupon_in: CouponCreate, user: CurrentUser, session: SessionDep) -> dict:
    """The host and moderators: pin a live-only coupon to the show's shelf."""
    show = await get_show(session=session, show_id=show_id)
    await check_moderator(session=session, show=show, user=user)
    return await coupons.do_pin_coupon(session=session, show=show, user=user, coupon_in=coupon_in)


@router.get("/shows/{show_id}/coupons")
async def list_coupons(show_id: int, session: SessionDep, user: OptionalUser) -> dict:
    """The coupons on a live show's shelf, and the caller's claims in the show."""
    show = await get_show(session=session, show_id=show_id)
    pinned = await coupons.list_pinned(session=session, show_id=show.id) if show.status == "live" else []
    mine = await coupons.list_my_claims(session=session, show_id=show.id, user_id=user.id) if user else []
    return {"items": [coupons.coupon_view(c) for c in pinned], "claimed": mine}


@router.delete("/coupons/{coupon_id}", status_code=204)
async def unpin_coupon(coupon_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """The host and moderators: take a coupon off the shelf (claims made stay good)."""
    coupon = await coupons.get_coupon(session=session, coupon_id=coupon_id)
    await check_moderator(session=session, show=await get_show(session=session, show_id=coupon.show_id), user=user)
    await coupons.do_unpin_coupon(session=session, coupon=coupon)
    return Response(status_code=204)


@router.post("/coupons/{coupon_id}/claims", status_code=201)
async def claim_coupon(coupon_id: int, user: CurrentUser, session: SessionDep) -> dict:
    """A buyer claims a coupon (the room's `claim_coupon` frame is the quick way): their voucher code, and until when."""
    coupon = await coupons.get_coupon(session=session, coupon_id=coupon_id)
    claimed = await coupons.do_claim(session=session, coupon=coupon, user_id=user.id)
    publish_on_commit(session, Event(coupon.show_id, "coupon.claimed",
                                     {"id": coupon.id, "remaining": await coupons.remaining(session, coupon.id)}))
    return claimed


@router.get("/shows/{show_id}/giveaways/figures")
async def figures(show_id: int, user: CurrentUser, session: SessionDep) -> dict:
    """The host and moderators: giveaways and their entries, coupons claimed against coupons used, for the show."""
    show = await get_show(session=session, show_id=show_id)
    await check_moderator(session=session, show=show, user=user)
    return await coupons.show_figures(session, show.id)
