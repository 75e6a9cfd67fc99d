"""The composition root: one process's parts built, wired and started here, in the order stated once below."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from livestall.accounts.token_cache import TokenCache
from livestall.db import make_engine, make_lookup_engine, make_sessionmaker
from livestall.demo_live import demo_live
from livestall.insights.jobs import insights
from livestall.insights.recorder import SessionRecorder
from livestall.live.parts import room_parts
from livestall.live.room import LiveRoom
from livestall.live.serving import serve_rooms
from livestall.live.show_reads import ShowReads
from livestall.media.runtime import media_service
from livestall.notifications.jobs import notifications_service
from livestall.orders.jobs import selling
from livestall.runtime import Runtime
from livestall.settings import Settings
from livestall.shows.reminders import tell_starting_soon
from livestall.web.i18n import translations
from livestall.webhooks.sender import webhooks_service


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Runtime]:
    """Build and start everything one process runs; stop it all in reverse order on the way out."""
    lookups = make_lookup_engine(settings.database_url)
    runtime = Runtime(settings=settings, tokens=TokenCache(lookups), reads=ShowReads())
    runtime.engine = make_engine(settings.database_url)
    # Committed events go to the rooms through the runtime, which drops them until the rooms serve.
    maker = runtime.sessionmaker = make_sessionmaker(runtime.engine, publisher=runtime.publish)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(runtime.engine.dispose)
        if lookups is not None:
            stack.push_async_callback(lookups.dispose)
        # 1. Video: nginx-rtmp and ffmpeg, supervised; show links name its playlists.
        runtime.media = await stack.enter_async_context(media_service(settings, maker))
        # 2. Selling: the purchase writer publishes sales to the rooms (once they serve); the clock expires
        # reservations. Before the rooms, which buy through it, and stopped after them.
        sold = await stack.enter_async_context(selling(settings, maker, runtime.publish))
        runtime.offers, runtime.purchases, runtime.buying = sold.offers, sold.purchases, sold.desk
        # 3. The rooms, made of the parts the areas contribute (live/parts.py).
        recorder = SessionRecorder(maker)
        runtime.room = LiveRoom(maker, settings, room_parts(sessionmaker=maker, settings=settings,
                                                             recorder=recorder, buying=sold.desk),
                                tokens=runtime.tokens,  # the room forgets ended logins on every process
                                reads=runtime.reads)  # and hears every process's events of its shows
        runtime.gateway = await stack.enter_async_context(serve_rooms(runtime.room, settings, maker))
        runtime.rooms_open = True
        stack.callback(setattr, runtime, "rooms_open", False)  # stopping: events are no longer sent
        # 4. Insights: viewer stays recorded by the room, samples of its viewers, rollups.
        runtime.insights = await stack.enter_async_context(insights(maker, settings, recorder, runtime.gateway))
        # 5. Notifications and 6. webhooks: workers over their outboxes.
        # Notifications sit below shows and the web: the due reminders and the language catalogs come from here.
        await stack.enter_async_context(notifications_service(maker, settings, starting_soon=tell_starting_soon,
                                                              translations=translations))
        await stack.enter_async_context(webhooks_service(maker, settings))
        # 7. The demo's live show, when asked for: it goes through all of the above, so it starts last, stops first.
        if settings.demo_live:
            await stack.enter_async_context(demo_live(runtime))
        yield runtime
