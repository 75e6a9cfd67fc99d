"""Go-live fan-out: a background job gives each follower exactly one notification, even when rerun."""

from __future__ import annotations

import time

from tests.helpers import make_shop, make_show, register
from tests.helpers_db import run_sql
from tests.notifications.support import bulk_followers, wait_until

FOLLOWERS = 10_000


def _counts(db: str, show_id: int) -> tuple[int, int]:
    [(rows, users)] = run_sql(db, "SELECT count(*), count(DISTINCT user_id) FROM notifications "
                                  "WHERE show_id = :s AND kind = 'go_live'", s=show_id)
    return rows, users


def test_go_live_reaches_ten_thousand_followers_once_each(api, app_server):
    db = app_server.database_url
    host = register(api, roles=["seller", "host"])
    shop = make_shop(api, host)
    fans = bulk_followers(db, "host", host.id, FOLLOWERS)
    both = fans[:100]  # a hundred of them follow the shop too: still one notification each
    run_sql(db, "INSERT INTO follows (follower_id, kind, target_id, created_at) SELECT id, 'shop', :shop, "
                "CURRENT_TIMESTAMP FROM users WHERE id BETWEEN :a AND :b", shop=shop["id"], a=both[0], b=both[-1])
    show = make_show(api, host, shop["id"])

    began = time.monotonic()
    started = api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers)
    request_s = time.monotonic() - began
    assert started.status_code == 200, started.text
    assert request_s < 2.0, f"starting the show took {request_s:.2f}s: the fan-out must not run in the request"

    done = wait_until(lambda: _counts(db, show["id"])[0] >= FOLLOWERS, timeout=60)
    assert done, f"only {_counts(db, show['id'])} of {FOLLOWERS} notified"
    assert wait_until(lambda: not run_sql(db, "SELECT 1 FROM notification_jobs WHERE show_id = :s AND status = "
                                              "'pending'", s=show["id"]), timeout=30), "the job never finished"
    assert _counts(db, show["id"]) == (FOLLOWERS, FOLLOWERS)
    [(jobs_sent,)] = run_sql(db, "SELECT sum(sent) FROM notification_jobs WHERE show_id = :s", s=show["id"])
    assert jobs_sent == FOLLOWERS

    # A restarted job (cursor back to the start) writes nobody a second notification.
    run_sql(db, "UPDATE notification_jobs SET status = 'pending', cursor = 0, finished_at = NULL WHERE show_id = :s",
            s=show["id"])
    assert wait_until(lambda: not run_sql(db, "SELECT 1 FROM notification_jobs WHERE show_id = :s AND status = "
                                              "'pending'", s=show["id"]), timeout=30), "the job never finished"
    assert _counts(db, show["id"]) == (FOLLOWERS, FOLLOWERS)
    assert run_sql(db, "SELECT sum(sent) FROM notification_jobs WHERE show_id = :s", s=show["id"]) == [(FOLLOWERS,)]

    # A follower sees it in their feed, with the badge count.
    fan = fans[0]
    [(email,)] = run_sql(db, "SELECT email FROM users WHERE id = :u", u=fan)
    run_sql(db, "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE id = :h) WHERE id = :u",
            h=host.id, u=fan)
    from tests.helpers import login
    me = login(api, email)
    feed = api.get("/api/v1/me/notifications", headers=me.headers).json()
    assert feed["unread"] == 1 and feed["items"][0]["show_id"] == show["id"]
    assert feed["items"][0]["data"]["host_name"] == "Test User"
