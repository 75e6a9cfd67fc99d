"""HTTP routes for shows: schedule, list, start, end, cancel, cover, moderators (stream keys: media)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile

from livestall.accounts.deps import CurrentUser
from livestall.catalog.images import store_image
from livestall.db import SessionDep
from livestall.runtime import Runtime, RuntimeDep, get_runtime
from livestall.shows import host_routes, hosting, service
from livestall.shows.models import Show
from livestall.shows.schemas import Language, ShowCreate, ShowPage, ShowRead, ShowUpdate, ShowWhen
from livestall.validation import CountryCode

router = APIRouter(prefix="/api/v1", tags=["shows"])


def show_read(request: Request, show: Show, invited: bool = False) -> ShowRead:
    """The API view of a show, with where to join its room and watch its video."""
    return _show_read(get_runtime(request), show, invited)


def _show_read(runtime: Runtime, show: Show, invited: bool) -> ShowRead:
    read = ShowRead.model_validate(show)
    read.host_invited = invited
    read.ws_url, read.hls_url = runtime.show_links(show)
    return read


async def show_reads(request: Request, session, shows: list[Show]) -> list[ShowRead]:
    """API views of shows, each saying whether it waits for an invited host's answer."""
    invited = await hosting.list_invited_show_ids(session=session, show_ids=[s.id for s in shows])
    return [show_read(request, s, s.id in invited) for s in shows]


async def _one(request: Request, session, show: Show) -> ShowRead:
    return (await show_reads(request, session, [show]))[0]


@router.post("/shows", status_code=201, response_model=ShowRead)
async def schedule_show(show_in: ShowCreate, request: Request, user: CurrentUser, session: SessionDep):
    """Shop owners and staff: schedule a show with a host."""
    show = await service.do_schedule_show(session=session, creator=user, show_in=show_in)
    return await _one(request, session, show)


@router.get("/shows", response_model=ShowPage)
async def list_shows(
    request: Request, session: SessionDep, when: ShowWhen | None = None, language: Language | None = None,
    market: CountryCode | None = None, category: Annotated[str | None, Query(max_length=64)] = None,
    shop_id: int | None = None, host_id: int | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1, per_page: Annotated[int, Query(ge=1, le=100)] = 20,
):
    """Live now, upcoming or past shows, by language, market, category, shop or host."""
    items, total = await service.list_shows(session=session, when=when, language=language, market=market,
                                            category=category, shop_id=shop_id, host_id=host_id, page=page,
                                            per_page=per_page)
    return ShowPage(items=await show_reads(request, session, items), total=total, page=page, per_page=per_page)


@router.get("/shows/{show_id}", response_model=ShowRead)
async def get_show(show_id: int, runtime: RuntimeDep) -> Response:
    """One show."""
    # Every phone in a live show's crowd asks on load: one build, serialized once, kept until the show may have
    # changed. The answer is the same for everyone (no viewer, language or currency in it, every show public, a
    # pending host never named), so one key per show. Its changes reach here at once: an event (its state, its
    # stream, its room settings) or, for edits, cover and host, the write itself (shows/written.py). Elsewhere
    # they show within the 1 s the answer is kept at most, as the shelf's do.
    body = await runtime.reads.get(show_id, ("show", show_id), lambda: _show_json(runtime, show_id))
    return Response(body, media_type="application/json")


async def _show_json(runtime: Runtime, show_id: int) -> bytes:
    """The show as `get_show` answers it, serialized; NotFound (never kept) when there is none."""
    async with runtime.sessionmaker() as session:
        show = await service.get_show(session=session, show_id=show_id)
        invited = await hosting.list_invited_show_ids(session=session, show_ids=[show.id])
    return _show_read(runtime, show, show.id in invited).model_dump_json().encode()


@router.patch("/shows/{show_id}", response_model=ShowRead)
async def update_show(show_id: int, show_in: ShowUpdate, request: Request, user: CurrentUser, session: SessionDep):
    """The host or the shop: change a scheduled show; only the shop changes its host (who is asked again)."""
    show = await service.get_show(session=session, show_id=show_id)
    await service.check_can_run_show(session=session, show=show, user=user)
    show = await service.do_update_show(session=session, show=show, show_in=show_in, by=user)
    return await _one(request, session, show)


async def _transition(show_id: int, action: str, request: Request, user, session) -> ShowRead:
    show = await service.get_show(session=session, show_id=show_id)
    await service.check_can_run_show(session=session, show=show, user=user)
    return await _one(request, session, await service.do_transition(session=session, show=show, action=action))


@router.post("/shows/{show_id}/start", response_model=ShowRead)
async def start_show(show_id: int, request: Request, user: CurrentUser, session: SessionDep):
    """The host or the shop: go live."""
    return await _transition(show_id, "start", request, user, session)


@router.post("/shows/{show_id}/end", response_model=ShowRead)
async def end_show(show_id: int, request: Request, user: CurrentUser, session: SessionDep):
    """The host or the shop: end a live show."""
    return await _transition(show_id, "end", request, user, session)


@router.post("/shows/{show_id}/cancel", response_model=ShowRead)
async def cancel_show(show_id: int, request: Request, user: CurrentUser, session: SessionDep):
    """The host or the shop: cancel a scheduled show."""
    return await _transition(show_id, "cancel", request, user, session)


@router.post("/shows/{show_id}/cover", response_model=ShowRead)
async def upload_cover(show_id: int, request: Request, user: CurrentUser, session: SessionDep,
                       file: Annotated[UploadFile, File(description="A JPEG, PNG, WebP or GIF image")]):
    """The host or the shop: set the cover image."""
    show = await service.get_show(session=session, show_id=show_id)
    await service.check_can_run_show(session=session, show=show, user=user)
    settings = request.app.state.settings
    data = await file.read(settings.max_upload_bytes + 1)
    stored = await store_image(data, settings.upload_dir, "covers", max_bytes=settings.max_upload_bytes,
                               max_pixels=settings.max_image_pixels)
    show.cover_path = stored.path
    await session.flush()
    return await _one(request, session, show)


@router.put("/shows/{show_id}/moderators/{user_id}", status_code=204)
async def add_moderator(show_id: int, user_id: int, user: CurrentUser, session: SessionDep) -> None:
    """The host or the shop: make a user moderator of the show."""
    show = await service.get_show(session=session, show_id=show_id)
    await service.check_can_run_show(session=session, show=show, user=user)
    await service.do_set_moderator(session=session, show=show, user_id=user_id, on=True)


@router.delete("/shows/{show_id}/moderators/{user_id}", status_code=204)
async def remove_moderator(show_id: int, user_id: int, user: CurrentUser, session: SessionDep) -> None:
    """The host or the shop: remove a moderator."""
    show = await service.get_show(session=session, show_id=show_id)
    await service.check_can_run_show(session=session, show=show, user=user)
    await service.do_set_moderator(session=session, show=show, user_id=user_id, on=False)


router.include_router(host_routes.router)
