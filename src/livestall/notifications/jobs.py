"""The notification worker of a process: reminders due, fan-out chunks, personal notifications' channels, then
push and email.

Shows and the web sit above notifications, so bootstrap.py hands the worker what it needs of them:
`starting_soon` (shows/reminders.py) and `translations` (web/i18n.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from livestall import metrics
from livestall.db import utcnow
from livestall.notifications.channels import (
    email_configured,
    push_configured,
    send_outbox,
)
from livestall.notifications.channels import Translations
from livestall.notifications.fanout import run_pending_jobs
from livestall.notifications.personal import dispatch_personal

log = logging.getLogger("livestall.notifications")
StartingSoon = Callable[..., Awaitable[int]]  # (*, session, now, lead) -> how many shows were told


async def run_once(sessionmaker, settings, *, starting_soon: StartingSoon, translations: Translations) -> int:
    """One tick of the worker; how many notifications it wrote."""
    async with sessionmaker() as session:
        async with session.begin():
            await starting_soon(session=session, now=utcnow(), lead=timedelta(minutes=settings.reminder_lead_minutes))
    written = await run_pending_jobs(sessionmaker, chunk=settings.notification_chunk,
                                     push=push_configured(settings), email=email_configured(settings))
    written += await dispatch_personal(sessionmaker, push=push_configured(settings), email=email_configured(settings))
    if push_configured(settings) or email_configured(settings):
        await send_outbox(sessionmaker, settings, translations)
    return written


async def _loop(sessionmaker, settings, starting_soon: StartingSoon, translations: Translations) -> None:
    while True:
        try:
            with metrics.job_pass("notifications"):
                written = await run_once(sessionmaker, settings, starting_soon=starting_soon,
                                         translations=translations)
        except Exception:  # a busy database or a lost connection: try again next tick
            log.exception("notification tick failed")
            written = 0
        if not written:  # while a fan-out is under way, go straight on to the next chunk
            await asyncio.sleep(settings.notification_jobs_interval_s)


@asynccontextmanager
async def notifications_service(sessionmaker, settings, *, starting_soon: StartingSoon, translations: Translations):
    """Run the notification worker while the process runs."""
    task = asyncio.create_task(_loop(sessionmaker, settings, starting_soon, translations))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
