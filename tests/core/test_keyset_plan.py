"""Issue 11: a deep page of the case list is an index range on PostgreSQL, not a filter.

The cursor condition used to be ``opened_at < :at OR (opened_at = :at AND id < :id)``, which
PostgreSQL runs as a filter over an index scan that starts at the newest case: a page thirty
days deep read and discarded ~50,000 rows. Now it is a bound on ``opened_at`` (an index
condition) plus a row-value comparison for ties.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text, update

from core.db import utcnow
from core.entities import ServiceCase
from core.security.scope import set_scope
from core.services.cases import case_page
from tests.core.test_desk_pages_cases import open_cases
from tests.support import Harness


def _captured(h: Harness, params: dict[str, str]) -> tuple[str, Any]:
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM service_case" in statement:
            seen.append((statement, parameters))

    event.listen(h.app.state.engine, "before_cursor_execute", capture)
    try:
        with h.app.state.read_sessionmaker() as session:
            set_scope(session, None)
            case_page(session, params, page_size=5)
    finally:
        event.remove(h.app.state.engine, "before_cursor_execute", capture)
    return seen[-1]


@pytest.mark.postgres
def test_deep_page_is_an_index_range(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[], backend="postgres")
    ids = open_cases(h, 30)
    with h.app.state.engine.begin() as connection:  # one case a day, a few sharing a moment
        now = utcnow()
        for n, cid in enumerate(ids):
            connection.execute(update(ServiceCase).where(ServiceCase.id == cid)
                               .values(opened_at=now - timedelta(days=n // 2)))
    with h.app.state.read_sessionmaker() as session:
        first = case_page(session, {}, page_size=5)
        second = case_page(session, {"after": first.next_cursor or ""}, page_size=5)
    newest_first = sorted(ids, key=lambda cid: (ids.index(cid) // 2, -cid))
    assert [c.id for c in first.rows + second.rows] == newest_first[:10]
    statement, parameters = _captured(h, {"after": second.next_cursor or ""})
    with h.app.state.engine.connect() as connection:
        # the plan a deep page gets on a big table: walk the opened_at index backwards
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            connection.execute(text(f"SET {setting} = off"))
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(
            "EXPLAIN " + statement, parameters))
    assert "ix_service_case_opened_at" in plan, plan
    lines = plan.splitlines()
    scan = next(i for i, line in enumerate(lines) if "ix_service_case_opened_at" in line)
    assert "Index Cond" in lines[scan + 1] and "opened_at <=" in lines[scan + 1], plan


def test_keyset_pages_walk_ties_in_order(make_app: Callable[..., Harness], backend: str
                                         ) -> None:
    """Cases opened at the same moment are neither repeated nor skipped across pages."""
    h = make_app(plugins=[])
    ids = open_cases(h, 12)
    moment = utcnow()
    with h.app.state.engine.begin() as connection:
        connection.execute(update(ServiceCase).values(opened_at=moment))
    for sort, expected in (("newest", sorted(ids, reverse=True)), ("oldest", sorted(ids))):
        seen: list[int] = []
        cursor = ""
        with h.app.state.read_sessionmaker() as session:
            while True:
                params = {"sort": sort, **({"after": cursor} if cursor else {})}
                page = case_page(session, params, page_size=5)
                seen += [c.id for c in page.rows]
                if not page.next_cursor:
                    break
                cursor = page.next_cursor
        assert seen == expected, sort
