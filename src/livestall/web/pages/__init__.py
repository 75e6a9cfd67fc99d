"""The page routers, in one router for main.py to include."""

from __future__ import annotations

from fastapi import APIRouter

from livestall.web.pages import account, discover, manage, manage_flash, products, shipping, studio, video, watch

router = APIRouter(include_in_schema=False)
for module in (discover, products, watch, video, studio, manage, manage_flash, shipping, account):
    router.include_router(module.router)
