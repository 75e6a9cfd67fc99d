"""Web Push (VAPID, through pywebpush) and email (SMTP, through smtplib): the outbox sender."""

from __future__ import annotations

import asyncio
import json
import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from gettext import NullTranslations

from sqlalchemy import delete, select, update

from livestall.accounts.models import User
from livestall.db import utcnow
from livestall.notifications import wording
from livestall.notifications.models import (
    Notification,
    NotificationOutbox,
    PushSubscription,
)
from livestall.settings import Settings

log = logging.getLogger("livestall.notifications")
# A language's catalog (web/i18n.py's `translations`), handed in: the words of the pages and of notifications
# are translated together, and notifications sit below the web.
Translations = Callable[[str], NullTranslations]

MAX_ATTEMPTS = 5
LEASE_S = 60  # a claimed item is not due again for this long, unless its attempt records otherwise
OUTBOX = NotificationOutbox.__table__


def push_configured(settings: Settings) -> bool:
    """Web Push is on when the VAPID keys are set."""
    return bool(settings.vapid_private_key and settings.vapid_public_key)


def email_configured(settings: Settings) -> bool:
    """Email is on when an SMTP host is set."""
    return bool(settings.smtp_host)


def text_of(notification: Notification, lang: str, translations: Translations) -> tuple[str, str]:
    """The title and body of a notification, in `lang`."""
    return wording.text_of(notification.kind, notification.data or {}, lang, translations(lang))


def link_of(notification: Notification) -> str:
    """The page a notification opens, as a path: its order, booking or opening, else its show."""
    data = notification.data or {}
    if data.get("path"):
        return data["path"]
    if notification.kind == "host_invite":
        return "/studio#invitations"
    return f"/shows/{notification.show_id}"


def send_email(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send one plain-text email through the configured SMTP server (blocking: run it in a thread)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.smtp_from, to, subject
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)


def send_push(settings: Settings, sub: PushSubscription, payload: dict) -> int:
    """Send one Web Push message (blocking: run it in a thread); the push service's status code."""
    from pywebpush import WebPushException, webpush

    try:
        response = webpush(
            subscription_info={"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}},
            data=json.dumps(payload), vapid_private_key=settings.vapid_private_key,
            vapid_claims={"sub": settings.vapid_subject}, timeout=10, ttl=3600)
        return response.status_code
    except WebPushException as exc:
        if exc.response is not None:
            return exc.response.status_code
        raise


async def _send_one(session, settings: Settings, item: NotificationOutbox, translations: Translations) -> None:
    notification = await session.get(Notification, item.notification_id)
    user = await session.get(User, notification.user_id) if notification else None
    if notification is None or user is None:
        item.status = "failed"
        return
    title, body = text_of(notification, user.language, translations)
    link = f"{settings.public_url}{link_of(notification)}"
    if item.channel == "email":
        tracking = (notification.data or {}).get("tracking_url")
        lines = [line for line in (body, tracking, link) if line]
        await asyncio.to_thread(send_email, settings, item.target, title, "\n\n".join(lines) + "\n")
        item.status = "sent"
        return
    sub = await session.get(PushSubscription, int(item.target))
    if sub is None:
        item.status = "failed"
        return
    status = await asyncio.to_thread(send_push, settings, sub, {"title": title, "body": body, "url": link})
    if status in (404, 410):  # the browser unsubscribed: forget the subscription
        await session.execute(delete(PushSubscription).where(PushSubscription.id == sub.id))
        item.status, item.last_error = "failed", f"push service said {status}"
    elif status >= 400:
        raise RuntimeError(f"push service said {status}")
    else:
        item.status = "sent"


async def send_outbox(sessionmaker, settings: Settings, translations: Translations, limit: int = 100) -> int:
    """Send the due push and email messages of the configured channels, each claimed then sent in its own
    transaction; how many were sent."""
    channels = [name for name, on in (("email", email_configured(settings)), ("push", push_configured(settings)))
                if on]
    if not channels:
        return 0
    now = utcnow()
    async with sessionmaker() as session:
        # Only the configured channels: items of a switched-off one must not stand in front of the others.
        ids = list(await session.scalars(select(NotificationOutbox.id).where(
            NotificationOutbox.status == "pending", NotificationOutbox.next_attempt_at <= now,
            NotificationOutbox.channel.in_(channels)).order_by(NotificationOutbox.id).limit(limit)))
    sent = 0
    for item_id in ids:
        async with sessionmaker() as session:
            async with session.begin():  # claim it, so that another process does not send it too
                claimed = await session.execute(update(OUTBOX).where(
                    OUTBOX.c.id == item_id, OUTBOX.c.status == "pending", OUTBOX.c.next_attempt_at <= now)
                    .values(next_attempt_at=utcnow() + timedelta(seconds=LEASE_S)))
                if claimed.rowcount != 1:
                    continue
        async with sessionmaker() as session:
            async with session.begin():
                item = await session.get(NotificationOutbox, item_id)
                item.attempts += 1
                try:
                    await _send_one(session, settings, item, translations)
                    sent += item.status == "sent"
                except Exception as exc:  # a server down or refusing: try again later, then give up
                    log.warning("notification %s by %s failed: %s", item.notification_id, item.channel, exc)
                    item.last_error = str(exc)[:1000]
                    item.status = "failed" if item.attempts >= MAX_ATTEMPTS else "pending"
                    item.next_attempt_at = utcnow() + timedelta(seconds=10 * 2 ** item.attempts)
    return sent
