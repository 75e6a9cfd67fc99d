"""The notification pages: the feed in the user's language, the header badge, the settings form."""

from __future__ import annotations

from tests.helpers import make_shop, make_show, register
from tests.notifications.support import wait_until

NEW = '<span class="badge live">Nouveau</span>'  # an unread notification, in French


def test_feed_page_settings_form_and_badge(api):
    host = register(api, roles=["seller", "host"], display_name="Amira")
    shop = make_shop(api, host)
    fan = register(api, language="fr")
    api.put(f"/api/v1/me/follows/host/{host.id}", headers=fan.headers)
    host_page = api.get(f"/hosts/{host.id}", headers={"Accept-Language": "fr"})
    assert "1 abonné" in host_page.text and 'data-followers' in host_page.text
    show = make_show(api, host, shop["id"], title="Soie de Hangzhou")
    api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers)
    assert wait_until(lambda: api.get("/api/v1/me/notifications/unread", headers=fan.headers).json()["unread"])

    feed = api.get("/notifications", headers=fan.headers)
    assert feed.status_code == 200
    assert "Amira est en direct" in feed.text and NEW in feed.text and f'href="/shows/{show["id"]}"' in feed.text
    assert 'href="/notifications" class="bell"' in feed.text and "data-unread-badge" in feed.text

    settings = api.get("/notifications/settings", headers=fan.headers)
    assert "Réglages des notifications" in settings.text and 'value="go_live.push" checked' in settings.text
    saved = api.post("/notifications/settings", headers=fan.headers, json={"on": ["go_live.email", "reminder.in_app"]})
    assert saved.status_code in (200, 303)
    channels = api.get(f"/api/v1/users/{fan.id}/notification-settings", headers=fan.headers).json()
    assert channels["go_live"] == {"in_app": False, "push": False, "email": True}
    assert channels["reminder"] == {"in_app": True, "push": False, "email": False}

    api.post("/notifications/read", headers=fan.headers, json={})
    assert api.get("/api/v1/me/notifications/unread", headers=fan.headers).json() == {"unread": 0}
    assert NEW not in api.get("/notifications", headers=fan.headers).text


def test_pages_need_a_login(api):
    response = api.get("/notifications", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
