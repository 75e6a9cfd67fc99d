"""Who hosts a show: the shop's own people at once, anyone else only once they accept the shop's invitation."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.catalog.models import Shop
from livestall.db import get_or_404, utcnow
from livestall.errors import Conflict, FieldProblem, Forbidden
from livestall.notifications import hooks as notification_hooks
from livestall.shows.models import HostInvitation, Show
from livestall.shows.schemas import HostInvitationRead

INVITATIONS = HostInvitation.__table__


async def list_host_problems(*, session: AsyncSession, host_id: int | None) -> tuple[User | None, list[FieldProblem]]:
    """The user named as host and what is wrong with them (no such user, not a host or seller)."""
    if host_id is None:
        return None, []
    host = await session.get(User, host_id)
    if host is None:
        return None, [FieldProblem("host_id", "existing_user", f"no user {host_id}")]
    if not (host.has_role("host") or host.has_role("seller")):
        return host, [FieldProblem("host_id", "host_role", "the host must hold the host or seller role")]
    return host, []


async def _cancel_pending(session: AsyncSession, show: Show) -> None:
    # One question at a time: a new host (or the shop itself) replaces whoever was asked before.
    await session.execute(update(INVITATIONS).where(INVITATIONS.c.show_id == show.id,
                                                    INVITATIONS.c.status == "proposed")
                          .values(status="cancelled", answered_at=utcnow()))


async def get_pending(*, session: AsyncSession, show: Show) -> HostInvitation | None:
    """The show's open invitation, if its stand-in still hosts the show (no booking took the show since)."""
    return await session.scalar(select(HostInvitation).where(
        HostInvitation.show_id == show.id, HostInvitation.status == "proposed",
        HostInvitation.stand_in_id == show.host_id).order_by(HostInvitation.id.desc()).limit(1))


async def _move_host(session: AsyncSession, show: Show, host_id: int) -> None:
    """Compare-and-set the show's host on the one it had when read: of two changes at once, one wins."""
    moved = await session.execute(update(Show).where(
        Show.id == show.id, Show.status == "scheduled", Show.host_id == show.host_id,
    ).values(host_id=host_id).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise Conflict.field("host_id", "current_host", "the show's host changed meanwhile: look again")
    show.host_id = host_id
    await session.flush()


async def do_set_host(*, session: AsyncSession, show: Show, shop: Shop, host: User, by: User
                      ) -> HostInvitation | None:
    """Make `host` the show's host: at once for the shop's owners and staff; anyone else is asked first, and
    until they accept the show is hosted by `by` (a member of the shop) and names nobody else."""
    pending = await get_pending(session=session, show=show)
    if pending is not None and pending.user_id == host.id:
        return pending  # asked already: asking again changes nothing
    if pending is None and show.host_id == host.id:
        return None
    member = shop.member_role(host.id) is not None
    # The show's row first, then its invitations: the same order as an answer takes, so the two never deadlock.
    await _move_host(session, show, host.id if member else by.id)
    await _cancel_pending(session, show)
    if member:
        return None
    invitation = HostInvitation(show_id=show.id, user_id=host.id, invited_by_id=by.id, stand_in_id=by.id,
                                status="proposed")
    session.add(invitation)
    await session.flush()
    await notification_hooks.on_host_invited(session, show, invitation)
    return invitation


async def get_own_invitation(*, session: AsyncSession, invitation_id: int, user: User) -> HostInvitation:
    """An invitation, for the invited user alone (who accepts or declines it)."""
    invitation = await get_or_404(session, HostInvitation, invitation_id, "invitation")
    if invitation.user_id != user.id:
        raise Forbidden.field("invitation_id", "invited_user", "only the invited user answers an invitation")
    return invitation


async def do_answer(*, session: AsyncSession, invitation: HostInvitation, accept: bool) -> HostInvitation:
    """The invited user accepts (and becomes the show's host) or declines (and the show keeps its stand-in)."""
    taken = show = None
    if accept:
        # Only the show the invitation was about: still upcoming, still hosted by the stand-in (an agency
        # booking accepted in between has given it a host who said yes). The show's row is taken first, as a
        # change of host takes it; if the invitation turns out answered or withdrawn, the error undoes this.
        taken = await session.execute(update(Show).where(
            Show.id == invitation.show_id, Show.status == "scheduled", Show.host_id == invitation.stand_in_id,
        ).values(host_id=invitation.user_id).execution_options(synchronize_session=False))
        show = await session.get(Show, invitation.show_id)
        if show is not None:
            await session.refresh(show)
    status = "accepted" if accept else "declined"
    moved = await session.execute(update(INVITATIONS).where(INVITATIONS.c.id == invitation.id,
                                                            INVITATIONS.c.status == "proposed")
                                  .values(status=status, answered_at=utcnow()))
    await session.refresh(invitation)
    if moved.rowcount != 1:
        raise Conflict.field("status", "proposed", f"this invitation was already {invitation.status}")
    if taken is not None and taken.rowcount != 1:
        if show is None or show.status != "scheduled":
            raise Conflict.field("show_id", "upcoming_show", "the show is no longer upcoming")
        raise Conflict.field("show_id", "host_changed", "the show has been given another host since")
    return invitation


def answerable(invitation: HostInvitation, show: Show | None) -> bool:
    """Whether the invited user can still say yes: asked, the show upcoming and still waiting for them."""
    return (invitation.status == "proposed" and show is not None and show.status == "scheduled"
            and show.host_id == invitation.stand_in_id)


async def list_my_invitations(*, session: AsyncSession, user: User, status: str | None = None
                              ) -> list[HostInvitation]:
    """The user's invitations to host, soonest show first."""
    query = select(HostInvitation).join(Show, Show.id == HostInvitation.show_id).where(
        HostInvitation.user_id == user.id)
    if status:
        query = query.where(HostInvitation.status == status)
    return list(await session.scalars(query.order_by(Show.scheduled_at, HostInvitation.id)))


async def list_show_invitations(*, session: AsyncSession, show: Show) -> list[HostInvitation]:
    """Everyone the shop asked to host the show, newest first."""
    return list(await session.scalars(select(HostInvitation).where(HostInvitation.show_id == show.id)
                                      .order_by(HostInvitation.id.desc())))


async def list_pending(*, session: AsyncSession, show_ids: list[int]) -> dict[int, HostInvitation]:
    """The open invitation of each of these shows that waits for an answer, by show id."""
    if not show_ids:
        return {}
    rows = await session.scalars(select(HostInvitation).join(Show, Show.id == HostInvitation.show_id).where(
        HostInvitation.show_id.in_(show_ids), HostInvitation.status == "proposed",
        HostInvitation.stand_in_id == Show.host_id, Show.status == "scheduled").order_by(HostInvitation.id))
    return {row.show_id: row for row in rows}


async def list_invited_show_ids(*, session: AsyncSession, show_ids: list[int]) -> set[int]:
    """Which of these shows wait for an invited host's answer (they show "host invited", naming nobody)."""
    return set(await list_pending(session=session, show_ids=show_ids))


async def is_invited(*, session: AsyncSession, show: Show, user: User) -> bool:
    """Whether `user` was asked to host the show and has not answered yet."""
    pending = await get_pending(session=session, show=show)
    return pending is not None and pending.user_id == user.id


async def invitation_reads(session: AsyncSession, invitations: list[HostInvitation]) -> list[HostInvitationRead]:
    """Invitations with their show, shop and invited user's name."""
    show_ids = {i.show_id for i in invitations}
    shows = {s.id: s for s in await session.scalars(select(Show).where(Show.id.in_(show_ids)))} if show_ids else {}
    shop_ids = {s.shop_id for s in shows.values()}
    shops = dict((await session.execute(select(Shop.id, Shop.name).where(Shop.id.in_(shop_ids)))).all()) \
        if shop_ids else {}
    user_ids = {i.user_id for i in invitations}
    names = dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))).all()) \
        if user_ids else {}
    reads = []
    for invitation in invitations:
        show = shows.get(invitation.show_id)
        read = HostInvitationRead.model_validate(invitation)
        read.answerable = answerable(invitation, show)
        read.host_name = names.get(invitation.user_id, "")
        if show is not None:
            read.show_title, read.scheduled_at, read.shop_id = show.title, show.scheduled_at, show.shop_id
            read.shop_name = shops.get(show.shop_id, "")
        reads.append(read)
    return reads
