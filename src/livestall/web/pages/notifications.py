"""Notification pages: the feed (the header's badge links here) and the per-kind channel settings."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from livestall.db import SessionDep
from livestall.notifications import service, wording
from livestall.notifications.channels import email_configured, link_of, push_configured
from livestall.notifications.models import CHANNELS, KIND_GROUPS, KINDS
from livestall.notifications.schemas import Channels, NotificationSettingsIn
from livestall.shows.models import Show
from livestall.web.i18n import N_, translations
from livestall.web.pages.common import (
    FormDep,
    PageDep,
    PageRoute,
    redirect,
    render,
    require_user,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

KIND_LABELS = {"go_live": N_("A host or shop I follow goes live"),
               "reminder": N_("A show I asked to be reminded of is about to start"),
               "order_paid": N_("My order is paid"),
               "order_shipped": N_("My order has shipped, with its tracking number"),
               "order_delivered": N_("My order was delivered"),
               "order_refunded": N_("My order was refunded"),
               "order_sold": N_("Someone paid for an order in my shop"),
               "low_stock": N_("A product or variant of my shop is running out"),
               "booking_offered": N_("An agency offers me a booking"),
               "booking_accepted": N_("A host accepted a booking"),
               "booking_declined": N_("A host declined a booking"),
               "booking_cancel": N_("A booking was cancelled"),
               "opening_turn": N_("My opening is next on camera"),
               "opening_result": N_("What was inside my opening"),
               "opening_refunded": N_("My opening ticket was refunded")}
GROUP_LABELS = {"shows": N_("Shows"), "orders": N_("Orders"), "bookings": N_("Bookings"),
                "openings": N_("Openings")}
CHANNEL_LABELS = {"in_app": N_("In the app"), "push": N_("Push on this device"), "email": N_("Email")}


@router.get("/notifications")
async def feed_page(page: PageDep, session: SessionDep, page_no: int = 1):
    """The user's notifications, newest first, unread ones marked."""
    user = require_user(page)
    items, total = await service.list_feed(session=session, user=user, page=max(page_no, 1), per_page=30)
    ids = {n.show_id for n in items if n.show_id is not None}
    live = set(await session.scalars(select(Show.id).where(Show.id.in_(ids), Show.status == "live"))) if ids else set()
    unread = await service.count_unread(session=session, user=user)
    tr = translations(page.lang)
    lines = {n.id: {"sentence": wording.sentence(n.kind, n.data or {}, page.lang, tr),
                    "detail": wording.detail(n.kind, n.data or {}, tr), "href": link_of(n)} for n in items}
    return render(page, "notifications/feed.html", {"items": items, "total": total, "unread": unread, "live": live,
                                                    "lines": lines, "page_no": page_no})


@router.post("/notifications/read")
async def mark_all_read(page: PageDep, form: FormDep, session: SessionDep):
    """Mark every notification read."""
    user = require_user(page)
    await service.do_mark_read(session=session, user=user)
    return redirect(page, "/notifications")


@router.get("/notifications/settings")
async def settings_page(page: PageDep, session: SessionDep, saved: int = 0):
    """Which channels each kind of notification uses."""
    user = require_user(page)
    values = await service.get_settings(session=session, user_id=user.id)
    return render(page, "notifications/settings.html", {
        "values": values, "groups": KIND_GROUPS, "group_labels": GROUP_LABELS, "channels": CHANNELS,
        "kind_labels": KIND_LABELS,
        "channel_labels": CHANNEL_LABELS, "saved": saved, "push_available": push_configured(page.settings),
        "email_available": email_configured(page.settings), "vapid_public_key": page.settings.vapid_public_key})


@router.post("/notifications/settings")
async def save_settings(page: PageDep, form: FormDep, session: SessionDep):
    """Save the checkboxes: a box left unticked switches its channel off."""
    user = require_user(page)
    ticked = set(form.getlist("on"))
    settings_in = NotificationSettingsIn(**{
        kind: Channels(**{channel: f"{kind}.{channel}" in ticked for channel in CHANNELS}) for kind in KINDS})
    await service.do_update_settings(session=session, user_id=user.id, settings_in=settings_in)
    return redirect(page, "/notifications/settings?saved=1")
