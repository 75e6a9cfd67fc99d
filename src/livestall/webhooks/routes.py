"""HTTP routes for webhooks: register, list, change and remove endpoints; read their deliveries."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from livestall.accounts.deps import CurrentUser
from livestall.db import SessionDep
from livestall.webhooks import service
from livestall.webhooks.schemas import (
    DeliveryPage,
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["webhooks"])

DeliveryStatus = Literal["pending", "delivered", "failed"]


async def _create(request: Request, session, user, owner_kind: str, owner_id: int, webhook_in: WebhookCreate):
    await service.check_owner(session=session, owner_kind=owner_kind, owner_id=owner_id, user=user)
    endpoint = await service.do_create(session=session, owner_kind=owner_kind, owner_id=owner_id, user=user,
                                       webhook_in=webhook_in,
                                       allow_private=request.app.state.settings.webhooks_allow_private)
    return WebhookCreated(**WebhookRead.model_validate(endpoint).model_dump(), secret=endpoint.secret)


@router.post("/shops/{shop_id}/webhooks", status_code=201, response_model=WebhookCreated)
async def create_shop_webhook(shop_id: int, webhook_in: WebhookCreate, request: Request, user: CurrentUser,
                              session: SessionDep):
    """Register an HTTPS endpoint for the shop's events; the signing secret is shown this once."""
    return await _create(request, session, user, "shop", shop_id, webhook_in)


@router.post("/agencies/{agency_id}/webhooks", status_code=201, response_model=WebhookCreated)
async def create_agency_webhook(agency_id: int, webhook_in: WebhookCreate, request: Request, user: CurrentUser,
                                session: SessionDep):
    """Register an HTTPS endpoint for the events of the shows the agency's hosts are booked on."""
    return await _create(request, session, user, "agency", agency_id, webhook_in)


@router.get("/shops/{shop_id}/webhooks", response_model=list[WebhookRead])
async def shop_webhooks(shop_id: int, user: CurrentUser, session: SessionDep):
    """The shop's webhook endpoints (owners only)."""
    await service.check_owner(session=session, owner_kind="shop", owner_id=shop_id, user=user)
    return await service.list_endpoints(session=session, owner_kind="shop", owner_id=shop_id)


@router.get("/agencies/{agency_id}/webhooks", response_model=list[WebhookRead])
async def agency_webhooks(agency_id: int, user: CurrentUser, session: SessionDep):
    """The agency's webhook endpoints (its admins only)."""
    await service.check_owner(session=session, owner_kind="agency", owner_id=agency_id, user=user)
    return await service.list_endpoints(session=session, owner_kind="agency", owner_id=agency_id)


@router.get("/webhooks/{webhook_id}", response_model=WebhookRead)
async def get_webhook(webhook_id: int, user: CurrentUser, session: SessionDep):
    """One endpoint."""
    return await service.get_endpoint(session=session, endpoint_id=webhook_id, user=user)


@router.patch("/webhooks/{webhook_id}", response_model=WebhookRead)
async def update_webhook(webhook_id: int, webhook_in: WebhookUpdate, user: CurrentUser, session: SessionDep):
    """Change the events an endpoint gets, its description, or switch it off and on."""
    endpoint = await service.get_endpoint(session=session, endpoint_id=webhook_id, user=user)
    return await service.do_update(session=session, endpoint=endpoint, webhook_in=webhook_in)


@router.delete("/webhooks/{webhook_id}", status_code=204)
async def delete_webhook(webhook_id: int, user: CurrentUser, session: SessionDep) -> None:
    """Remove an endpoint and its delivery log."""
    endpoint = await service.get_endpoint(session=session, endpoint_id=webhook_id, user=user)
    await service.do_delete(session=session, endpoint=endpoint)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=DeliveryPage)
async def webhook_deliveries(webhook_id: int, user: CurrentUser, session: SessionDep,
                             status: DeliveryStatus | None = None, page: Annotated[int, Query(ge=1)] = 1,
                             per_page: Annotated[int, Query(ge=1, le=100)] = 50):
    """The endpoint's deliveries, newest first: each attempt's status code, error and time."""
    endpoint = await service.get_endpoint(session=session, endpoint_id=webhook_id, user=user)
    items, total = await service.list_deliveries(session=session, endpoint=endpoint, status=status, page=page,
                                                 per_page=per_page)
    return DeliveryPage(items=items, total=total, page=page, per_page=per_page)


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/resend", status_code=202, response_model=DeliveryRead)
async def resend_delivery(webhook_id: int, delivery_id: int, user: CurrentUser, session: SessionDep):
    """Send a failed (or delivered) event again: it is due now, with a fresh set of attempts."""
    endpoint = await service.get_endpoint(session=session, endpoint_id=webhook_id, user=user)
    return await service.do_resend(session=session, endpoint=endpoint, delivery_id=delivery_id)
