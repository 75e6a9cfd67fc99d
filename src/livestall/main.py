"""create_app(): routers, static files, problem handlers, and a lifespan that runs bootstrap.py's parts."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from livestall import __version__, bootstrap, errors, observability
from livestall.accounts import passwords
from livestall.accounts.routes import router as accounts_router
from livestall.auctions.routes import router as auctions_router
from livestall.agency.booking_routes import router as agency_bookings_router
from livestall.agency.fee_routes import router as agency_fees_router
from livestall.agency.routes import router as agency_router
from livestall.catalog.embed_routes import router as embed_origins_router
from livestall.catalog.csv_routes import router as catalog_csv_router
from livestall.catalog.routes import router as catalog_router
from livestall.chat.routes import router as chat_router
from livestall.festivals.routes import router as festivals_router
from livestall.giveaways.routes import router as giveaways_router
from livestall.insights.festival_routes import router as festival_figures_router
from livestall.insights.routes import router as insights_router
from livestall.ledger.routes import router as ledger_router
from livestall.ledger.card_routes import router as saved_cards_router
from livestall.media.ingest import router as media_ingest_router
from livestall.media.key_routes import router as stream_keys_router
from livestall.media.clip_routes import router as clip_router
from livestall.media.restream_routes import router as restream_router
from livestall.media.routes import router as media_router
from livestall.media.webrtc_publish import router as webrtc_publish_router
from livestall.media.webrtc_routes import router as webrtc_router
from livestall.notifications.routes import router as notifications_router
from livestall.openings.replay_routes import router as replay_router
from livestall.openings.routes import router as openings_router
from livestall.orders.address_routes import router as addresses_router
from livestall.orders.flash_routes import router as flash_router
from livestall.orders.payment_routes import router as payments_router
from livestall.orders.routes import buy_now_route, hot_router as buy_now_router, router as orders_router
from livestall.orders.shelf_routes import router as pins_router
from livestall.security import AuthThrottleMiddleware, SecurityHeadersMiddleware
from livestall.runtime import Runtime
from livestall.settings import Settings, get_settings
from livestall.shows.routes import router as shows_router
from livestall.web.csrf import CSRFMiddleware
from livestall.web.pages import router as web_router
from livestall.web.pages.clips import router as clip_pages_router
from livestall.web.pages.agency import router as agency_pages_router
from livestall.web.pages.festivals import router as festivals_pages_router
from livestall.web.pages.giveaways import router as giveaways_pages_router
from livestall.web.pages.insights import router as insights_pages_router
from livestall.web.pages.notifications import router as notifications_pages_router
from livestall.web.pages.openings import router as openings_pages_router
from livestall.web.pages.operator import router as operator_pages_router
from livestall.web.templating import STATIC as WEB_STATIC
from livestall.webhooks.routes import router as webhooks_router


# In this order: a page router's paths must not be shadowed by an earlier one's.
ROUTERS = (observability.router, accounts_router, buy_now_router, catalog_router, catalog_csv_router, shows_router, pins_router, chat_router,
           media_router, media_ingest_router, stream_keys_router, restream_router, clip_router, clip_pages_router, webrtc_router, webrtc_publish_router, orders_router, addresses_router, flash_router,
           ledger_router, saved_cards_router, payments_router, auctions_router, openings_router, replay_router, openings_pages_router, agency_router,
           agency_bookings_router, agency_fees_router, insights_router, notifications_router, webhooks_router,
           festivals_router, festival_figures_router, web_router, agency_pages_router, insights_pages_router,
           notifications_pages_router, festivals_pages_router, operator_pages_router, embed_origins_router,
           giveaways_router, giveaways_pages_router)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The Livestall ASGI application for `settings` (read from the environment by default)."""
    settings = settings or get_settings()
    passwords.configure(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.upload_dir.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with bootstrap.running(settings) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPI(
        title="Livestall",
        version=__version__,
        description="Live-stream shopping: shows, chat, shops, orders and money.",
        lifespan=lifespan,
        # Metrics and logs are Livestall's own (observability.py); FastAPI's OpenTelemetry hooks would only ask,
        # on every request, whether a provider was configured.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.runtime = Runtime(settings=settings)  # until the lifespan builds the real one (bootstrap.py)
    errors.install_handlers(app)
    app.add_middleware(observability.RequestMetricsMiddleware)
    app.add_middleware(CSRFMiddleware, session_cookie=settings.session_cookie)
    app.add_middleware(AuthThrottleMiddleware, settings=settings)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)  # outermost: refusals get the headers too
    for router in ROUTERS:
        app.include_router(router)
    app.router.routes.insert(0, buy_now_route)  # the rush's path, matched first (orders/routes.py)
    app.mount("/media/uploads", StaticFiles(directory=settings.upload_dir), name="uploads")
    app.mount("/static", StaticFiles(directory=WEB_STATIC), name="static")
    return app
