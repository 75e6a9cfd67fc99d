"""The feed, the badge, reminders, settings (one's own only) and follower counts."""

from __future__ import annotations

from tests.helpers import make_shop, make_show, register
from tests.helpers_db import run_sql
from tests.notifications.support import wait_until


def test_settings_are_one_users_own(api):
    me, other = register(api), register(api)
    mine = api.get(f"/api/v1/users/{me.id}/notification-settings", headers=me.headers).json()
    assert mine["go_live"] == {"in_app": True, "push": True, "email": False}
    for method in ("get", "put"):
        refused = api.request(method, f"/api/v1/users/{me.id}/notification-settings", headers=other.headers,
                              json={"go_live": {"in_app": False, "push": False, "email": False}})
        assert refused.status_code == 403
        assert refused.json()["errors"][0] == {"field": "user_id", "rule": "own_settings", "message":
                                               "you can only read and change your own notification settings"}
    assert api.get(f"/api/v1/users/{me.id}/notification-settings", headers=me.headers).json()["go_live"]["in_app"]


def test_follower_counts_feed_badge_and_muted_feed(api, app_server):
    db = app_server.database_url
    host = register(api, roles=["seller", "host"])
    shop = make_shop(api, host)
    fan, muted = register(api), register(api)
    for user in (fan, muted):
        assert api.put(f"/api/v1/me/follows/host/{host.id}", headers=user.headers).status_code == 204
    api.put(f"/api/v1/me/follows/shop/{shop['id']}", headers=fan.headers)
    profile = api.get(f"/api/v1/profiles/host/{host.id}", headers=fan.headers).json()
    assert profile == {"kind": "host", "id": host.id, "name": "Test User", "followers": 2, "following": True}
    assert api.get(f"/api/v1/profiles/shop/{shop['id']}").json()["followers"] == 1
    assert api.get(f"/api/v1/profiles/shop/{shop['id']}").json()["following"] is None
    assert api.get("/api/v1/profiles/host/99999999").status_code == 404
    api.put(f"/api/v1/users/{muted.id}/notification-settings", headers=muted.headers,
            json={"go_live": {"in_app": False, "push": False, "email": False}})

    show = make_show(api, host, shop["id"], title="Silk scarves")
    api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers)
    feed = wait_until(lambda: api.get("/api/v1/me/notifications", headers=fan.headers).json()["items"])
    assert [(n["kind"], n["show_id"], n["data"]["title"]) for n in feed] == [("go_live", show["id"], "Silk scarves")]
    assert api.get("/api/v1/me/notifications/unread", headers=fan.headers).json() == {"unread": 1}
    assert api.post("/api/v1/me/notifications/read", headers=fan.headers, json={}).json() == {"unread": 0}
    # the muted follower was counted (one row) but sees nothing in the feed
    assert wait_until(lambda: run_sql(db, "SELECT 1 FROM notifications WHERE user_id = :u", u=muted.id))
    assert api.get("/api/v1/me/notifications", headers=muted.headers).json()["total"] == 0


def test_a_reminder_arrives_before_the_show_starts(api):
    host = register(api, roles=["seller", "host"])
    shop = make_shop(api, host)
    show = make_show(api, host, shop["id"], minutes_ahead=5)  # inside the 10-minute lead
    later = make_show(api, host, shop["id"], minutes_ahead=120)
    viewer = register(api)
    for s in (show, later):
        api.post(f"/shows/{s['id']}/remind", headers=viewer.headers, json={"on": "1"})
    items = wait_until(lambda: api.get("/api/v1/me/notifications", headers=viewer.headers).json()["items"])
    assert [(n["kind"], n["show_id"]) for n in items] == [("reminder", show["id"])]
