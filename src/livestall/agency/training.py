"""Training courses, module completions and the certification they lead to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.accounts.models import User
from livestall.agency.models import HostProfile, ModuleCompletion, TrainingCourse, TrainingModule
from livestall.agency.schemas import CourseCreate, CourseRead, ModuleRead, TrainingRead
from livestall.db import utcnow
from livestall.errors import Conflict, Invalid


async def do_create_course(*, session: AsyncSession, agency_id: int, course_in: CourseCreate) -> CourseRead:
    """A course with its modules, in the order given."""
    course = TrainingCourse(agency_id=agency_id, title=course_in.title)
    session.add(course)
    await session.flush()
    modules = [TrainingModule(course_id=course.id, title=title, position=i)
               for i, title in enumerate(course_in.modules)]
    session.add_all(modules)
    await session.flush()
    return CourseRead(id=course.id, agency_id=agency_id, title=course.title,
                      modules=[ModuleRead.model_validate(m) for m in modules])


async def list_courses(*, session: AsyncSession, agency_id: int) -> list[CourseRead]:
    """An agency's courses and their modules."""
    courses = list(await session.scalars(select(TrainingCourse).where(TrainingCourse.agency_id == agency_id)
                                         .order_by(TrainingCourse.id)))
    modules = list(await session.scalars(
        select(TrainingModule).where(TrainingModule.course_id.in_([c.id for c in courses]))
        .order_by(TrainingModule.position, TrainingModule.id))) if courses else []
    return [CourseRead(id=c.id, agency_id=c.agency_id, title=c.title,
                       modules=[ModuleRead.model_validate(m) for m in modules if m.course_id == c.id])
            for c in courses]


async def _agency_module_ids(session: AsyncSession, agency_id: int) -> set[int]:
    rows = await session.scalars(select(TrainingModule.id).join(TrainingCourse)
                                 .where(TrainingCourse.agency_id == agency_id))
    return set(rows)


async def get_training(*, session: AsyncSession, host: HostProfile) -> TrainingRead:
    """Which modules the host has completed, out of all the agency's modules."""
    done = set(await session.scalars(select(ModuleCompletion.module_id).where(ModuleCompletion.host_id == host.id)))
    required = await _agency_module_ids(session, host.agency_id)
    return TrainingRead(host_id=host.id, completed_module_ids=sorted(done & required), total_modules=len(required),
                        certified_at=host.certified_at)


async def list_trainings(*, session: AsyncSession, agency_id: int,
                         hosts: list[HostProfile]) -> dict[int, TrainingRead]:
    """get_training for many hosts of one agency at once (two queries, for the roster and the board)."""
    required = await _agency_module_ids(session, agency_id)
    done: dict[int, set[int]] = {h.id: set() for h in hosts}
    if hosts:
        rows = await session.execute(select(ModuleCompletion.host_id, ModuleCompletion.module_id)
                                     .where(ModuleCompletion.host_id.in_(list(done))))
        for host_id, module_id in rows:
            done[host_id].add(module_id)
    # built from the database's own values: no validation needed, and hundreds of hosts stay cheap
    return {h.id: TrainingRead.model_construct(host_id=h.id, completed_module_ids=sorted(done[h.id] & required),
                                               total_modules=len(required), certified_at=h.certified_at)
            for h in hosts}


async def do_record_completion(*, session: AsyncSession, host: HostProfile, module_id: int,
                               recorder: User) -> TrainingRead:
    """Record a completed module; a host who has completed every module of the agency is certified."""
    required = await _agency_module_ids(session, host.agency_id)
    if module_id not in required:
        raise Invalid.field("module_id", "agency_module", f"no module {module_id} in this agency's courses")
    if host.stage in ("applied", "screening", "left"):
        raise Conflict.field("stage", "in_training", f"a host in stage {host.stage} is not in training")
    if await session.get(ModuleCompletion, (host.id, module_id)) is None:
        session.add(ModuleCompletion(host_id=host.id, module_id=module_id, recorded_by_id=recorder.id))
        await session.flush()
    done = set(await session.scalars(select(ModuleCompletion.module_id).where(ModuleCompletion.host_id == host.id)))
    if host.certified_at is None and required <= done:
        host.certified_at = utcnow()
        await session.flush()
    return await get_training(session=session, host=host)

