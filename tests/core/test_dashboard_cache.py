"""Issue 11: the turnaround widget reuses stored medians for ``[dashboard]
turnaround_cache_seconds`` (per region scope; see also test_turnaround_snapshots.py) and says
when they were computed; 0 computes them on every load. ``reports.turnarounds`` itself is
never cached."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core import i18n
from core.db import utcnow
from core.entities import ServiceCase
from core.services import reports
from tests.core.test_desk_pages_units import _aged_cases, desk  # noqa: F401  (the fixture)
from tests.support import Harness, QueryCounter

URL = "/desk/widgets/turnaround"
HTMX = {"HX-Request": "true"}


def _load(h: Harness, login: str, client: Any = None) -> tuple[str, int]:
    """The widget's HTML and how many times the medians' statement ran for it."""
    client = client or h.client(login)
    with QueryCounter(h.app.state.engine) as counter:
        response = client.get(URL, headers=HTMX)
    assert response.status_code == 200
    return response.text, sum("window_cases" in s for s in counter.statements)


def _faster(h: Harness) -> None:
    """Every finished case dispatched two hours after intake: the 30-day median changes."""
    with h.session() as session:
        for case in session.scalars(select(ServiceCase)
                                    .where(ServiceCase.dispatched_at.is_not(None))):
            case.dispatched_at = case.opened_at + timedelta(hours=2)
        session.commit()


def test_medians_are_reused_within_the_ttl_per_region_scope(desk: Harness) -> None:  # noqa: F811
    assert desk.settings.dashboard.turnaround_cache_seconds == 300  # the default
    east_case = _aged_cases(desk)["east"]
    with desk.session() as session:  # the region has a finished case of its own
        case = session.get(ServiceCase, east_case)
        case.opened_at = utcnow() - timedelta(days=3)
        case.dispatched_at = case.opened_at + timedelta(hours=30)
        case.repaired_at = case.dispatched_at + timedelta(hours=30)
        case.returned_at = case.repaired_at + timedelta(hours=1)
        session.commit()
    before = utcnow()
    first, ran = _load(desk, "hq-supervisor")
    after = utcnow()
    assert ran == 1 and "18 h" in first
    # the time it was computed, in the instance's zone (Asia/Shanghai), the reader's language
    shown = {i18n.format_clock(t, "en", desk.settings.tz) for t in (before, after)}
    assert any(f"As of {clock}<" in first for clock in shown), first
    _faster(desk)
    again, ran = _load(desk, "hq-supervisor")
    assert ran == 0 and again == first  # within the TTL: the same figures, not recomputed
    # a region's supervisor gets the region's own entry, computed for them
    east, ran = _load(desk, "east-supervisor")
    assert ran == 1 and "HQ service centre" not in east
    assert 'Shanghai service point</td><td data-stage="total">2.5 d<' in east
    assert _load(desk, "east-supervisor")[1] == 0
    assert _load(desk, "hq-supervisor")[1] == 0  # HQ's entry is still HQ's
    # the service function is not cached: it sees the change at once
    with desk.session() as session:
        month = {row.service_point: row for row in reports.turnaround(session, utcnow(), 30)}
    assert month["HQ service centre, Guangzhou"].medians["intake_dispatch"] \
        == pytest.approx(2)
    # Chinese reader: the same cached figures, "as of" in Chinese
    chinese = desk.client("hq-supervisor")
    assert chinese.form("/language", {"locale": "zh_CN", "next": "/"}).status_code == 200
    zh, ran = _load(desk, "hq-supervisor", chinese)
    assert ran == 0 and re.search(r"截至 \d{1,2}:\d{2}<", zh), zh


def test_ttl_zero_recomputes_on_every_load(make_app: Callable[..., Harness],
                                           backend: str) -> None:
    h = make_app(plugins=[], dashboard={"turnaround_cache_seconds": 0})
    _aged_cases(h)
    first, ran = _load(h, "hq-supervisor")
    assert ran == 1 and "18 h" in first
    _faster(h)
    again, ran = _load(h, "hq-supervisor")
    assert ran == 1 and "18 h" not in again and "2 h" in again
