"""One writer per case, and per scarce row (DESIGN.md "Under concurrency").

Every operation that changes a case or its money first calls :func:`lock_case`; plugins guard
their own scarce rows (a loaner unit, a stock row) with :func:`lock_row`. Both re-read the row
under the lock, so a decision is taken on the state the previous writer committed, never on a
copy read before it.

- PostgreSQL: ``SELECT … FOR UPDATE OF <table>`` (``OF`` so the joined eager loads of a case,
  some of them outer joins, are not locked and do not make PostgreSQL refuse the lock). A
  second transaction waits at that statement until the first commits, then reads its result.
- SQLite: writing sessions begin with ``BEGIN IMMEDIATE`` (``core.db``), so writers are already
  serialised for the whole transaction; the re-read still matters when the row was loaded
  before the lock, for instance by a request's view code.

The lock is held until the transaction ends (commit or rollback), which is why these are plain
functions and not context managers: there is nothing to release early. Call them at the start
of the unit of work, before reading anything the decision depends on.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.entities import ServiceCase
from core.errors import NotFound
from core.i18n import N_

T = TypeVar("T")


def lock_row(session: Session, model: type[T], row_id: object) -> T | None:
    """Lock the row ``model`` with primary key ``row_id`` for this transaction and return it
    freshly read (``None`` when there is no such row, or it lies outside the region scope)."""
    statement = (
        select(model)
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .with_for_update(of=model)  # type: ignore[arg-type]
        .execution_options(populate_existing=True)
    )
    return session.scalars(statement).unique().one_or_none()


def lock_case(session: Session, case: ServiceCase | int) -> ServiceCase:
    """Take ``case``'s row lock and return the case as committed by the previous writer.

    Raises ``NotFound`` (404) when the case does not exist or is another region's.
    """
    case_id = case if isinstance(case, int) else case.id
    locked = lock_row(session, ServiceCase, case_id)
    if locked is None:
        raise NotFound(N_("No such case."))
    return locked
