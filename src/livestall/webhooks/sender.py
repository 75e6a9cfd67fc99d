"""Sending deliveries: signed POSTs, retried with exponential backoff, each attempt logged."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from sqlalchemy import select, update

from livestall import metrics
from livestall.db import utcnow
from livestall.errors import Invalid
from livestall.webhooks.models import WebhookDelivery, WebhookEndpoint
from livestall.webhooks.signing import HEADER, signature_header
from livestall.webhooks.urls import public_addresses

log = logging.getLogger("livestall.webhooks")
D = WebhookDelivery.__table__
MAX_BACKOFF_S = 6 * 3600
LEASE_S = 120  # a delivery being sent is not picked up by another worker for this long


def backoff_s(base_s: float, attempts: int) -> float:
    """Seconds to wait before the next try after `attempts` failed ones: base, 2×base, 4×base, ... capped."""
    return min(base_s * 2 ** (attempts - 1), MAX_BACKOFF_S)


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed)."""
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def pinned(url: str, address: str) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
    """`url` sent to `address`, keeping its own name for the Host header and the certificate check."""
    named = httpx.URL(url)
    return (named.copy_with(host=address), {"Host": named.netloc.decode("ascii")},
            {"sni_hostname": named.raw_host.decode("ascii")})


async def post_checked(client: httpx.AsyncClient, url: str, addresses: list[str], body: bytes,
                       headers: dict[str, str]) -> httpx.Response:
    """POST to one of the checked addresses, in order; to `url` as it is when there are none to pin."""
    if not addresses:
        return await client.post(url, content=body, headers=headers)
    refused: httpx.ConnectError | None = None
    for address in addresses:
        target, host, extensions = pinned(url, address)
        try:
            return await client.post(target, content=body, headers={**headers, **host}, extensions=extensions)
        except httpx.ConnectError as exc:  # e.g. an IPv6 address on a host without IPv6: try the next one
            refused = exc
    raise refused


async def _attempt(client: httpx.AsyncClient, settings, endpoint: WebhookEndpoint, delivery: WebhookDelivery
                   ) -> tuple[int | None, str | None]:
    # The address is checked again at send time, since DNS may have changed since the endpoint was
    # registered, and the POST connects to the address that was checked: a name that resolves again
    # to a private address in between (DNS rebinding) is never asked.
    addresses = await public_addresses(endpoint.url, allow_private=settings.webhooks_allow_private)
    body = body_of(delivery)
    headers = {"Content-Type": "application/json", "User-Agent": "Livestall-Webhooks/1",
               HEADER: signature_header(endpoint.secret, body, int(time.time())),
               "Livestall-Event": delivery.event, "Livestall-Delivery": str(delivery.id)}
    response = await post_checked(client, endpoint.url, addresses, body, headers)
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}: {response.text[:200]}"


async def deliver_one(sessionmaker, client: httpx.AsyncClient, settings, delivery_id: int) -> str | None:
    """Try one due delivery once; its status afterwards (None if another worker has it)."""
    now = utcnow()
    async with sessionmaker() as session:
        async with session.begin():  # claim it: push its next attempt past the lease
            claimed = await session.execute(update(D).where(
                D.c.id == delivery_id, D.c.status == "pending", D.c.next_attempt_at <= now)
                .values(next_attempt_at=now + timedelta(seconds=LEASE_S)))
            if claimed.rowcount != 1:
                return None
    async with sessionmaker() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
    # Sent with no transaction open: a slow receiver must not hold a database connection.
    started = time.monotonic()
    try:
        code, error = await _attempt(client, settings, endpoint, delivery)
    except Invalid as exc:
        code, error = None, exc.detail
    except httpx.HTTPError as exc:
        code, error = None, f"{type(exc).__name__}: {exc}"[:500]
    entry = {"at": utcnow().isoformat(), "status_code": code, "error": error,
             "ms": round((time.monotonic() - started) * 1000)}
    async with sessionmaker() as session:
        async with session.begin():
            delivery = await session.get(WebhookDelivery, delivery_id)
            if delivery is None:  # its endpoint was removed meanwhile
                return None
            delivery.attempts += 1
            delivery.last_status_code, delivery.last_error = code, error
            delivery.log = [*delivery.log, entry]
            if error is None:
                delivery.status, delivery.delivered_at = "delivered", utcnow()
            elif delivery.attempts >= settings.webhook_max_attempts:
                delivery.status = "failed"
            else:
                delivery.next_attempt_at = utcnow() + timedelta(
                    seconds=backoff_s(settings.webhook_backoff_s, delivery.attempts))
            return delivery.status


async def deliver_due(sessionmaker, client: httpx.AsyncClient, settings, limit: int = 50) -> int:
    """Try every due delivery once, a few at a time; how many were tried."""
    async with sessionmaker() as session:
        # An endpoint switched off keeps its pending deliveries until it is switched on again.
        ids = list(await session.scalars(select(WebhookDelivery.id).join(
            WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id).where(
            WebhookEndpoint.active, WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= utcnow())
            .order_by(WebhookDelivery.next_attempt_at).limit(limit)))
    gate = asyncio.Semaphore(8)  # one slow receiver must not hold up the others

    async def one(delivery_id: int) -> None:
        async with gate:
            try:
                await deliver_one(sessionmaker, client, settings, delivery_id)
            except Exception:
                log.exception("webhook delivery %s failed", delivery_id)

    await asyncio.gather(*(one(i) for i in ids))
    return len(ids)


async def _loop(sessionmaker, settings, client: httpx.AsyncClient) -> None:
    while True:
        try:
            with metrics.job_pass("webhooks"):
                await deliver_due(sessionmaker, client, settings)
        except Exception:
            log.exception("webhook tick failed")
        await asyncio.sleep(settings.notification_jobs_interval_s)


@asynccontextmanager
async def webhooks_service(sessionmaker, settings):
    """Send webhook deliveries while the process runs."""
    # No redirects: a 3xx must not carry a signed body somewhere the URL check never saw.
    client = httpx.AsyncClient(timeout=settings.webhook_timeout_s, follow_redirects=False)
    task = asyncio.create_task(_loop(sessionmaker, settings, client))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()
