"""Issue 11: the turnaround medians are computed by the ``core.turnaround`` job (or one load
when the stored row is missing or stale) and stored per region scope, so a dashboard load in
any process reads one row instead of sorting the 90-day window's durations."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from core.db import utcnow
from core.entities import Region, TurnaroundSnapshot
from core.services import turnaround_snapshots
from tests.core.test_dashboard_cache import URL, _faster, _load
from tests.core.test_desk_pages_units import _aged_cases, desk  # noqa: F401  (the fixture)
from tests.support import Harness


def _run_job(h: Harness) -> str:
    job = h.app.state.registry.jobs[turnaround_snapshots.JOB_ID]
    with h.app.state.sessionmaker() as session:
        return str(job.run(session, h.settings, utcnow()))


def _rows(h: Harness) -> dict[str, TurnaroundSnapshot]:
    with h.session() as session:
        return {row.scope: row for row in session.scalars(select(TurnaroundSnapshot))}


def test_the_job_stores_every_scope_and_loads_only_read_them(desk: Harness) -> None:  # noqa: F811
    _aged_cases(desk)
    assert "turnaround" in _run_job(desk)
    with desk.session() as session:
        regions = list(session.scalars(select(Region.id)))
    assert set(_rows(desk)) == {"all", *(f"region:{r}" for r in regions)}
    page, ran = _load(desk, "hq-supervisor")
    assert ran == 0 and "18 h" in page  # HQ's figures, read from the job's row
    east, ran = _load(desk, "east-supervisor")
    assert ran == 0 and "HQ service centre" not in east  # the region's own row


def test_a_stale_or_missing_row_is_computed_once_and_shared(desk: Harness) -> None:  # noqa: F811
    _aged_cases(desk)
    first, ran = _load(desk, "hq-supervisor")
    assert ran == 1 and "18 h" in first  # no row yet: this load computes and stores
    assert set(_rows(desk)) == {"all"}
    _faster(desk)
    again, ran = _load(desk, "hq-manager")  # another reader (any process): the stored row
    assert ran == 0 and again == first
    old = utcnow() - timedelta(seconds=desk.settings.dashboard.turnaround_cache_seconds + 5)
    with desk.session() as session:
        session.execute(update(TurnaroundSnapshot).values(computed_at=old))
        session.commit()
    fresh, ran = _load(desk, "hq-supervisor")  # older than allowed: computed again
    assert ran == 1 and "18 h" not in fresh
    assert _rows(desk)["all"].computed_at > old


def test_racing_writers_keep_the_newer_figures(desk: Harness) -> None:  # noqa: F811
    _aged_cases(desk)
    _run_job(desk)
    newest = _rows(desk)["all"].computed_at
    with desk.app.state.sessionmaker() as session:
        turnaround_snapshots._upsert(session, "all", newest - timedelta(minutes=1), {30: []})
        session.commit()
    kept = _rows(desk)["all"]
    assert kept.computed_at == newest and kept.payload != {"30": []}


def test_the_job_does_nothing_when_medians_are_computed_per_load(make_app, backend) -> None:
    h = make_app(plugins=[], dashboard={"turnaround_cache_seconds": 0})
    assert _run_job(h).startswith("skipped")
    assert _rows(h) == {}
    assert h.client("hq-supervisor").get(URL, headers={"HX-Request": "true"}).status_code == 200
    assert _rows(h) == {}  # 0: computed on every load, nothing kept


def test_parallel_loads_storing_one_scope_leave_one_row(desk: Harness) -> None:  # noqa: F811
    """Several loads that found no row compute at once and all store (on PostgreSQL in
    parallel transactions): the upsert takes every one without a conflict error, one row
    stays, holding the newest figures."""
    import threading

    _aged_cases(desk)
    now = utcnow()
    with desk.app.state.read_sessionmaker() as session:
        found = turnaround_snapshots.reports.turnarounds(session, now)
    start, errors = threading.Barrier(6), []

    def store(n: int) -> None:
        try:
            with desk.app.state.read_sessionmaker() as session:
                start.wait(10)
                turnaround_snapshots.store(session, now + timedelta(seconds=n), found)
        except Exception as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    threads = [threading.Thread(target=store, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    rows = _rows(desk)
    assert set(rows) == {"all"} and rows["all"].computed_at == now + timedelta(seconds=5)
