"""Following hosts and shops."""

from __future__ import annotations

from tests.helpers import make_shop, register


def test_follow_and_unfollow_hosts_and_shops(api):
    host = register(api, roles=["host"])
    seller = register(api, roles=["seller"])
    shop = make_shop(api, seller)
    fan = register(api)
    assert api.put(f"/api/v1/me/follows/host/{host.id}", headers=fan.headers).status_code == 204
    assert api.put(f"/api/v1/me/follows/host/{host.id}", headers=fan.headers).status_code == 204  # idempotent
    assert api.put(f"/api/v1/me/follows/shop/{shop['id']}", headers=fan.headers).status_code == 204
    mine = api.get("/api/v1/me/follows", headers=fan.headers).json()
    assert {(f["kind"], f["target_id"]) for f in mine} == {("host", host.id), ("shop", shop["id"])}
    assert api.get(f"/api/v1/followers/host/{host.id}").json()["followers"] == 1
    assert api.delete(f"/api/v1/me/follows/host/{host.id}", headers=fan.headers).status_code == 204
    assert api.get(f"/api/v1/followers/host/{host.id}").json()["followers"] == 0


def test_only_hosts_and_existing_shops_can_be_followed(api):
    fan, viewer = register(api), register(api)
    assert api.put(f"/api/v1/me/follows/host/{viewer.id}", headers=fan.headers).status_code == 404
    assert api.put("/api/v1/me/follows/shop/99999999", headers=fan.headers).status_code == 404
    bad = api.put("/api/v1/me/follows/planet/1", headers=fan.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
