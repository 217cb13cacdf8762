"""More requests than database connections queue for a slot; none answers 500 (issue 11).

``make bench`` on PostgreSQL at 32 clients: Starlette's 40 worker threads waited in
SQLAlchemy's pool of 15 until its timeout, and the losers answered 500. Here the pool is
shrunk to two connections with a one-second timeout and six requests are held up behind a
row lock for longer than that: before ``core.web.db_slots`` four of them answered 500.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select, text

from core.app import create_app
from core.db import make_engine
from core.entities import ServiceCase
from core.web.db_slots import SPARE_CONNECTIONS, slots_for
from tests.core.desk_helpers import bearer, new_case
from tests.live import fire
from tests.support import Harness

MOVE = {"to": "inspected", "fault_found": "Blown output stage", "coverage_class": "B",
        "faults": [{"description": "Output transistor", "cause": "normal"}]}


def test_slots_leave_a_connection_for_side_transactions() -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1/none", pool_size=5, max_overflow=10)
    assert slots_for(engine) == 15 - SPARE_CONNECTIONS


@pytest.mark.postgres
def test_requests_beyond_the_pool_wait_instead_of_failing(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]]
) -> None:
    h = make_app(plugins=[], backend="postgres")
    small = make_engine(h.url, pool_size=2, max_overflow=0, pool_timeout=1)
    try:
        _, base_url = live_app(Harness(create_app(h.settings, engine=small), h.settings,
                                       h.url))
        cid = int(new_case(h, bearer(h, "hq-clerk"))["id"])
        desks = [bearer(h, "hq-tech") for _ in range(6)]
        with h.session() as holder:  # someone else holds the case for 2.5 s
            holder.execute(select(ServiceCase.id).where(ServiceCase.id == cid)
                           .with_for_update())
            release = threading.Timer(2.5, holder.rollback)
            release.start()
            answers = fire(6, lambda client, i: client.post(
                f"/api/v1/cases/{cid}/transitions", json=MOVE, headers=desks[i]), base_url)
            release.join()
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200, 409, 409, 409, 409, 409], [a.text[:120] for a in answers]
    finally:
        small.dispose()
    with h.session() as session:
        assert session.execute(text("SELECT state FROM service_case WHERE id = :id"),
                               {"id": cid}).scalar() == "inspected"
