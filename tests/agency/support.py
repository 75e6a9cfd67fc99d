"""Helpers for agency tests: an agency with its admin, hosts taken through training, shows to book."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx

from tests.helpers import Actor, make_shop, make_show, register, unique
from tests.helpers_db import run_sql


def make_agency_admin(api: httpx.Client, database_url: str) -> Actor:
    """A user given the agency_admin role outside the API, as an operator would."""
    actor = register(api)
    run_sql(database_url, "INSERT INTO user_roles (user_id, role) VALUES (:u, 'agency_admin')", u=actor.id)
    actor.roles = sorted([*actor.roles, "agency_admin"])
    return actor


def make_agency(api: httpx.Client, admin: Actor, **fields) -> dict:
    """An agency run by `admin`."""
    body = {"name": unique("Silk Road Talent"), "city": "Beijing", "country": "CN", **fields}
    response = api.post("/api/v1/agencies", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return response.json()


def add_host(api: httpx.Client, admin: Actor, agency_id: int, **fields) -> dict:
    """A host added by the agency (stage applied)."""
    body = {"display_name": "Lucía", "email": f"{unique('host')}@example.com", "country": "ES",
            "languages": ["es"], "markets": ["ES"], "timezone": "Europe/Madrid", "fee_minor": 150000,
            "fee_currency": "CNY", "commission_bp": 500, "currency": "EUR", **fields}
    response = api.post(f"/api/v1/agencies/{agency_id}/hosts", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return response.json()


def make_course(api: httpx.Client, admin: Actor, agency_id: int, modules=("Camera", "Selling")) -> dict:
    response = api.post(f"/api/v1/agencies/{agency_id}/courses", headers=admin.headers,
                        json={"title": "Live selling basics", "modules": list(modules)})
    assert response.status_code == 201, response.text
    return response.json()


def move(api: httpx.Client, admin: Actor, host_id: int, stage: str) -> httpx.Response:
    return api.post(f"/api/v1/hosts/{host_id}/stage", json={"stage": stage}, headers=admin.headers)


def make_active_host(api: httpx.Client, admin: Actor, agency_id: int, **fields) -> tuple[Actor, dict]:
    """A host with an account, taken through screening and training to active."""
    user = register(api, roles=["host"])
    host = add_host(api, admin, agency_id, email=user.email, **fields)
    course = make_course(api, admin, agency_id)
    for stage in ("screening", "training"):
        assert move(api, admin, host["id"], stage).status_code == 200
    for module in course["modules"]:
        done = api.post(f"/api/v1/hosts/{host['id']}/completions", json={"module_id": module["id"]},
                        headers=admin.headers)
        assert done.status_code == 200, done.text
    # every course of the agency counts: complete the modules of earlier ones too
    for c in api.get(f"/api/v1/agencies/{agency_id}/courses", headers=admin.headers).json():
        for module in c["modules"]:
            api.post(f"/api/v1/hosts/{host['id']}/completions", json={"module_id": module["id"]},
                     headers=admin.headers)
    active = move(api, admin, host["id"], "active")
    assert active.status_code == 200, active.text
    return user, active.json()


def brand_show(api: httpx.Client, at: datetime, **fields) -> dict:
    """A shop (with its owner) and one show of it scheduled at `at`."""
    owner = register(api, roles=["seller", "host"])
    shop = make_shop(api, owner)
    show = make_show(api, owner, shop["id"], scheduled_at=at.isoformat(), language=fields.pop("language", "es"),
                     market=fields.pop("market", "ES"), **fields)
    return {"owner": owner, "shop": shop, "show": show}


def next_utc(weekday: int, hour: int, minute: int = 0) -> datetime:
    """The next `weekday` (0 is Monday) at hour:minute UTC, at least two days ahead."""
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    day = now + timedelta(days=2)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    return day.replace(hour=hour, minute=minute)


def publish(database_url: str, show_id: int, started_at: datetime, ended_at: datetime | None) -> None:
    """Record one publish session of a show, as the media ingest does when a stream connects and drops."""
    import asyncio

    from livestall.db import make_engine
    from livestall.media.models import StreamSession

    async def run() -> None:
        engine = make_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(StreamSession.__table__.insert().values(
                    show_id=show_id, source="rtmp", client_addr="", transcoded=False, started_at=started_at,
                    ended_at=ended_at))
        finally:
            await engine.dispose()

    asyncio.run(run())
