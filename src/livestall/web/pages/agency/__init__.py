"""The agency pages: the console for agency admins, the host's own pages, and the public application form."""

from __future__ import annotations

from fastapi import APIRouter

from livestall.web.pages.agency import console, hosting, results, schedule

router = APIRouter(include_in_schema=False)
for module in (console, schedule, results, hosting):
    router.include_router(module.router)
