"""Running periodic jobs once, with a database claim so two machines never run one job twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from starlette.applications import Starlette

from core.audit import set_actor
from core.db import utcnow
from core.entities import JobRun

#: A claim older than this is taken to belong to a crashed run.
STALE_CLAIM = timedelta(hours=1)


def _claim(app: Starlette, job_id: str) -> bool:
    now = utcnow()
    with app.state.sessionmaker() as session:
        if session.get(JobRun, job_id) is None:
            try:
                session.add(JobRun(job_id=job_id))
                session.commit()
            except IntegrityError:
                session.rollback()
        claimed = session.execute(
            update(JobRun)
            .where(
                JobRun.job_id == job_id,
                or_(
                    JobRun.last_started_at.is_(None),
                    JobRun.last_finished_at >= JobRun.last_started_at,
                    JobRun.last_started_at < now - STALE_CLAIM,
                ),
            )
            .values(last_started_at=now)
        ).rowcount
        session.commit()
        return claimed == 1


def run_jobs(app: Starlette) -> list[tuple[str, str]]:
    results = []
    for job in app.state.registry.jobs.values():
        if not _claim(app, job.id):
            results.append((job.id, "skipped: running elsewhere"))
            continue
        with app.state.sessionmaker() as session:
            set_actor(session, None, f"job:{job.id}", "local")
            summary = job.run(session, app.state.settings, utcnow())
            row = session.get(JobRun, job.id)
            assert row is not None
            row.last_finished_at = utcnow()
            row.last_summary = str(summary)[:500]
            session.commit()
        results.append((job.id, str(summary)))
    if not results:
        results.append(("-", "no periodic jobs registered by the enabled plugins"))
    return results
