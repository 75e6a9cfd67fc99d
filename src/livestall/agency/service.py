"""Agencies, host profiles and the recruitment pipeline."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.agency.models import Agency, AgencyAdmin, HostProfile
from livestall.agency.schemas import AgencyCreate, HostCreate, HostFields, HostUpdate
from livestall.errors import Conflict, Forbidden

# The pipeline: which stage may follow which. "left" is final.
MOVES: dict[str, set[str]] = {
    "applied": {"screening", "left"},
    "screening": {"training", "left"},
    "training": {"active", "left"},
    "active": {"paused", "left"},
    "paused": {"active", "left"},
    "left": set(),
}


def check_can_open_agency(user: User) -> None:
    """Only agency admins open agencies."""
    if not user.has_role("agency_admin"):
        raise Forbidden("needs the agency_admin role to open an agency")


async def do_create_agency(*, session: AsyncSession, admin: User, agency_in: AgencyCreate) -> Agency:
    """Open an agency run by `admin`."""
    agency = Agency(**agency_in.model_dump())
    session.add(agency)
    await session.flush()
    session.add(AgencyAdmin(agency_id=agency.id, user_id=admin.id))
    await session.flush()
    return agency


async def list_my_agencies(*, session: AsyncSession, user: User) -> list[Agency]:
    """The agencies `user` runs."""
    rows = await session.scalars(
        select(Agency).join(AgencyAdmin, AgencyAdmin.agency_id == Agency.id)
        .where(AgencyAdmin.user_id == user.id).order_by(Agency.id))
    return list(rows)


async def _user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.email) == email.lower()))


async def _check_email_free(session: AsyncSession, agency_id: int, email: str) -> None:
    taken = await session.scalar(select(HostProfile.id).where(HostProfile.agency_id == agency_id,
                                                              HostProfile.email == email))
    if taken is not None:
        raise Conflict.field("email", "unique_in_agency", f"{email} is already a host or applicant of this agency")


def _profile_values(fields: HostFields) -> dict:
    values = fields.model_dump(include=set(HostFields.model_fields))
    values["socials"] = [s.model_dump() for s in fields.socials]
    return values


async def do_apply(*, session: AsyncSession, agency: Agency, fields: HostFields, user: User | None) -> HostProfile:
    """A would-be host applies through the public form; a logged-in applicant is linked to the profile."""
    await _check_email_free(session, agency.id, fields.email)
    linked = user if user is not None and user.email.lower() == fields.email else None
    host = HostProfile(**_profile_values(fields), agency_id=agency.id, stage="applied", source="form",
                       user_id=linked.id if linked else None)
    session.add(host)
    await session.flush()
    return host


async def do_add_host(*, session: AsyncSession, agency: Agency, host_in: HostCreate) -> HostProfile:
    """The agency adds a host itself (e.g. after seeing their videos); an account with that email is linked."""
    await _check_email_free(session, agency.id, host_in.email)
    user = await _user_by_email(session, host_in.email)
    host = HostProfile(**_profile_values(host_in), agency_id=agency.id, stage="applied", source="agency",
                       user_id=user.id if user is not None and user.has_role("host") else None)
    _apply_rates(host, host_in)
    session.add(host)
    await session.flush()
    return host


def _apply_rates(host: HostProfile, rates) -> None:
    changes = rates.model_dump(include={"fee_minor", "fee_currency", "commission_bp", "currency"},
                               exclude_none=True)
    for name, value in changes.items():
        setattr(host, name, value)
    if rates.availability is not None:
        host.availability = rates.availability.model_dump(by_alias=True)


async def do_update_host(*, session: AsyncSession, host: HostProfile, host_in: HostUpdate) -> HostProfile:
    """Change a host's profile, rate card or availability."""
    changes = host_in.model_dump(include={"display_name", "languages", "markets", "timezone", "note"},
                                 exclude_none=True)
    for name, value in changes.items():
        setattr(host, name, value)
    if host_in.socials is not None:
        host.socials = [s.model_dump() for s in host_in.socials]
    _apply_rates(host, host_in)
    await session.flush()
    return host


async def do_move_stage(*, session: AsyncSession, host: HostProfile, stage: str) -> HostProfile:
    """Move a host along the pipeline; illegal moves, and activation before certification, are refused."""
    if stage not in MOVES[host.stage]:
        allowed = ", ".join(sorted(MOVES[host.stage])) or "none"
        raise Conflict.field("stage", "pipeline_move",
                             f"cannot move from {host.stage} to {stage} (allowed: {allowed})")
    if stage == "active" and host.certified_at is None:
        raise Conflict.field("stage", "certified", "the host must complete training before becoming active")
    host.stage = stage
    await session.flush()
    return host


async def list_hosts(*, session: AsyncSession, agency_id: int, stage: str | None = None,
                     language: str | None = None, market: str | None = None) -> list[HostProfile]:
    """An agency's hosts and applicants, optionally by stage, language and market."""
    query = select(HostProfile).where(HostProfile.agency_id == agency_id)
    if stage:
        query = query.where(HostProfile.stage == stage)
    hosts = list(await session.scalars(query.order_by(HostProfile.id)))
    # languages and markets are short JSON lists: filtered here, alike on SQLite and PostgreSQL
    if language:
        hosts = [h for h in hosts if language in h.languages]
    if market:
        hosts = [h for h in hosts if market.upper() in h.markets]
    return hosts


async def list_my_profiles(*, session: AsyncSession, user: User) -> list[HostProfile]:
    """The host profiles linked to `user`."""
    return list(await session.scalars(select(HostProfile).where(HostProfile.user_id == user.id)
                                      .order_by(HostProfile.id)))
