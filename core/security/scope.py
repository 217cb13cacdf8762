"""Region scope, enforced once for every ORM statement of a session.

``session.info["region_id"]`` is set per request for a regional user (and for an HQ user who
filters by a region). Every SELECT, UPDATE and DELETE through the ORM then carries
``region_id = :region`` for all ``RegionScoped`` entities, including joins, relationship
loads, counts and exports; nothing in views filters by hand. New records of another region are
refused at flush. A record outside the scope simply does not exist for that user: a 404.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from core.entities.org import RegionScoped
from core.errors import Forbidden
from core.i18n import N_

SCOPE_KEY = "region_id"


def _add_region_criteria(state: ORMExecuteState) -> None:
    region_id = state.session.info.get(SCOPE_KEY)
    if region_id is None or state.is_column_load or state.is_relationship_load:
        # Relationship and column loads inherit the criteria of the statement that loaded
        # the parent (the option travels with it).
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = _scoped(state.statement, region_id)


#: The scoped form of each statement, per region, kept as long as the statement lives. A
#: statement built once (a case's charges, the case list's select) then gets the same scoped
#: statement on every execution, and with it SQLAlchemy's memoized cache key, instead of a new
#: statement whose key is computed again each time: about a tenth of a millisecond per
#: statement for every regional reader (issue 11).
_scoped_forms: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()
_scoped_lock = threading.Lock()


def _scoped(statement: Any, region_id: Any) -> Any:
    try:
        with _scoped_lock:
            known = _scoped_forms.get(statement)
            if known is not None and region_id in known:
                return known[region_id]
    except TypeError:  # a statement that cannot be weakly referenced: scope it every time
        return _with_region(statement, region_id)
    scoped = _with_region(statement, region_id)
    with _scoped_lock:
        _scoped_forms.setdefault(statement, {})[region_id] = scoped
    return scoped


def _with_region(statement: Any, region_id: Any) -> Any:
    return statement.options(
        with_loader_criteria(
            RegionScoped,
            lambda cls: cls.region_id == region_id,
            include_aliases=True,
        )
    )


def _refuse_foreign_writes(session: Session, _context: Any, _instances: Any) -> None:
    region_id = session.info.get(SCOPE_KEY)
    if region_id is None:
        return
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, RegionScoped) and obj.region_id not in (None, region_id):
            raise Forbidden(N_("This record belongs to another region."))


def install(factory: sessionmaker[Any]) -> None:
    event.listen(factory, "do_orm_execute", _add_region_criteria)
    event.listen(factory, "before_flush", _refuse_foreign_writes)


def set_scope(session: Session, region_id: int | None) -> None:
    session.info[SCOPE_KEY] = region_id


def region_of_reader(session: Session) -> int | None:
    """The region this session is scoped to, or ``None`` for HQ and jobs (every region)."""
    region_id = session.info.get(SCOPE_KEY)
    return region_id if isinstance(region_id, int) else None


@contextmanager
def across_regions(session: Session) -> Iterator[None]:
    """Lift the reader's region scope for the statements (and flushes) inside, then put it
    back, even on an error. For what the policy itself shares across regions and nothing
    else: E-2's HQ loaner pool offered to and booked by a distributor's case, say. Kept in
    core (plugin API 1.3) so that every lift is one greppable name under core's control
    rather than a plugin editing ``session.info``; the caller decides what it reads or
    writes inside and says why at the call."""
    scope = session.info.pop(SCOPE_KEY, None)
    try:
        yield
    finally:
        session.info[SCOPE_KEY] = scope
