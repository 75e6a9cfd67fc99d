"""create_app(): routers, static files, problem handlers and the lifespan of shared resources."""

from __future__ import annotations

from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from livestall import __version__, errors, observability
from livestall.accounts import passwords
from livestall.accounts.routes import router as accounts_router
from livestall.agency.booking_routes import router as agency_bookings_router
from livestall.agency.fee_routes import router as agency_fees_router
from livestall.agency.routes import router as agency_router
from livestall.catalog.routes import router as catalog_router
from livestall.chat.lifecycle import live_rooms
from livestall.chat.routes import router as chat_router
from livestall.db import make_engine, make_sessionmaker
from livestall.festivals.routes import router as festivals_router
from livestall.insights.jobs import insights
from livestall.insights.routes import router as insights_router
from livestall.ledger.routes import router as ledger_router
from livestall.media.ingest import router as media_ingest_router
from livestall.media.routes import router as media_router
from livestall.media.runtime import media_service
from livestall.notifications.jobs import notifications_service
from livestall.notifications.routes import router as notifications_router
from livestall.openings.lifecycle import openings_room
from livestall.openings.pages import router as openings_pages_router
from livestall.openings.routes import router as openings_router
from livestall.orders.flash_routes import router as flash_router
from livestall.orders.jobs import selling
from livestall.orders.routes import router as orders_router
from livestall.security import AuthThrottleMiddleware, SecurityHeadersMiddleware
from livestall.settings import Settings, get_settings
from livestall.shows.pin_routes import router as pins_router
from livestall.shows.routes import router as shows_router
from livestall.web.csrf import CSRFMiddleware
from livestall.web.pages import router as web_router
from livestall.web.pages.agency import router as agency_pages_router
from livestall.web.pages.festivals import router as festivals_pages_router
from livestall.web.pages.insights import router as insights_pages_router
from livestall.web.pages.notifications import router as notifications_pages_router
from livestall.web.templating import STATIC as WEB_STATIC
from livestall.webhooks.routes import router as webhooks_router
from livestall.webhooks.sender import webhooks_service


# Long-running parts of a process, each an async context manager factory `service(app)`: entered
# in order at startup (after the database is ready) and left in reverse order at shutdown.
# Background jobs and supervised media processes register here.
SERVICES: list = [media_service, live_rooms, selling, openings_room, insights, notifications_service,
                  webhooks_service]  # media first: the rooms read its hls_url_for

# In this order: a page router's paths must not be shadowed by an earlier one's.
ROUTERS = (observability.router, accounts_router, catalog_router, shows_router, pins_router, chat_router,
           media_router, media_ingest_router, orders_router, flash_router, ledger_router, openings_router,
           openings_pages_router, agency_router, agency_bookings_router, agency_fees_router, insights_router,
           notifications_router, webhooks_router, festivals_router, web_router, agency_pages_router,
           insights_pages_router, notifications_pages_router, festivals_pages_router)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The Livestall ASGI application for `settings` (read from the environment by default)."""
    settings = settings or get_settings()
    passwords.configure(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.upload_dir.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = make_engine(settings.database_url)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine, publisher=lambda event: app.state.publish(event))
        try:
            async with AsyncExitStack() as stack:
                for service in SERVICES:
                    await stack.enter_async_context(service(app))
                yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="Livestall",
        version=__version__,
        description="Live-stream shopping: shows, chat, shops, orders and money.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.publish = lambda event: None  # replaced by the realtime hub when it starts
    errors.install_handlers(app)
    app.add_middleware(observability.RequestMetricsMiddleware)
    app.add_middleware(CSRFMiddleware, session_cookie=settings.session_cookie)
    app.add_middleware(AuthThrottleMiddleware, settings=settings)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)  # outermost: refusals get the headers too
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/media/uploads", StaticFiles(directory=settings.upload_dir), name="uploads")
    app.mount("/static", StaticFiles(directory=WEB_STATIC), name="static")
    return app
