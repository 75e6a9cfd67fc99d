"""The demo world's agency: Silk Road Talent in Beijing, its trained hosts and their bookings."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.agency.models import (
    Agency, AgencyAdmin, Booking, HostProfile, ModuleCompletion, TrainingCourse, TrainingModule,
)
from livestall.db import utcnow
from livestall.shows.models import Show

AGENCY = "Silk Road Talent"
ADMIN = "zhao@demo.livestall.org"
MODULES = ("Camera, light and sound", "Presenting a product in 90 seconds", "Answering questions live",
           "Returns, sizes and shipping")
# email, markets, time zone, social handle, followers, the hour (local) their shows start
HOSTS = [
    ("lucia@demo.livestall.org", ["ES", "MX"], "Europe/Madrid", "@lucia.live", 48000, time(19, 0)),
    ("camille@demo.livestall.org", ["FR", "BE"], "Europe/Paris", "@camille.direct", 31000, time(18, 30)),
    ("james@demo.livestall.org", ["GB", "US"], "Europe/London", "@jamesonair", 22000, time(20, 0)),
]
# applicants further back in the pipeline (no accounts yet): name, email, country, language, markets, time zone,
# stage, modules completed, where the application came from
APPLICANTS = [
    ("Sofía Ramírez", "sofia.applicant@demo.livestall.org", "MX", "es", ["MX", "US"], "America/Mexico_City",
     "applied", 0, "form"),
    ("Amélie Dubois", "amelie.applicant@demo.livestall.org", "FR", "fr", ["FR", "CH"], "Europe/Paris", "screening",
     0, "agency"),
    ("Omar Haddad", "omar.applicant@demo.livestall.org", "AE", "ar", ["AE", "SA"], "Asia/Dubai", "training", 2,
     "agency"),
]


async def ensure_agency(session: AsyncSession, users: dict[str, User]) -> Agency:
    """Silk Road Talent with its course, its three certified hosts and their accepted bookings; made once."""
    agency = await session.scalar(select(Agency).where(Agency.name == AGENCY))
    if agency is not None:
        return agency
    agency = Agency(name=AGENCY, city="Beijing", country="CN")
    session.add(agency)
    await session.flush()
    session.add(AgencyAdmin(agency_id=agency.id, user_id=users[ADMIN].id))
    course = TrainingCourse(agency_id=agency.id, title="Live selling for overseas markets")
    session.add(course)
    await session.flush()
    modules = [TrainingModule(course_id=course.id, title=title, position=i) for i, title in enumerate(MODULES)]
    session.add_all(modules)
    await session.flush()
    now = utcnow()
    for email, markets, tz, handle, followers, hour in HOSTS:
        user = users[email]
        host = HostProfile(agency_id=agency.id, user_id=user.id, display_name=user.display_name, email=email,
                           country=user.country or "CN", languages=[user.language], markets=markets,
                           socials=[{"network": "tiktok", "handle": handle, "followers": followers}],
                           fee_minor=150000, fee_currency="CNY", commission_bp=300, currency=user.currency,
                           timezone=tz, availability={}, stage="active", source="agency",
                           certified_at=now - timedelta(days=30))
        session.add(host)
        await session.flush()
        session.add_all([ModuleCompletion(host_id=host.id, module_id=m.id, recorded_by_id=users[ADMIN].id,
                                          completed_at=now - timedelta(days=30)) for m in modules])
        for show in await session.scalars(select(Show).where(Show.host_id == user.id, Show.status == "scheduled")):
            show.scheduled_at = evening_slot(show.scheduled_at, tz, hour)
            session.add(Booking(agency_id=agency.id, host_id=host.id, show_id=show.id, starts_at=show.scheduled_at,
                                ends_at=show.scheduled_at + timedelta(hours=2), fee_minor=150000,
                                fee_currency="CNY", commission_bp=300, status="accepted",
                                booked_by_id=users[ADMIN].id, accepted_at=now))
    await _add_applicants(session, agency, modules, users[ADMIN])
    await session.flush()
    return agency


def evening_slot(moment: datetime, tz: str, hour: time) -> datetime:
    """The first `hour` in the host's own time zone at or after `moment`: a demo show at a time people watch."""
    local = moment.astimezone(ZoneInfo(tz))
    slot = datetime.combine(local.date(), hour, tzinfo=ZoneInfo(tz))
    if slot < local:
        slot = datetime.combine(local.date() + timedelta(days=1), hour, tzinfo=ZoneInfo(tz))
    return slot.astimezone(moment.tzinfo)


async def _add_applicants(session: AsyncSession, agency: Agency, modules: list[TrainingModule], admin: User) -> None:
    """Applicants at each early stage, so that the pipeline board has something in every column."""
    for name, email, country, language, markets, tz, stage, done, source in APPLICANTS:
        host = HostProfile(agency_id=agency.id, display_name=name, email=email, country=country,
                           languages=[language, "en"], markets=markets, socials=[], fee_minor=100000,
                           fee_currency="CNY", commission_bp=200, currency="USD", timezone=tz, availability={},
                           stage=stage, source=source)
        session.add(host)
        await session.flush()
        session.add_all([ModuleCompletion(host_id=host.id, module_id=m.id, recorded_by_id=admin.id)
                         for m in modules[:done]])
