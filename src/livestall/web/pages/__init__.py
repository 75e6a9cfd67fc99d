"""The page routers, in one router for main.py to include."""

from __future__ import annotations

from fastapi import APIRouter

from livestall.web.pages import (account, catalog_io, discover, embed, manage, manage_flash, products, shipping, studio, video,
                                 watch)
from livestall.web.pages import manage_variants
from livestall.web.pages import cards

router = APIRouter(include_in_schema=False)
for module in (discover, products, embed, watch, video, studio, manage, manage_flash, shipping, account, catalog_io,
               manage_variants, cards):
    router.include_router(module.router)
