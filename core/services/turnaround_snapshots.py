"""Turnaround medians computed off the request path and shared by every process (issue 11).

An exact median over the 90-day window reads every case that ended a stage in it: at a
million units that is 0.6 s on SQLite and about a second on PostgreSQL, whichever way the
SQL is written (the work is sorting ~350,000 durations). So no dashboard load should pay it.
The ``core.turnaround`` job computes the medians for HQ's view and for each region every
few minutes and keeps them in ``turnaround_snapshot``, one row per region scope; the widget
reads its scope's row (one primary-key lookup). Only when the row is missing or older than
``[dashboard] turnaround_cache_seconds`` (the worker stopped, a fresh install) does a load
compute the medians itself, and it stores them for the next reader, in any process.

The reader's scope picks the row (``"all"`` or ``"region:<id>"``), from the session's own
region scope, so a regional user never reads figures that include another region.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.db import WRITE_OPTION, utcnow
from core.entities import Region, TurnaroundSnapshot
from core.security.scope import region_of_reader, set_scope
from core.services import reports
from core.settings import Settings

JOB_ID = "core.turnaround"
#: How often the job refreshes the rows: under the default 300 s a reader accepts, so a
#: running worker keeps every load on the stored figures.
EVERY_MINUTES = 4

Found = dict[int, list["reports.Turnaround"]]


def scope_key(region_id: int | None) -> str:
    return "all" if region_id is None else f"region:{region_id}"


def to_json(found: Found) -> dict[str, Any]:
    return {str(days): [{"service_point": t.service_point, "service_point_zh": t.service_point_zh,
                         "medians": t.medians, "counts": t.counts} for t in rows]
            for days, rows in found.items()}


def from_json(payload: dict[str, Any]) -> Found:
    return {int(days): [reports.Turnaround(row["service_point"], dict(row["medians"]),
                                           dict(row["counts"]), row.get("service_point_zh", ""))
                        for row in rows]
            for days, rows in payload.items()}


def read(session: Session) -> tuple[datetime, Found] | None:
    """The stored medians for the session's region scope, with when they were computed."""
    row = session.execute(
        select(TurnaroundSnapshot.computed_at, TurnaroundSnapshot.payload)
        .where(TurnaroundSnapshot.scope == scope_key(region_of_reader(session)))).first()
    return None if row is None else (row.computed_at, from_json(row.payload))


def _upsert(session: Session, scope: str, computed_at: datetime, found: Found) -> None:
    """Insert or replace the scope's row, unless a newer one is already there (two
    computations racing keep the later figures)."""
    table = TurnaroundSnapshot.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(scope=scope, computed_at=computed_at,
                                     payload=to_json(found))
    session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.scope],
        set_={"computed_at": statement.excluded.computed_at,
              "payload": statement.excluded.payload},
        where=table.c.computed_at < statement.excluded.computed_at))


def store(session: Session, computed_at: datetime, found: Found) -> None:
    """Keep medians a request computed, in their own short writing transaction: the
    request's session is a reading one (GET)."""
    engine: Engine = session.get_bind().engine
    scope = scope_key(region_of_reader(session))
    with Session(engine.execution_options(**{WRITE_OPTION: True})) as writer, writer.begin():
        _upsert(writer, scope, computed_at, found)


def recent(session: Session, max_age_seconds: float) -> tuple[datetime, Found]:
    """The medians for the session's scope, computed at most ``max_age_seconds`` ago: the
    stored row when it is that fresh, else computed now (and stored when ``max_age_seconds``
    is above 0; 0 computes on every load and keeps nothing)."""
    now = utcnow()
    if max_age_seconds > 0:
        stored = read(session)
        if stored is not None and (now - stored[0]).total_seconds() <= max_age_seconds:
            return stored
    found = reports.turnarounds(session, now)
    if max_age_seconds > 0:
        store(session, now, found)
    return now, found


def refresh(session: Session, settings: Settings, now: datetime) -> str:
    """The job: HQ's medians and each region's, computed and stored."""
    if settings.dashboard.turnaround_cache_seconds <= 0:
        return "skipped: turnaround_cache_seconds = 0 computes on every load"
    regions = list(session.scalars(select(Region.id).order_by(Region.id)))
    for region_id in [None, *regions]:
        set_scope(session, region_id)
        try:
            found = reports.turnarounds(session, now)
        finally:
            set_scope(session, None)
        _upsert(session, scope_key(region_id), now, found)
    session.commit()
    return f"turnaround medians stored for HQ (all regions) and {len(regions)} region(s)"
