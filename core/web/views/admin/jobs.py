"""The jobs page (issue 13): the durable queue's rows with their state and last error, and
the two things an administrator does about them -- retry a dead job, cancel a waiting one.

Jobs are the instance's own work (not region-scoped records), so the page needs
``admin.jobs``, which only administrators hold by default.
"""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from core.entities import QueuedJob
from core.entities.queue import JOB_STATES
from core.errors import DomainError
from core.i18n import N_
from core.services.queue import PERIODIC, cancel_job, retry_job
from core.web.forms import see_other, undo
from core.web.templating import flash, gettext_for, render

PAGE_SIZE = 100

#: Job states as words (issue 18: not the stored key).
STATE_LABELS = {"queued": N_("queued"), "running": N_("running"), "done": N_("done"),
                "dead": N_("failed for good"), "cancelled": N_("cancelled")}


def job_list(request: Request) -> Response:
    """Newest first, optionally one state (``?state=dead``)."""
    db = request.state.db
    state = request.query_params.get("state", "")
    statement = select(QueuedJob).order_by(QueuedJob.id.desc()).limit(PAGE_SIZE)
    if state in JOB_STATES:
        statement = statement.where(QueuedJob.state == state)
    else:
        state = ""
    counts = dict((s, n) for s, n in db.execute(select(QueuedJob.state, func.count())
                             .group_by(QueuedJob.state)).all())
    return render(request, "admin/jobs.html", {
        "jobs": list(db.scalars(statement)), "state": state, "states": JOB_STATES,
        "state_labels": STATE_LABELS,
        "counts": counts, "periodic": PERIODIC,
    })


def _act(request: Request, action: str) -> Response:
    _ = gettext_for(request).gettext
    job_id = int(request.path_params["job_id"])
    try:
        if action == "retry":
            retry_job(request.state.db, job_id)
            flash(request, _("Job %(id)s queued again.") % {"id": job_id})
        else:
            cancel_job(request.state.db, job_id)
            flash(request, _("Job %(id)s cancelled.") % {"id": job_id})
    except DomainError as error:
        undo(request)
        message, _fields = error.localized(_)
        flash(request, message, "error")
    return see_other("/admin/jobs")


def job_retry(request: Request) -> Response:
    return _act(request, "retry")


def job_cancel(request: Request) -> Response:
    return _act(request, "cancel")
