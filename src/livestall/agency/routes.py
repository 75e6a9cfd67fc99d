"""HTTP routes for agencies, host profiles, the recruitment pipeline and training."""

from __future__ import annotations

from fastapi import APIRouter

from livestall.accounts.deps import CurrentUser, OptionalUser
from livestall.agency import service, training
from livestall.agency.access import check_agency_admin, get_agency, get_managed_host, get_visible_host
from livestall.agency.schemas import (
    AgencyCreate, AgencyRead, CompletionCreate, CourseCreate, CourseRead, HostCreate, HostFields, HostRead,
    HostUpdate, Language, Stage, StageMove, TrainingRead,
)
from livestall.db import SessionDep
from livestall.validation import CountryCode

router = APIRouter(prefix="/api/v1", tags=["agency"])


@router.post("/agencies", status_code=201, response_model=AgencyRead)
async def create_agency(agency_in: AgencyCreate, user: CurrentUser, session: SessionDep):
    """Agency admins: open an agency that you run."""
    service.check_can_open_agency(user)
    return await service.do_create_agency(session=session, admin=user, agency_in=agency_in)


@router.get("/me/agencies", response_model=list[AgencyRead])
async def my_agencies(user: CurrentUser, session: SessionDep):
    """The agencies you run."""
    return await service.list_my_agencies(session=session, user=user)


@router.get("/agencies/{agency_id}", response_model=AgencyRead)
async def get_agency_route(agency_id: int, session: SessionDep):
    """One agency's public details (for its application form)."""
    return await get_agency(session=session, agency_id=agency_id)


@router.post("/agencies/{agency_id}/applications", status_code=201, response_model=HostRead)
async def apply(agency_id: int, fields: HostFields, user: OptionalUser, session: SessionDep):
    """Anyone: apply to become one of the agency's hosts (the public form)."""
    agency = await get_agency(session=session, agency_id=agency_id)
    return await service.do_apply(session=session, agency=agency, fields=fields, user=user)


@router.post("/agencies/{agency_id}/hosts", status_code=201, response_model=HostRead)
async def add_host(agency_id: int, host_in: HostCreate, user: CurrentUser, session: SessionDep):
    """The agency's admins: add a host or applicant yourself."""
    agency = await get_agency(session=session, agency_id=agency_id)
    await check_agency_admin(session=session, agency_id=agency.id, user=user)
    return await service.do_add_host(session=session, agency=agency, host_in=host_in)


@router.get("/agencies/{agency_id}/hosts", response_model=list[HostRead])
async def list_hosts(agency_id: int, user: CurrentUser, session: SessionDep, stage: Stage | None = None,
                     language: Language | None = None, market: CountryCode | None = None):
    """The agency's admins: its hosts and applicants, by stage, language and market."""
    await get_agency(session=session, agency_id=agency_id)
    await check_agency_admin(session=session, agency_id=agency_id, user=user)
    return await service.list_hosts(session=session, agency_id=agency_id, stage=stage, language=language,
                                    market=market)


@router.get("/me/host-profiles", response_model=list[HostRead])
async def my_host_profiles(user: CurrentUser, session: SessionDep):
    """Hosts: your profiles with the agencies you work for."""
    return await service.list_my_profiles(session=session, user=user)


@router.get("/hosts/{host_id}", response_model=HostRead)
async def get_host(host_id: int, user: CurrentUser, session: SessionDep):
    """The host themself or their agency: one profile."""
    return await get_visible_host(session=session, host_id=host_id, user=user)


@router.patch("/hosts/{host_id}", response_model=HostRead)
async def update_host(host_id: int, host_in: HostUpdate, user: CurrentUser, session: SessionDep):
    """The agency's admins: change a profile, its rate card or availability."""
    host = await get_managed_host(session=session, host_id=host_id, user=user)
    return await service.do_update_host(session=session, host=host, host_in=host_in)


@router.post("/hosts/{host_id}/stage", response_model=HostRead)
async def move_stage(host_id: int, move: StageMove, user: CurrentUser, session: SessionDep):
    """The agency's admins: move a host along the pipeline."""
    host = await get_managed_host(session=session, host_id=host_id, user=user)
    return await service.do_move_stage(session=session, host=host, stage=move.stage)


@router.post("/agencies/{agency_id}/courses", status_code=201, response_model=CourseRead)
async def create_course(agency_id: int, course_in: CourseCreate, user: CurrentUser, session: SessionDep):
    """The agency's admins: a training course and its modules."""
    await get_agency(session=session, agency_id=agency_id)
    await check_agency_admin(session=session, agency_id=agency_id, user=user)
    return await training.do_create_course(session=session, agency_id=agency_id, course_in=course_in)


@router.get("/agencies/{agency_id}/courses", response_model=list[CourseRead])
async def list_courses(agency_id: int, user: CurrentUser, session: SessionDep):
    """The agency's admins and hosts: its training courses."""
    await get_agency(session=session, agency_id=agency_id)
    return await training.list_courses(session=session, agency_id=agency_id)


@router.get("/hosts/{host_id}/training", response_model=TrainingRead)
async def get_training(host_id: int, user: CurrentUser, session: SessionDep):
    """The host themself or their agency: completed modules and certification."""
    host = await get_visible_host(session=session, host_id=host_id, user=user)
    return await training.get_training(session=session, host=host)


@router.post("/hosts/{host_id}/completions", response_model=TrainingRead)
async def record_completion(host_id: int, completion: CompletionCreate, user: CurrentUser, session: SessionDep):
    """The agency's admins: record a completed module (completing them all certifies the host)."""
    host = await get_managed_host(session=session, host_id=host_id, user=user)
    return await training.do_record_completion(session=session, host=host, module_id=completion.module_id,
                                               recorder=user)
