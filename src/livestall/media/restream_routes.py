"""HTTP routes for restream targets: a show's (with each one's live state) and a shop's defaults."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response

from livestall.accounts.deps import CurrentUser
from livestall.db import SessionDep
from livestall.media import restream
from livestall.media.restream import MAX_TARGETS, PRESET_LABELS, PRESET_SERVERS, TargetCreate, TargetUpdate
from livestall.runtime import get_runtime

router = APIRouter(prefix="/api/v1", tags=["video"])


def _presets() -> list[dict]:
    return [{"preset": name, "label": label, "server_url": PRESET_SERVERS[name]}
            for name, label in PRESET_LABELS.items()]


def _with_state(request: Request, show, targets) -> list[dict]:
    """Targets as read, with how each is doing while the show is published on this machine."""
    manager = get_runtime(request).media
    states = manager.restreams.states(show.id) if manager is not None else {}
    items = []
    for target in targets:
        state, reason = states.get(target.id, ("paused" if not target.enabled else "off", ""))
        items.append({**restream.target_read(target), "state": state, "reason": reason})
    return items


async def _resync(request: Request, show_id: int) -> None:
    manager = get_runtime(request).media
    if manager is not None:
        await manager.restreams.sync(show_id)


@router.get("/shows/{show_id}/restreams")
async def list_show_restreams(show_id: int, request: Request, user: CurrentUser, session: SessionDep):
    """Where the show is sent while live, each with `state` (off, paused, connecting, live, failing) and `reason`."""
    show = await restream.get_run_show(session=session, show_id=show_id, user=user)
    targets = await restream.list_show_targets(session=session, show=show)
    return {"items": _with_state(request, show, targets), "max": MAX_TARGETS, "presets": _presets()}


@router.post("/shows/{show_id}/restreams", status_code=201)
async def add_show_restream(show_id: int, target_in: TargetCreate, request: Request, user: CurrentUser,
                            session: SessionDep, background: BackgroundTasks):
    """Send the show to one more RTMP(S) server (at most 5); a live show starts sending at once."""
    show = await restream.get_run_show(session=session, show_id=show_id, user=user)
    target = await restream.do_add_show_target(session=session, show=show, user=user, target_in=target_in)
    read = restream.target_read(target)
    background.add_task(_resync, request, show_id)  # after the commit: the relays read the targets anew
    return read


@router.patch("/shows/{show_id}/restreams/{target_id}")
async def update_show_restream(show_id: int, target_id: int, target_in: TargetUpdate, request: Request,
                               user: CurrentUser, session: SessionDep, background: BackgroundTasks):
    """Pause (`enabled: false`) or resume sending to one target."""
    show = await restream.get_run_show(session=session, show_id=show_id, user=user)
    target = await restream.get_target(session=session, target_id=target_id, shop_id=show.shop_id, show_id=show.id)
    read = restream.target_read(await restream.do_set_enabled(session=session, target=target,
                                                              enabled=target_in.enabled))
    background.add_task(_resync, request, show_id)  # after the commit: the relays read the targets anew
    return read


@router.delete("/shows/{show_id}/restreams/{target_id}", status_code=204)
async def remove_show_restream(show_id: int, target_id: int, request: Request, user: CurrentUser,
                               session: SessionDep, background: BackgroundTasks):
    """Stop sending the show there (its key is forgotten)."""
    show = await restream.get_run_show(session=session, show_id=show_id, user=user)
    target = await restream.get_target(session=session, target_id=target_id, shop_id=show.shop_id, show_id=show.id)
    await restream.do_remove_target(session=session, target=target)
    background.add_task(_resync, request, show_id)  # after the commit: the relays read the targets anew
    return Response(status_code=204, background=background)


@router.get("/shops/{shop_id}/restreams")
async def list_shop_restreams(shop_id: int, user: CurrentUser, session: SessionDep):
    """The shop's default targets, copied to each of its shows when the show's targets are first looked at."""
    shop = await restream.get_member_shop(session=session, shop_id=shop_id, user=user)
    targets = await restream.list_shop_defaults(session=session, shop=shop)
    return {"items": [restream.target_read(t) for t in targets], "max": MAX_TARGETS, "presets": _presets()}


@router.post("/shops/{shop_id}/restreams", status_code=201)
async def add_shop_restream(shop_id: int, target_in: TargetCreate, user: CurrentUser, session: SessionDep):
    """Add a default target for the shop's new shows (at most 5)."""
    shop = await restream.get_member_shop(session=session, shop_id=shop_id, user=user)
    return restream.target_read(await restream.do_add_shop_default(session=session, shop=shop, user=user,
                                                                   target_in=target_in))


@router.delete("/shops/{shop_id}/restreams/{target_id}", status_code=204)
async def remove_shop_restream(shop_id: int, target_id: int, user: CurrentUser, session: SessionDep):
    """Remove a default target (shows it was already copied to keep their copy)."""
    shop = await restream.get_member_shop(session=session, shop_id=shop_id, user=user)
    target = await restream.get_target(session=session, target_id=target_id, shop_id=shop.id, show_id=None)
    await restream.do_remove_target(session=session, target=target)
    return Response(status_code=204)
