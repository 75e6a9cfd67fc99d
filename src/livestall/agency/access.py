"""Who may act for an agency, and who may see a host profile."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.agency.models import Agency, AgencyAdmin, HostProfile
from livestall.db import get_or_404
from livestall.errors import Forbidden, NotFound


async def get_agency(*, session: AsyncSession, agency_id: int) -> Agency:
    """The agency with this id, or NotFound."""
    return await get_or_404(session, Agency, agency_id)


async def is_agency_admin(*, session: AsyncSession, agency_id: int, user: User | None) -> bool:
    """Whether `user` runs the agency."""
    if user is None:
        return False
    return await session.get(AgencyAdmin, (agency_id, user.id)) is not None


async def check_agency_admin(*, session: AsyncSession, agency_id: int, user: User) -> None:
    """Forbidden unless `user` runs the agency."""
    if not await is_agency_admin(session=session, agency_id=agency_id, user=user):
        raise Forbidden("only the agency's admins may do this")


async def get_host(*, session: AsyncSession, host_id: int) -> HostProfile:
    """The host profile with this id, or NotFound."""
    return await get_or_404(session, HostProfile, host_id, "host")


async def get_visible_host(*, session: AsyncSession, host_id: int, user: User) -> HostProfile:
    """The profile, if `user` runs its agency or is that host; NotFound otherwise, so ids leak nothing."""
    host = await get_host(session=session, host_id=host_id)
    if host.user_id == user.id or await is_agency_admin(session=session, agency_id=host.agency_id, user=user):
        return host
    raise NotFound(f"no host {host_id}")


async def get_managed_host(*, session: AsyncSession, host_id: int, user: User) -> HostProfile:
    """The profile, if `user` runs its agency: the host themself may read but not manage it."""
    host = await get_host(session=session, host_id=host_id)
    await check_agency_admin(session=session, agency_id=host.agency_id, user=user)
    return host
