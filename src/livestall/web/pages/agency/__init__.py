"""The agency pages: the console for agency admins, the host's own pages, and the public application form."""

from __future__ import annotations

from fastapi import APIRouter

from livestall.web.pages.agency import brands, console, hosting, results, schedule

router = APIRouter(include_in_schema=False)
for module in (console, schedule, results, hosting, brands):
    router.include_router(module.router)
