"""An interrupted import resumed twice at once (two clerks, or a double click that beat the
page's own guard) is resumed once: one 303, the other 409, and one job queued (issue 13)."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx
from sqlalchemy import func, select

from core.entities import QueuedJob
from tests.core.test_import import _killed_import
from tests.core.test_one_writer import _signed_in
from tests.live import fire
from tests.support import Harness


def test_two_resumes_at_once_queue_one_job(live_app: Callable[..., tuple[Harness, str]],
                                           backend: str) -> None:
    h, base_url = live_app(plugins=[])
    run_id, _client = _killed_import(h, rows=600, batch_size=100)
    with h.session() as session:
        queued_before = session.scalar(select(func.count()).select_from(QueuedJob)
                                       .where(QueuedJob.kind == "core.import"))
    cookies, csrf = _signed_in(base_url, "hq-manager")

    def resume(client: httpx.Client, _index: int) -> httpx.Response:
        client.cookies = cookies
        return client.post(f"/desk/import/{run_id}/resume", data={"csrf_token": csrf})

    statuses = sorted(r.status_code for r in fire(3, resume, base_url))
    assert statuses == [303, 409, 409], statuses
    with h.session() as session:
        queued_after = session.scalar(select(func.count()).select_from(QueuedJob)
                                      .where(QueuedJob.kind == "core.import"))
    assert queued_after == (queued_before or 0) + 1
