"""HTTP routes for invitations to host a show: the invited user's list, accept and decline; the shop's list."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from livestall.accounts.deps import CurrentUser
from livestall.db import SessionDep
from livestall.shows import hosting, service
from livestall.shows.hosting import invitation_reads
from livestall.shows.schemas import HostInvitationRead

router = APIRouter(tags=["shows"])  # included in the shows router, under its /api/v1


@router.get("/me/host-invitations", response_model=list[HostInvitationRead])
async def my_invitations(user: CurrentUser, session: SessionDep,
                         status: Literal["proposed", "accepted", "declined", "cancelled"] | None = None):
    """Shops' invitations to host their shows, to accept or decline."""
    rows = await hosting.list_my_invitations(session=session, user=user, status=status)
    return await invitation_reads(session, rows)


@router.post("/host-invitations/{invitation_id}/accept", response_model=HostInvitationRead)
async def accept_invitation(invitation_id: int, user: CurrentUser, session: SessionDep):
    """The invited user: accept, and become the show's host."""
    invitation = await hosting.get_own_invitation(session=session, invitation_id=invitation_id, user=user)
    await hosting.do_answer(session=session, invitation=invitation, accept=True)
    return (await invitation_reads(session, [invitation]))[0]


@router.post("/host-invitations/{invitation_id}/decline", response_model=HostInvitationRead)
async def decline_invitation(invitation_id: int, user: CurrentUser, session: SessionDep):
    """The invited user: decline; the show stays with the shop."""
    invitation = await hosting.get_own_invitation(session=session, invitation_id=invitation_id, user=user)
    await hosting.do_answer(session=session, invitation=invitation, accept=False)
    return (await invitation_reads(session, [invitation]))[0]


@router.get("/shows/{show_id}/host-invitations", response_model=list[HostInvitationRead])
async def show_invitations(show_id: int, user: CurrentUser, session: SessionDep):
    """Whoever runs the show: everyone asked to host it, and their answers."""
    show = await service.get_show(session=session, show_id=show_id)
    await service.check_can_run_show(session=session, show=show, user=user)
    return await invitation_reads(session, await hosting.list_show_invitations(session=session, show=show))
