"""Which shows a transaction wrote, told to this process's caches once it commits.

What a crowd reads about a show is kept for a second or two (the anonymous pages, the show's JSON), and
must be dropped when the show changes, whatever code changed it, including writes that publish no room
event: its details, cover or host edited, an invitation to host it sent or answered, its counters. A
commit that wrote a show row (through the ORM, or an UPDATE or DELETE on the table) or a host invitation
tells every watcher of this process, before the writer's response leaves. Other processes hear nothing
of it: their caches keep their answers for their own short lifetime.
"""

from __future__ import annotations

import weakref
from typing import Protocol

from sqlalchemy import event as sa_event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from livestall.shows.models import HostInvitation, Show

WRITTEN_KEY = "livestall.shows_written"
SHOWS, INVITATIONS = Show.__table__, HostInvitation.__table__


class Watcher(Protocol):
    def shows_written(self, show_ids: set[int] | None) -> None:
        """These shows changed (None: some shows, which ones unknown)."""


_WATCHERS: weakref.WeakSet = weakref.WeakSet()


def watch_shows_written(watcher: Watcher) -> None:
    """Tell `watcher` of every commit in this process that wrote shows, for as long as it lives."""
    _WATCHERS.add(watcher)


def _note(session: Session, show_ids: set[int] | None) -> None:
    noted = session.info.get(WRITTEN_KEY, set())
    session.info[WRITTEN_KEY] = None if noted is None or show_ids is None else noted | show_ids


@sa_event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context) -> None:
    written = {obj.id if isinstance(obj, Show) else obj.show_id
               for obj in (*session.new, *session.dirty, *session.deleted) if isinstance(obj, Show | HostInvitation)}
    if written:
        _note(session, written)


@sa_event.listens_for(Session, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    # UPDATE shows ... WHERE id = ... (a host taking the show, its likes) changes rows without loading them.
    if not (state.is_update or state.is_delete):
        return
    table = state.statement.table
    if SHOWS.compare(table):
        _note(state.session, _named(state.statement.whereclause, SHOWS.c.id))
    elif INVITATIONS.compare(table):
        _note(state.session, _named(state.statement.whereclause, INVITATIONS.c.show_id))


def _named(where, column) -> set[int] | None:
    """The show ids a WHERE clause names on `column` (`= x`, `IN (...)`), or None when it names none."""
    ids: set[int] = set()
    for node in visitors.iterate(where) if where is not None else ():
        if isinstance(node, BinaryExpression) and isinstance(node.right, BindParameter) \
                and node.operator in (operators.eq, operators.in_op) and node.left.compare(column):
            value = node.right.effective_value
            ids.update(value if isinstance(value, list | tuple | set) else [value])
    return ids or None


@sa_event.listens_for(Session, "after_commit")
def _tell_watchers(session: Session) -> None:
    if session.in_nested_transaction() or WRITTEN_KEY not in session.info:
        return  # a savepoint: the rows are not visible to other requests until the outer commit
    written = session.info.pop(WRITTEN_KEY)
    for watcher in list(_WATCHERS):
        watcher.shows_written(written)
