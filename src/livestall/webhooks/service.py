"""Webhook endpoints: who may register them, and reading their deliveries."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.agency.access import check_agency_admin, get_agency
from livestall.catalog.service import check_shop_member, get_shop
from livestall.db import get_or_404, utcnow
from livestall.errors import Conflict, NotFound
from livestall.webhooks.models import WebhookDelivery, WebhookEndpoint
from livestall.webhooks.schemas import WebhookCreate, WebhookUpdate
from livestall.webhooks.signing import new_secret
from livestall.webhooks.urls import check_url

MAX_PER_OWNER = 20


async def check_owner(*, session: AsyncSession, owner_kind: str, owner_id: int, user: User) -> None:
    """A shop's webhooks are its owners' business; an agency's, its admins'."""
    if owner_kind == "shop":
        check_shop_member(await get_shop(session=session, shop_id=owner_id), user, owner_only=True)
    else:
        await get_agency(session=session, agency_id=owner_id)
        await check_agency_admin(session=session, agency_id=owner_id, user=user)


async def get_endpoint(*, session: AsyncSession, endpoint_id: int, user: User) -> WebhookEndpoint:
    """The endpoint, for one who manages its owner's webhooks (Forbidden otherwise)."""
    endpoint = await get_or_404(session, WebhookEndpoint, endpoint_id, "webhook")
    await check_owner(session=session, owner_kind=endpoint.owner_kind, owner_id=endpoint.owner_id, user=user)
    return endpoint


async def do_create(*, session: AsyncSession, owner_kind: str, owner_id: int, user: User, webhook_in: WebhookCreate,
                    allow_private: bool) -> WebhookEndpoint:
    """Register an endpoint (its URL checked: https, public address) with a fresh signing secret."""
    url = await check_url(webhook_in.url, allow_private=allow_private)
    count = await session.scalar(select(func.count()).select_from(WebhookEndpoint).where(
        WebhookEndpoint.owner_kind == owner_kind, WebhookEndpoint.owner_id == owner_id))
    if (count or 0) >= MAX_PER_OWNER:
        raise Conflict.field("url", "max_endpoints", f"at most {MAX_PER_OWNER} webhooks each")
    endpoint = WebhookEndpoint(owner_kind=owner_kind, owner_id=owner_id, url=url,
                               events=sorted(set(webhook_in.events)), secret=new_secret(),
                               description=webhook_in.description, created_by_id=user.id)
    session.add(endpoint)
    await session.flush()
    return endpoint


async def do_update(*, session: AsyncSession, endpoint: WebhookEndpoint, webhook_in: WebhookUpdate) -> WebhookEndpoint:
    """Change an endpoint's events, description, or switch it off and on."""
    if webhook_in.events is not None:
        endpoint.events = sorted(set(webhook_in.events))
    if webhook_in.active is not None:
        endpoint.active = webhook_in.active
    if webhook_in.description is not None:
        endpoint.description = webhook_in.description
    await session.flush()
    return endpoint


async def do_delete(*, session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its delivery log."""
    await session.delete(endpoint)
    await session.flush()


async def list_endpoints(*, session: AsyncSession, owner_kind: str, owner_id: int) -> list[WebhookEndpoint]:
    """An owner's endpoints, oldest first."""
    return list(await session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.owner_kind == owner_kind, WebhookEndpoint.owner_id == owner_id).order_by(WebhookEndpoint.id)))


async def list_deliveries(*, session: AsyncSession, endpoint: WebhookEndpoint, status: str | None, page: int,
                          per_page: int) -> tuple[list[WebhookDelivery], int]:
    """An endpoint's deliveries, newest first, optionally by status."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(WebhookDelivery.id.desc()).offset((page - 1) * per_page)
                                 .limit(per_page))
    return list(rows), total or 0


async def do_resend(*, session: AsyncSession, endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    """Queue a failed (or delivered) delivery again, due now with a fresh set of attempts; its log stays."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound(f"no delivery {delivery_id} for this webhook")
    table = WebhookDelivery.__table__
    queued = await session.execute(update(table).where(
        table.c.id == delivery.id, table.c.status.in_(("failed", "delivered")))
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), delivered_at=None))
    if queued.rowcount != 1:
        raise Conflict.field("status", "failed_or_delivered", "this delivery is still being tried")
    await session.refresh(delivery)
    return delivery
