"""Email through a real SMTP server and Web Push to a real push endpoint, as each user's settings say."""

from __future__ import annotations

import json
import os
from email import message_from_bytes
from email.header import decode_header, make_header

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.helpers import make_shop, make_show, register
from tests.helpers_db import run_sql
from tests.notifications.conftest import b64url
from tests.notifications.support import wait_until
from tests.webhooks.receiver import Receiver


def test_go_live_by_email_in_the_followers_language(channels_api, mailbox):
    box, _port = mailbox
    api = channels_api
    host = register(api, roles=["seller", "host"], display_name="Lucía")
    shop = make_shop(api, host)
    wants_email = register(api, language="fr")
    feed_only = register(api)
    for user in (wants_email, feed_only):
        api.put(f"/api/v1/me/follows/host/{host.id}", headers=user.headers)
    settings = api.put(f"/api/v1/users/{wants_email.id}/notification-settings", headers=wants_email.headers,
                       json={"go_live": {"in_app": True, "push": False, "email": True}}).json()
    assert settings["email_available"] and settings["push_available"]
    show = make_show(api, host, shop["id"], title="Perles d'eau douce")
    api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers)

    mine = wait_until(lambda: [m for m in box.messages if wants_email.email in m.rcpt_tos])
    assert len(mine) == 1
    message = message_from_bytes(mine[0].content)
    assert str(make_header(decode_header(message["Subject"]))) == "Lucía est en direct"
    assert f"/shows/{show['id']}" in message.get_payload(decode=True).decode()
    assert not [m for m in box.messages if feed_only.email in m.rcpt_tos]  # email is off by default


def _followed_host(api, name: str) -> tuple:
    """A host with a shop, and a fan who follows them: (host, shop, fan)."""
    host = register(api, roles=["seller", "host"], display_name=name)
    shop = make_shop(api, host)
    fan = register(api)
    api.put(f"/api/v1/me/follows/host/{host.id}", headers=fan.headers)
    return host, shop, fan


def _subscribe(api, fan, endpoint: str) -> tuple:
    """Subscribe the fan's browser to pushes at `endpoint`, with the keys PushManager.subscribe makes: (key, auth)."""
    browser_key, auth = ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
    made = api.post("/api/v1/me/push-subscriptions", headers=fan.headers, json={
        "endpoint": endpoint, "keys": {
            "p256dh": b64url(browser_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)),
            "auth": b64url(auth)}})
    assert made.status_code == 201, made.text
    return browser_key, auth


def test_go_live_by_web_push_to_the_browsers_endpoint(channels_api, channels_app):
    api = channels_api
    host, shop, fan = _followed_host(api, "Wei")
    assert api.get("/api/v1/notifications/push-key").json() == {
        "enabled": True, "public_key": channels_app.vapid_public_key}
    with Receiver() as push_service:
        browser_key, auth = _subscribe(api, fan, push_service.url)
        show = make_show(api, host, shop["id"], title="Tea tasting")
        api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers)
        assert wait_until(lambda: push_service.received), "no push message arrived"
        headers, body = push_service.received[0]
    assert headers["authorization"].startswith("vapid t=") and f"k={channels_app.vapid_public_key}" in \
        headers["authorization"]
    assert headers["content-encoding"] == "aes128gcm"
    payload = json.loads(http_ece.decrypt(body, private_key=browser_key, auth_secret=auth, version="aes128gcm"))
    assert payload["title"] == "Wei is live now" and payload["body"] == "Tea tasting"
    assert payload["url"].endswith(f"/shows/{show['id']}")


def test_a_browser_that_unsubscribed_is_forgotten(channels_api, channels_app):
    """The push service answers 410 Gone: the subscription is deleted and the message not retried."""
    api = channels_api
    host, shop, fan = _followed_host(api, "Ana")
    with Receiver(statuses=[410] * 5) as push_service:
        _subscribe(api, fan, push_service.url)
        show = make_show(api, host, shop["id"], title="Silk scarves")
        api.post(f"/api/v1/shows/{show['id']}/start", headers=host.headers)
        subscriptions = "SELECT count(*) FROM push_subscriptions WHERE user_id = :u"
        assert wait_until(lambda: run_sql(channels_app.database_url, subscriptions, u=fan.id) == [(0,)]), \
            "the subscription was kept"
        outbox = run_sql(channels_app.database_url, "SELECT o.status, o.attempts FROM notification_outbox o "
                         "JOIN notifications n ON n.id = o.notification_id WHERE n.user_id = :u AND o.channel = 'push'",
                         u=fan.id)
        assert outbox == [("failed", 1)] and len(push_service.received) == 1
