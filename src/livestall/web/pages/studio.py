"""The studio, for hosts and sellers: on a phone one full-screen camera view; go live, pin, answer, moderate, end."""

from __future__ import annotations

from fastapi import APIRouter, Request

from livestall.accounts.models import User
from livestall.catalog.service import get_shop, list_products
from livestall.db import SessionDep
from livestall.errors import DomainError, Forbidden
from livestall.orders.shelf import get_shelf_view
from livestall.shows import hosting
from livestall.shows import service as shows
from livestall.web import service
from livestall.web.i18n import N_
from livestall.web.pages.common import FormDep, Page, PageDep, PageRoute, redirect, render, require_user
from livestall.web.pages.watch import links

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# The phone studio's own strings for its script (the shared ones are in web/messages.py).
PHONE_TEXT = {"portrait": N_("Portrait"), "landscape": N_("Landscape"), "sold": N_("Sold: %(title)s × %(units)s")}

# Why an answer to an invitation was refused, in the user's language.
ANSWER_MESSAGES = {"proposed": N_("This invitation has already been answered or withdrawn."),
                   "upcoming_show": N_("This show is no longer upcoming."),
                   "host_changed": N_("The shop has given this show another host since.")}


async def _home_context(page: Page, session, user: User, errors: dict | None = None) -> dict:
    items = await service.list_studio_shows(session=session, user=user)
    shops, _ = await service.get_names(session=session, shop_ids={s.shop_id for s in items})
    mine = await hosting.list_my_invitations(session=session, user=user)
    invitations = await hosting.invitation_reads(session, mine)
    return {"shows": items, "shops": shops, "can_stream": user.has_role("host") or user.has_role("seller"),
            "to_answer": [i for i in invitations if i.answerable],
            "answered": [i for i in invitations if not i.answerable][-10:], "errors": errors or {}}


@router.get("/studio")
async def studio_home(page: PageDep, session: SessionDep):
    """The user's live and upcoming shows, to open in the studio, and shops' invitations to host theirs."""
    user = require_user(page)
    return render(page, "studio/home.html", await _home_context(page, session, user))


async def _answer(page: Page, session, invitation_id: int, accept: bool):
    user = require_user(page)
    invitation = await hosting.get_own_invitation(session=session, invitation_id=invitation_id, user=user)
    try:
        async with session.begin_nested():
            await hosting.do_answer(session=session, invitation=invitation, accept=accept)
    except DomainError as exc:
        rule = exc.errors[0].rule if exc.errors else ""
        errors = {"_form": page.gettext(ANSWER_MESSAGES[rule]) if rule in ANSWER_MESSAGES else exc.detail}
        return render(page, "studio/home.html", await _home_context(page, session, user, errors), status=exc.status)
    answer = "accepted" if accept else "declined"
    return redirect(page, f"/studio?{answer}={invitation.show_id}#invitations")


@router.post("/studio/invitations/{invitation_id}/accept")
async def accept_invitation(invitation_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """The invited user accepts, and hosts the show."""
    return await _answer(page, session, invitation_id, True)


@router.post("/studio/invitations/{invitation_id}/decline")
async def decline_invitation(invitation_id: int, page: PageDep, form: FormDep, session: SessionDep):
    """The invited user declines; the show stays with its shop."""
    return await _answer(page, session, invitation_id, False)


async def _runnable(session, show_id: int, user: User):
    show = await shows.get_show(session=session, show_id=show_id)
    if not await shows.can_run_show(session=session, show=show, user=user):
        raise Forbidden("only the show's host and its shop may open its studio")
    return show


@router.get("/studio/shows/{show_id}")
async def studio(show_id: int, page: PageDep, request: Request, session: SessionDep):
    """The studio of one show."""
    user = require_user(page)
    show = await _runnable(session, show_id, user)
    shop = await get_shop(session=session, shop_id=show.shop_id)
    products, _ = await list_products(session=session, shop_id=shop.id, per_page=100)
    room_url, hls_url = links(request, show)
    shelf = await get_shelf_view(session=session, show_id=show.id, fx_per_usd=page.settings.fx_per_usd) \
        if show.status == "live" else []
    sales = await service.get_show_sales(session=session, show=show, currency=shop.currency)
    data = {"show_id": show.id, "status": show.status, "ws_url": room_url, "hls_url": hls_url,
            "lang": page.lang, "currency": shop.currency, "user_id": user.id, "shelf": shelf,
            "is_host": user.id == show.host_id,
            "started_at": show.started_at.isoformat() if show.started_at else None,
            "text": {key: page.gettext(text) for key, text in PHONE_TEXT.items()}}
    host = await session.get(User, show.host_id)
    return render(page, "studio/show.html", {
        "show": show, "shop": shop, "host": host, "products": products, "data": data, "sales": sales,
        "reserved_text": reserved_text(page, sales),
        "rtmp_host": page.settings.rtmp_public_host or request.url.hostname or "localhost",
        "rtmp_port": page.settings.rtmp_port, "public_url": page.settings.public_url.rstrip("/")})


@router.get("/studio/shows/{show_id}/sales")
async def studio_sales(show_id: int, page: PageDep, session: SessionDep) -> dict:
    """The sales ticker's figures: paid orders, units and GMV so far, and the unpaid reservations, formatted in the
    page's language."""
    user = require_user(page)
    show = await _runnable(session, show_id, user)
    shop = await get_shop(session=session, shop_id=show.shop_id)
    sales = await service.get_show_sales(session=session, show=show, currency=shop.currency)
    return {"orders": sales.orders, "units": sales.units, "gmv": sales.gmv.as_dict(),
            "gmv_text": page.l10n.money(sales.gmv), "orders_text": page.l10n.number(sales.orders),
            "units_text": page.l10n.number(sales.units), "reserved_orders": sales.reserved_orders,
            "reserved_text": reserved_text(page, sales)}


def reserved_text(page, sales) -> str:
    """"2 unpaid: ¥198.00" under the GMV, or nothing when every order is paid."""
    if not sales.reserved_orders:
        return ""
    return page.gettext("%(num)s unpaid: %(money)s") % {"num": page.l10n.number(sales.reserved_orders),
                                                        "money": page.l10n.money(sales.reserved)}
