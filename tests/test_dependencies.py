"""Every route dependency runs on the event loop: FastAPI sends a plain `def` dependency to a worker
thread on each request, which costs a thread hop per request on the hottest paths (buy-now, /me)."""

from __future__ import annotations

import inspect

from fastapi.routing import APIRoute

from livestall.settings import Settings
from livestall.main import create_app


def runs_on_loop(call) -> bool:
    """A coroutine function, or an object whose __call__ is one (FastAPI's security schemes)."""
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(getattr(call, "__call__", None)) \
        or inspect.isasyncgenfunction(call)


def dependencies(dependant):
    for sub in dependant.dependencies:
        yield sub
        yield from dependencies(sub)


def api_routes(routes):
    """Every APIRoute, through included routers (FastAPI keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (router := getattr(route, "original_router", None)) is not None:
            yield from api_routes(router.routes)


def test_no_route_dependency_is_a_plain_function(tmp_path):
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/d.db", data_dir=tmp_path))
    routes = list(api_routes(app.routes))
    assert any(route.path == "/api/v1/shows/{show_id}/buy" for route in routes)
    offending = {f"{sub.call.__module__}.{sub.call.__qualname__}"
                 for route in routes for sub in dependencies(route.dependant) if not runs_on_loop(sub.call)}
    assert not offending, f"plain `def` dependencies run in a worker thread per request: {sorted(offending)}"
