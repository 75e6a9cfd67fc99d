"""Many logins asked at once are looked up together: each caller still learns exactly who its own token is."""

from __future__ import annotations

import asyncio

import httpx

from tests.helpers import register


def test_a_burst_of_first_calls_answers_every_token_with_its_own_user(api, app_server):
    viewers = [register(api, display_name=f"Burst viewer {n}") for n in range(24)]
    sellers = [register(api, roles=["viewer", "seller"], display_name=f"Burst seller {n}") for n in range(3)]
    ended = register(api, display_name="Logged out")
    assert api.post("/api/v1/auth/logout", headers=ended.headers).status_code == 204
    calls = [(actor.token, actor) for actor in viewers + sellers]
    calls += [(actor.token, actor) for actor in viewers[:6]]  # the same token twice in one burst
    calls += [(ended.token, None), ("not-a-token", None)]

    async def burst():
        async with httpx.AsyncClient(base_url=app_server.url, timeout=30) as client:
            return await asyncio.gather(*(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
                                          for token, _ in calls))

    answers = asyncio.run(burst())
    for (_, actor), answer in zip(calls, answers):
        if actor is None:
            assert answer.status_code == 401, answer.text
            continue
        assert answer.status_code == 200, answer.text
        me = answer.json()
        assert (me["id"], me["email"]) == (actor.id, actor.email)
        assert me["display_name"].startswith("Burst")
        assert ("seller" in me["roles"]) == (actor in sellers)
