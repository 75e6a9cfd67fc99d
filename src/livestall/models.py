"""Imports every area's models so that Base.metadata knows all tables (for Alembic and tests)."""

from livestall.accounts import models as accounts_models  # noqa: F401
from livestall.catalog import models as catalog_models  # noqa: F401
from livestall.catalog import embed_origins as catalog_embed_origins  # noqa: F401
from livestall.shows import models as shows_models  # noqa: F401
from livestall.chat import models as chat_models  # noqa: F401
from livestall.orders import models as orders_models  # noqa: F401
from livestall.orders import addresses as orders_addresses  # noqa: F401
from livestall.ledger import models as ledger_models  # noqa: F401
from livestall.orders import parcel_models as orders_parcel_models  # noqa: F401
from livestall.ledger.providers import card_models as ledger_card_models  # noqa: F401
from livestall.ledger.providers import saved_card_models as ledger_saved_card_models  # noqa: F401
from livestall.media import models as media_models  # noqa: F401
from livestall.media import clip_models, restream_models  # noqa: F401
from livestall.agency import models as agency_models  # noqa: F401
from livestall.openings import models as openings_models  # noqa: F401
from livestall.festivals import models as festivals_models  # noqa: F401
from livestall.giveaways import models as giveaways_models  # noqa: F401
from livestall.notifications import models as notifications_models  # noqa: F401
from livestall.webhooks import models as webhooks_models  # noqa: F401
from livestall.insights import models as insights_models  # noqa: F401
from livestall.auctions import models as auctions_models  # noqa: F401
from livestall.auctions import card_hold_models as auctions_card_hold_models  # noqa: F401
from livestall.db import Base

metadata = Base.metadata
