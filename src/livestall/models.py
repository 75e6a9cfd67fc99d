"""Imports every area's models so that Base.metadata knows all tables (for Alembic and tests)."""

from livestall.accounts import models as accounts_models  # noqa: F401
from livestall.catalog import models as catalog_models  # noqa: F401
from livestall.shows import models as shows_models  # noqa: F401
from livestall.db import Base

metadata = Base.metadata
