"""HTTP routes for festivals: setup, festival prices, vouchers, their quotes and the voucher pinned in a show."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from livestall.accounts.deps import CurrentUser
from livestall.accounts.service import check_operator
from livestall.catalog.models import Shop
from livestall.db import SessionDep, utcnow
from livestall.errors import Invalid
from livestall.festivals import service, show_vouchers, vouchers
from livestall.festivals.schemas import (
    FestivalCreate, FestivalPage, FestivalRead, FestivalShopPage, FestivalShopRead, FestivalUpdate, PinnedVoucherRead,
    PinVoucherIn, PriceCreate, PriceRead, ShopsAdd, ShowVoucherRead, VoucherCreate, VoucherQuoteIn, VoucherQuoteRead,
    VoucherRead,
)
from livestall.money import Money
from livestall.runtime import Runtime, RuntimeDep
from livestall.shows.service import check_moderator, get_show

router = APIRouter(prefix="/api/v1", tags=["festivals"])

Page = Annotated[int, Query(ge=1, le=10_000)]
PerPage = Annotated[int, Query(ge=1, le=1000)]


@router.get("/festivals", response_model=FestivalPage)
async def list_festivals(session: SessionDep, include_ended: bool = False):
    """Running and upcoming festivals, soonest first."""
    items = await service.list_festivals(session=session, include_ended=include_ended)
    return FestivalPage(items=await service.read_festivals(session=session, festivals=items))


@router.post("/festivals", status_code=201, response_model=FestivalRead)
async def create_festival(festival_in: FestivalCreate, user: CurrentUser, session: SessionDep):
    """Operators: a festival with its time window and participating shops."""
    check_operator(user)
    festival = await service.do_create_festival(session=session, creator=user, festival_in=festival_in)
    return await service.read_festival(session=session, festival=festival)


@router.get("/festivals/{festival_id}", response_model=FestivalRead)
async def get_festival(festival_id: int, session: SessionDep):
    """One festival."""
    festival = await service.get_festival(session=session, festival_id=festival_id)
    return await service.read_festival(session=session, festival=festival)


@router.get("/festivals/{festival_id}/shops", response_model=FestivalShopPage)
async def list_shops(festival_id: int, session: SessionDep, page: Page = 1, per_page: PerPage = 100):
    """The shops taking part, by id."""
    festival = await service.get_festival(session=session, festival_id=festival_id)
    rows, total = await service.list_shops(session=session, festival=festival, page=page, per_page=per_page)
    return FestivalShopPage(items=[FestivalShopRead(shop_id=i, name=n) for i, n in rows], total=total, page=page,
                            per_page=per_page)


@router.patch("/festivals/{festival_id}", response_model=FestivalRead)
async def update_festival(festival_id: int, festival_in: FestivalUpdate, user: CurrentUser, session: SessionDep):
    """Operators: rename a festival or move its window."""
    check_operator(user)
    festival = await service.get_festival(session=session, festival_id=festival_id)
    festival = await service.do_update_festival(session=session, festival=festival, festival_in=festival_in)
    return await service.read_festival(session=session, festival=festival)


@router.post("/festivals/{festival_id}/shops", response_model=FestivalRead)
async def add_shops(festival_id: int, shops_in: ShopsAdd, user: CurrentUser, session: SessionDep):
    """Operators: shops join the festival."""
    check_operator(user)
    festival = await service.get_festival(session=session, festival_id=festival_id)
    festival = await service.do_add_shops(session=session, festival=festival, shop_ids=shops_in.shop_ids)
    return await service.read_festival(session=session, festival=festival)


@router.delete("/festivals/{festival_id}/shops/{shop_id}", response_model=FestivalRead)
async def remove_shop(festival_id: int, shop_id: int, user: CurrentUser, session: SessionDep):
    """Operators: a shop leaves the festival, with its festival prices."""
    check_operator(user)
    festival = await service.get_festival(session=session, festival_id=festival_id)
    festival = await service.do_remove_shop(session=session, festival=festival, shop_id=shop_id)
    return await service.read_festival(session=session, festival=festival)


@router.get("/festivals/{festival_id}/prices", response_model=list[PriceRead])
async def list_prices(festival_id: int, session: SessionDep, shop_id: int | None = None):
    """A festival's prices (of one shop when asked)."""
    festival = await service.get_festival(session=session, festival_id=festival_id)
    return await service.list_prices(session=session, festival=festival, shop_id=shop_id)


@router.post("/festivals/{festival_id}/prices", status_code=201, response_model=PriceRead)
async def create_price(festival_id: int, price_in: PriceCreate, user: CurrentUser, session: SessionDep):
    """The shop's members or operators: a product's festival price or discount, inside the window."""
    festival = await service.get_festival(session=session, festival_id=festival_id)
    product, shop = await service.get_priced_product(session=session, festival=festival,
                                                     product_id=price_in.product_id)
    service.check_shop_or_operator(user, shop)
    return await service.do_create_price(session=session, festival=festival, product=product, creator=user,
                                         price_in=price_in)


@router.delete("/festival-prices/{festival_price_id}", status_code=204)
async def delete_price(festival_price_id: int, user: CurrentUser, session: SessionDep):
    """The shop's members or operators: remove a festival price."""
    price = await service.get_price(session=session, price_id=festival_price_id)
    service.check_shop_or_operator(user, await session.get(Shop, price.shop_id))
    await service.do_delete_price(session=session, price=price)


@router.get("/festivals/{festival_id}/vouchers", response_model=list[VoucherRead])
async def list_vouchers(festival_id: int, user: CurrentUser, session: SessionDep):
    """Operators: every voucher of the festival; shop members: their shops' vouchers."""
    festival = await service.get_festival(session=session, festival_id=festival_id)
    return await vouchers.list_vouchers(session=session, festival=festival, user=user)


@router.post("/festivals/{festival_id}/vouchers", status_code=201, response_model=VoucherRead)
async def create_voucher(festival_id: int, voucher_in: VoucherCreate, user: CurrentUser, session: SessionDep):
    """Operators: a platform voucher; a participating shop's members: the shop's own voucher."""
    festival = await service.get_festival(session=session, festival_id=festival_id)
    shop = None
    if voucher_in.shop_id is not None:
        shop = await session.get(Shop, voucher_in.shop_id)
        if shop is None:
            raise Invalid.field("shop_id", "existing_shop", f"no shop {voucher_in.shop_id}")
    vouchers.check_can_issue(user, shop)
    return await vouchers.do_create_voucher(session=session, festival=festival, creator=user, shop=shop,
                                            voucher_in=voucher_in)


@router.post("/vouchers/quote", response_model=VoucherQuoteRead)
async def quote_voucher(quote_in: VoucherQuoteIn, user: CurrentUser, session: SessionDep):
    """A buyer, before paying: what a voucher takes off an order of this shop and total, or the rule it breaks."""
    voucher, discount = await vouchers.quote_voucher(
        session=session, buyer=user, code=quote_in.code, shop_id=quote_in.shop_id, currency=quote_in.currency,
        total_minor=quote_in.amount_minor, now=utcnow())

    def money(amount: int) -> dict:
        return Money(amount, quote_in.currency).as_dict()

    return VoucherQuoteRead(code=voucher.code, total=money(quote_in.amount_minor), discount=money(discount),
                            to_pay=money(quote_in.amount_minor - discount),
                            funded_by=f"shop:{voucher.shop_id}" if voucher.shop_id else "platform")


@router.get("/shows/{show_id}/voucher", response_model=ShowVoucherRead)
async def get_show_voucher(show_id: int, runtime: RuntimeDep) -> Response:
    """The voucher pinned in a show (null when none is, or its festival has ended)."""
    # Every viewer joining the room asks: one build, serialized once, until an event of the show (a pin) or 1 s.
    body = await runtime.reads.get(show_id, ("voucher", show_id), lambda: _show_voucher_json(runtime, show_id))
    return Response(body, media_type="application/json")


async def _show_voucher_json(runtime: Runtime, show_id: int) -> bytes:
    async with runtime.sessionmaker() as session:
        show = await get_show(session=session, show_id=show_id)
        voucher = await show_vouchers.get_pinned_voucher(session=session, show_id=show.id)
    return ShowVoucherRead(show_id=show.id, voucher=voucher).model_dump_json().encode()


@router.get("/shows/{show_id}/vouchers", response_model=list[PinnedVoucherRead])
async def list_pinnable_vouchers(show_id: int, user: CurrentUser, session: SessionDep):
    """The host and moderators: the vouchers they may pin in the show."""
    show = await get_show(session=session, show_id=show_id)
    await check_moderator(session=session, show=show, user=user)
    return await show_vouchers.list_pinnable(session=session, show=show)


@router.put("/shows/{show_id}/voucher", response_model=ShowVoucherRead)
async def pin_voucher(show_id: int, pin_in: PinVoucherIn, user: CurrentUser, session: SessionDep):
    """The host and moderators: pin a voucher of the show's shop in the live show, for viewers to use."""
    show = await get_show(session=session, show_id=show_id)
    await check_moderator(session=session, show=show, user=user)
    view = await show_vouchers.do_pin_voucher(session=session, show=show, user=user, code=pin_in.code)
    return ShowVoucherRead(show_id=show.id, voucher=view)


@router.delete("/shows/{show_id}/voucher", status_code=204)
async def unpin_voucher(show_id: int, user: CurrentUser, session: SessionDep) -> Response:
    """The host and moderators: take the show's voucher down."""
    show = await get_show(session=session, show_id=show_id)
    await check_moderator(session=session, show=show, user=user)
    await show_vouchers.do_unpin_voucher(session=session, show=show)
    return Response(status_code=204)
