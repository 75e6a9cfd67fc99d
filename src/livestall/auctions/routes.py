"""HTTP routes for auctions: the host sets them up, opens and cancels them; anyone reads them and their results."""

from __future__ import annotations

from fastapi import APIRouter, Request

from livestall.accounts.deps import CurrentUser, OptionalUser
from livestall.auctions import hammer, service
from livestall.auctions.schemas import AuctionCreate
from livestall.db import SessionDep
from livestall.orders.schemas import order_read
from livestall.shows.service import check_can_run_show, get_show

router = APIRouter(prefix="/api/v1", tags=["auctions"])


async def _read(session, auction, user) -> dict:
    view = await service.auction_view(session, auction)
    mine = await service.my_standing(session=session, auction=auction, user_id=user.id) if user else None
    return {**view, "mine": mine}


@router.post("/shows/{show_id}/auctions", status_code=201)
async def create_auction(show_id: int, auction_in: AuctionCreate, user: CurrentUser, session: SessionDep):
    """The host or the shop: one unit of a pinned product, taking pre-bids until it is opened."""
    show = await get_show(session=session, show_id=show_id)
    await check_can_run_show(session=session, show=show, user=user)
    auction = await service.do_create_auction(session=session, show=show, creator=user, auction_in=auction_in)
    return await _read(session, auction, user)


@router.get("/shows/{show_id}/auctions")
async def list_show_auctions(show_id: int, session: SessionDep):
    """A show's auctions with their results, and what they came to: sold, takings (GMV), bids per auction."""
    show = await get_show(session=session, show_id=show_id)
    auctions = await service.list_auctions(session=session, show_id=show.id)
    return {"items": [await service.auction_view(session, a) for a in auctions],
            "totals": await service.show_totals(session=session, auctions=auctions)}


@router.get("/auctions/{auction_id}")
async def get_auction(auction_id: int, session: SessionDep, user: OptionalUser):
    """One auction as the room shows it (with the server's `now`), its latest bids, and the caller's standing."""
    auction = await service.get_auction(session=session, auction_id=auction_id)
    return {**await _read(session, auction, user),
            "latest_bids": await service.list_bids(session=session, auction_id=auction.id)}


async def _run(session, auction_id: int, user):
    auction = await service.get_auction(session=session, auction_id=auction_id)
    show = await get_show(session=session, show_id=auction.show_id)
    await check_can_run_show(session=session, show=show, user=user)
    return auction


@router.post("/auctions/{auction_id}/open")
async def open_auction(auction_id: int, user: CurrentUser, session: SessionDep):
    """The host or the shop: open the bidding now for the auction's duration."""
    auction = await _run(session, auction_id, user)
    return await _read(session, await service.do_open_auction(session=session, auction=auction), user)


@router.post("/auctions/{auction_id}/cancel")
async def cancel_auction(auction_id: int, user: CurrentUser, session: SessionDep):
    """The host or the shop: call the auction off before it ends; every hold goes back."""
    auction = await _run(session, auction_id, user)
    return await _read(session, await service.do_cancel_auction(session=session, auction=auction), user)


@router.post("/auctions/{auction_id}/accept")
async def accept_offer(auction_id: int, request: Request, user: CurrentUser, session: SessionDep):
    """The runner-up offered the unit: buy it at their last bid, paid from the wallet."""
    auction = await service.get_auction(session=session, auction_id=auction_id)
    order = await hammer.do_accept_offer(session=session, auction=auction, user=user,
                                         commission_bps=request.app.state.settings.commission_bps)
    return {"auction": await _read(session, auction, user), "order": order_read(order).model_dump(mode="json")}
