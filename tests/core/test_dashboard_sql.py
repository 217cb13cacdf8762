"""Issue 11: the dashboard's turnaround medians are computed by the database, and give what
the earlier Python computation gave on the same data (SQLite and PostgreSQL, HQ and a region).

The reference below is the Python version the widget used before (medians of every stage,
hours on hold with overlapping holds counted once, active hours), kept here as the oracle.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.entities import CaseHold, Region, ServiceCase, ServicePoint
from core.security.scope import set_scope
from core.services import reports
from core.services.reports import HELD_KEYS, STAGE_KEYS, STAGES, Turnaround, _hours
from tests.core.test_desk_pages_cases import open_cases
from tests.support import Harness


def _held_hours(session: Session, now: datetime, window: Any) -> dict[int, float]:
    rows = session.execute(
        select(CaseHold.case_id, CaseHold.placed_at, CaseHold.released_at)
        .where(CaseHold.case_id.in_(select(ServiceCase.id).where(window)))
        .order_by(CaseHold.case_id, CaseHold.placed_at)).all()
    spans: dict[int, list[tuple[datetime, datetime]]] = {}
    for case_id, placed, released in rows:
        spans.setdefault(case_id, []).append((placed, released or now))
    result: dict[int, float] = {}
    for case_id, pairs in spans.items():
        total, end = 0.0, None
        for start, stop in sorted(pairs):
            if end is not None and start < end:
                start = end
            if stop > start:
                total += (stop - start).total_seconds() / 3600
            end = max(end, stop) if end is not None else stop
        result[case_id] = total
    return result


def python_turnarounds(session: Session, now: datetime, windows: tuple[int, ...]
                       ) -> dict[int, list[Turnaround]]:
    """The widget's computation before issue 11, unchanged."""
    since = now - timedelta(days=max(windows))
    columns = {name: _hours(session, getattr(ServiceCase, name)) for name in
               ("opened_at", "dispatched_at", "repaired_at", "returned_at")}
    window = ((ServiceCase.dispatched_at >= since) | (ServiceCase.repaired_at >= since)
              | (ServiceCase.returned_at >= since))
    rows = session.execute(
        select(ServicePoint.name, *columns.values(), ServiceCase.id)
        .join(ServicePoint, ServicePoint.id == ServiceCase.service_point_id)
        .where(window)).all()
    now_hours = now.timestamp() / 3600
    held = _held_hours(session, now, window)
    stages: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for name, opened, dispatched, repaired, returned, case_id in rows:
        moments = {"opened_at": opened, "dispatched_at": dispatched,
                   "repaired_at": repaired, "returned_at": returned}
        point = stages.setdefault(name, {key: [] for key in (*STAGE_KEYS, *HELD_KEYS)})
        for key, _label, start, end in STAGES:
            began, ended = moments[start], moments[end]
            if began is not None and ended is not None and ended >= began:
                point[key].append((float(ended), float(ended) - float(began)))
        if opened is not None and returned is not None and returned >= opened:
            on_hold = held.get(case_id, 0.0)
            point["held"].append((float(returned), on_hold))
            point["active"].append((float(returned),
                                    max(float(returned) - float(opened) - on_hold, 0.0)))
    result: dict[int, list[Turnaround]] = {}
    for days in windows:
        cutoff = now_hours - days * 24
        found = []
        for name, by_stage in sorted(stages.items()):
            durations = {key: [d for ended, d in pairs if ended >= cutoff]
                         for key, pairs in by_stage.items()}
            found.append(Turnaround(
                name, {k: statistics.median(v) if v else None for k, v in durations.items()},
                {k: len(v) for k, v in durations.items()}))
        result[days] = found
    return result


def _scatter(h: Harness, ids: list[int], now: datetime, seed: int) -> None:
    """Random stage timestamps (some stages not reached, some far outside the windows) and
    overlapping, open and nested holds."""
    rng = random.Random(seed)
    with h.session() as session:
        holds = []
        for case_id in ids:
            opened = now - timedelta(hours=rng.uniform(1, 24 * 150))
            moments: dict[str, Any] = {"opened_at": opened}
            at = opened
            for name in ("dispatched_at", "repaired_at", "returned_at"):
                if rng.random() < 0.15:
                    break
                at = min(at + timedelta(hours=rng.choice([0, rng.uniform(0.5, 24 * 20)])), now)
                moments[name] = at
            session.execute(update(ServiceCase).where(ServiceCase.id == case_id)
                            .values(**{"dispatched_at": None, "repaired_at": None,
                                       "returned_at": None, **moments}))
            for _ in range(rng.choice([0, 0, 1, 2, 3])):
                start = opened + timedelta(hours=rng.uniform(0, 24 * 10))
                released = start + timedelta(hours=rng.uniform(0, 24 * 5)) \
                    if rng.random() < 0.8 else None
                holds.append({"case_id": case_id, "kind": "parts", "placed_at": start,
                              "released_at": released, "reason": ""})
        if holds:
            session.execute(insert(CaseHold), holds)
        session.commit()


def _same(got: dict[int, list[Turnaround]], want: dict[int, list[Turnaround]]) -> None:
    assert got.keys() == want.keys()
    for days in want:
        assert [r.service_point for r in got[days]] == [r.service_point for r in want[days]]
        for mine, theirs in zip(got[days], want[days], strict=True):
            assert mine.counts == theirs.counts, (days, mine.service_point)
            for key, value in theirs.medians.items():
                if value is None:
                    assert mine.medians[key] is None, (days, mine.service_point, key)
                else:
                    assert mine.medians[key] == pytest.approx(value, rel=1e-6, abs=1e-3), \
                        (days, mine.service_point, key)


@pytest.mark.usefixtures("backend")
def test_turnaround_medians_in_sql_match_the_python_computation(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    now = utcnow()
    ids = open_cases(h, 45) + open_cases(h, 35, login="east-clerk", start=100)
    _scatter(h, ids, now, seed=11)
    with h.session() as session:
        want = python_turnarounds(session, now, (7, 30, 90))
        got = reports.turnarounds(session, now, (7, 30, 90))
        assert sum(r.counts["total"] for r in want[90]) > 20  # the data reaches the windows
        assert any(r.counts["held"] and r.medians["held"] for r in want[90])
        _same(got, want)
        east = session.scalars(select(Region.id).where(Region.code == "EAST")).one()
        set_scope(session, east)  # a regional user's dashboard
        want = python_turnarounds(session, now, (30, 90))
        assert [r.service_point for r in want[90]] == ["Shanghai service point"]
        _same(reports.turnarounds(session, now, (30, 90)), want)


def test_open_by_age_reads_only_the_state_index(make_app: Callable[..., Harness]) -> None:
    """SQLite answers open-by-state and open-by-age from the (state, opened_at) index alone."""
    h = make_app(plugins=[])
    open_cases(h, 3)
    with h.session() as session:
        captured: list[Any] = []
        def grab(_c: Any, _cur: Any, statement: str, params: Any, *_a: Any) -> None:
            if "service_case" in statement and "EXPLAIN" not in statement:
                captured.append(statement)
                captured.append(params)

        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", grab)
        try:
            assert reports.open_by_age(session, utcnow())[0][1] == 3
            assert sum(n for _state, n in reports.open_by_state(session)) == 3
        finally:
            event.remove(engine, "before_cursor_execute", grab)
        for statement, params in zip(captured[::2], captured[1::2], strict=True):
            plan = " ".join(str(row[-1]) for row in session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params))
            assert "COVERING INDEX ix_service_case_state_opened_at" in plan, plan
