"""HTTP routes of the sub-second stage: a seat and a short-lived Janus token, or why the viewer stays on HLS."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from livestall.accounts.deps import OptionalUser
from livestall.db import SessionDep
from livestall.errors import Conflict, Forbidden, Unauthorized
from livestall.media.janus import UNAVAILABLE, public_ws_url, sign_token
from livestall.media.turn import turn_servers
from livestall.media.webrtc_seats import SeatRefused
from livestall.runtime import get_runtime
from livestall.shows import service as shows

router = APIRouter(prefix="/api/v1", tags=["video"])


class StageAsk(BaseModel):
    """What the page says when it asks: `buy` once the viewer shows intent to buy (a sale or auction card)."""

    intent: Literal["watch", "buy"] = "watch"


class StageSeat(BaseModel):
    """Everything a player needs to watch the show's mountpoint through Janus's WebSocket API."""

    tier: Literal["webrtc"] = "webrtc"
    seat: str = Field(description="host, moderator, front_row or buyer")
    ws_url: str
    mountpoint: int
    pin: str
    token: str = Field(description="Janus token for every request of the session; renew before expires_at")
    expires_at: float = Field(description="epoch seconds")
    renew_in_s: float
    ice_servers: list[dict] = Field(default_factory=list,
                                    description="RTCPeerConnection iceServers: TURN with credentials, when set")


class StageStatus(BaseModel):
    available: bool
    reason: str = Field(description="ok, off, not_installed or not_running")
    status: str


class StageRefused(Conflict):
    """No seat on the sub-second stage (409): `reason` says why; the player stays on HLS."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, [])
        self.reason = reason

    def problem(self, instance: str | None = None) -> dict:
        return {**super().problem(instance), "reason": self.reason}


def _stage(request: Request):
    media = get_runtime(request).media
    return media.stage if media is not None else None


@router.get("/webrtc/status", response_model=StageStatus)
async def stage_status(request: Request):
    """Whether this machine offers the sub-second stage, and if not, why (shown in the studio)."""
    stage = _stage(request)
    if stage is None:
        return StageStatus(available=False, reason="not_installed", status=UNAVAILABLE)
    return StageStatus(available=stage.janus.reason() == "ok", reason=stage.janus.reason(), status=stage.janus.status())


@router.post("/shows/{show_id}/webrtc", response_model=StageSeat)
async def take_seat(show_id: int, request: Request, session: SessionDep, user: OptionalUser,
                    ask: StageAsk | None = None):
    """A seat on the show's WebRTC tier for its host, moderators and front row; call again to renew it."""
    show = await shows.get_show(session=session, show_id=show_id)
    if user is None:
        raise Unauthorized("log in to sit in the front row")
    stage = _stage(request)
    if stage is None or stage.janus.status() != "ok":
        status = stage.janus.status() if stage is not None else UNAVAILABLE
        raise StageRefused("unavailable", status)
    mount = stage.bridge.get(show_id)
    if show.status == "live" and mount is None and stage.bridge.refusal(show_id) == "not_h264":
        raise StageRefused("not_h264", "the show is sent from a browser in VP8/VP9, which plays over HLS only")
    if show.status != "live" or mount is None:
        raise StageRefused("not_live", "the show has no live video on the sub-second stage now")
    role = None
    if await shows.can_run_show(session=session, show=show, user=user):
        role = "host"
    elif await shows.is_moderator(session=session, show=show, user=user):
        role = "moderator"
    try:
        seat = stage.seats.take(show_id, user.id, role=role, intent=(ask or StageAsk()).intent == "buy")
    except SeatRefused as refused:
        raise StageRefused(refused.reason, refused.message) from None
    ttl = stage.settings.webrtc_token_ttl_s
    token, expires = sign_token(stage.janus.token_secret, ttl)
    return StageSeat(seat=seat.kind, ws_url=public_ws_url(stage.settings),
                     mountpoint=mount.id, pin=mount.pin, token=token, expires_at=expires,
                     renew_in_s=max(5.0, ttl / 3),
                     ice_servers=turn_servers(stage.settings.webrtc_turn_urls, stage.settings.webrtc_turn_secret,
                                              user.id, ttl))


class StageFigures(BaseModel):
    """The show's sub-second stage as its staff sees it."""

    live: bool = Field(description="whether the show has a mountpoint now")
    viewers: int = Field(description="browsers watching it through Janus now")
    seats: int = Field(description="seats given on this machine and still renewed")


@router.get("/shows/{show_id}/webrtc", response_model=StageFigures)
async def stage_figures(show_id: int, request: Request, session: SessionDep, user: OptionalUser):
    """Who is on the show's sub-second stage now: for its host and moderators."""
    show = await shows.get_show(session=session, show_id=show_id)
    if user is None:
        raise Unauthorized("log in as the show's host or a moderator")
    if not (await shows.can_run_show(session=session, show=show, user=user)
            or await shows.is_moderator(session=session, show=show, user=user)):
        raise Forbidden("only the show's host and moderators see its stage")
    stage = _stage(request)
    viewers = await stage.bridge.viewers(show_id) if stage is not None else None
    seats = stage.seats.held(show_id) if stage is not None else 0
    return StageFigures(live=viewers is not None, viewers=viewers or 0, seats=seats)


@router.delete("/shows/{show_id}/webrtc", status_code=204)
async def leave_seat(show_id: int, request: Request, user: OptionalUser) -> None:
    """The player left the WebRTC tier (fell back to HLS or closed): the seat is free for the next viewer."""
    stage = _stage(request)
    if stage is not None and user is not None:
        stage.seats.leave(show_id, user.id)

