"""The notification worker of a process: reminders due, fan-out chunks, then push and email."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from datetime import timedelta

from livestall.db import utcnow
from livestall.notifications.channels import (
    email_configured,
    push_configured,
    send_outbox,
)
from livestall.notifications.fanout import enqueue_due_reminders, run_pending_jobs

log = logging.getLogger("livestall.notifications")


async def run_once(sessionmaker, settings) -> int:
    """One tick of the worker; how many notifications it wrote."""
    async with sessionmaker() as session:
        async with session.begin():
            await enqueue_due_reminders(session=session, now=utcnow(),
                                        lead=timedelta(minutes=settings.reminder_lead_minutes))
    written = await run_pending_jobs(sessionmaker, chunk=settings.notification_chunk,
                                     push=push_configured(settings), email=email_configured(settings))
    if push_configured(settings) or email_configured(settings):
        await send_outbox(sessionmaker, settings)
    return written


async def _loop(app) -> None:
    settings = app.state.settings
    while True:
        try:
            written = await run_once(app.state.sessionmaker, settings)
        except Exception:  # a busy database or a lost connection: try again next tick
            log.exception("notification tick failed")
            written = 0
        if not written:  # while a fan-out is under way, go straight on to the next chunk
            await asyncio.sleep(settings.notification_jobs_interval_s)


@asynccontextmanager
async def notifications_service(app):
    """Run the notification worker while the app runs."""
    task = asyncio.create_task(_loop(app))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
