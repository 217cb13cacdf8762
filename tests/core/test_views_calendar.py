"""Issue 18, item 6: the calendar, a month grid of on-site visits (P-7) and training sessions
(the training plugin's answer to ``calendar_entries``; core imports no plugin)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from core.entities import ServiceCase, User
from core.hooktypes import CalendarEntry
from core.manifest import hookimpl
from tests.core.test_desk_pages_cases import open_cases
from tests.support import Harness


def _day(html: str, day: str) -> str:
    match = re.search(rf'<td data-day="{day}".*?</td>', html, re.S)
    assert match, day
    return match.group(0)


def _onsite(h: Harness, case_id: int, start: datetime, end: datetime) -> None:
    with h.session() as session:
        case = session.get(ServiceCase, case_id)
        case.onsite_from, case.onsite_to = start, end
        case.onsite_address = "Hall 2, Canton Fair"
        case.technician_id = session.scalars(select(User.id).where(
            User.login == "hq-tech")).one()
        session.commit()


def test_calendar_shows_onsite_visits_in_the_instance_zone(
        make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app(plugins=[])
    [one, two] = open_cases(h, 2)
    [east] = open_cases(h, 1, login="east-clerk", start=9)
    # 17:30 UTC on 14 Dec is 01:30 on 15 Dec in Shanghai; the visit lasts into the 16th
    _onsite(h, one, datetime(2026, 12, 14, 17, 30, tzinfo=UTC),
            datetime(2026, 12, 16, 3, 0, tzinfo=UTC))
    _onsite(h, east, datetime(2026, 12, 3, 2, 0, tzinfo=UTC),
            datetime(2026, 12, 3, 4, 0, tzinfo=UTC))
    client = h.client("hq-supervisor")
    html = client.get("/desk/calendar?month=2026-12").text
    assert 'href="/desk/calendar"' in client.get("/").text  # menu entry
    assert f"SC-{one:06d}" not in _day(html, "2026-12-14")
    for day in ("2026-12-15", "2026-12-16"):
        assert f'href="/desk/cases/{one}"' in _day(html, day)
    assert "01:30" in _day(html, "2026-12-15")
    assert f"SC-{two:06d}" not in html  # no visit
    assert f"SC-{east:06d}" in _day(html, "2026-12-03")
    # the grid is whole weeks, Monday first: 30 Nov 2026 is a Monday
    assert re.findall(r'data-day="([\d-]+)"', html)[0] == "2026-11-30"
    assert "month=2026-11" in html and "month=2027-01" in html
    # region scope: East sees its own visit only
    east_html = h.client("east-supervisor").get("/desk/calendar?month=2026-12").text
    assert f"SC-{east:06d}" in east_html and f"SC-{one:06d}" not in east_html
    assert client.get("/desk/calendar?month=2026-13").status_code == 400


class Fairs:
    @hookimpl
    def calendar_entries(self, session: Any, start: date, end: date) -> list[CalendarEntry]:
        assert (start, end) == (date(2026, 11, 30), date(2027, 1, 3))
        return [CalendarEntry(date(2026, 12, 8), date(2026, 12, 9), "fairs.show",
                              "Prolight Guangzhou", url="/fairs/1", detail="Booth 3.2",
                              source="fairs")]


def test_hook_calendar_entries(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    h.app.state.pm.register(Fairs(), name="fairs")
    html = h.client("hq-clerk").get("/desk/calendar?month=2026-12").text
    for day in ("2026-12-08", "2026-12-09"):
        cell = _day(html, day)
        assert 'data-kind="fairs.show"' in cell and 'href="/fairs/1"' in cell
        assert "Prolight Guangzhou" in cell and 'title="Booth 3.2"' in cell
    assert "Prolight" not in _day(html, "2026-12-10")


def test_training_sessions_are_on_the_calendar(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["training"])
    from plugins.training import services as training

    with h.session() as session:
        admin = session.scalars(select(User).where(User.login == "hq-admin")).one()
        course = training.create_course(session, {
            "code": "AMP-101", "title": "Amplifier service", "title_zh": "功放维修",
            "product_line": "amplifier", "pass_mark": "70", "validity_months": "24"})
        ts = training.create_session(session, admin, {
            "course_id": str(course.id), "trainer": "Li Wei", "place": "Guangzhou",
            "starts_on": "2026-12-21", "ends_on": "2026-12-22", "capacity": "10"},
            today=date(2026, 12, 1))
        session.commit()
        ts_id = ts.id
    html = h.client("hq-supervisor").get("/desk/calendar?month=2026-12").text
    cell = _day(html, "2026-12-22")
    assert 'data-kind="training.session"' in cell and f"/training/sessions/{ts_id}" in cell
    assert "AMP-101" in cell
