"""T-1 on the unit page: the unit's whole life in time order, merged from core and plugins;
and the dashboard widgets of P-6."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.db import utcnow
from core.entities import Customer, ServiceCase, User
from core.hooktypes import TimelineEntry
from core.manifest import hookimpl
from core.services import catalogue, intake, reports, workflow
from tests.support import Harness

CODE = "PA2400-230115-00007"


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def _user(session: Any, login: str) -> User:
    return session.scalars(select(User).where(User.login == login)).one()


def _intake(h: Harness, session: Any, login: str, code: str, fault: str) -> ServiceCase:
    clerk = _user(session, login)
    return intake.intake(session, h.app.state.pm, actor=clerk,
                         service_point=clerk.service_point, today=date.today(), data={
                             "body_code": code, "model_code": "",
                             "customer": {"name": "Guangzhou Grand Theatre",
                                          "address": "Tianhe", "phone": "020-3839-1000"},
                             "fault_description": fault, "channel": "walk_in"})


class LoanerStandIn:
    """A plugin's moment in the unit's life, to see it merged in order."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    @hookimpl
    def unit_timeline(self, session: Any, unit: Any) -> list[TimelineEntry]:
        return [TimelineEntry(self.at, "loaner.lent", "Loaner lent", "WM100 #3",
                              source="loaner")]


def _kinds(html: str) -> list[str]:
    return re.findall(r'data-kind="([^"]+)"', html)


def test_unit_page_shows_its_life_in_order(desk: Harness) -> None:
    with desk.session() as session:
        owner = Customer(region_id=_user(session, "hq-clerk").region_id, name="Owner Co.",
                         address="Tianhe", phone="1")
        session.add(owner)
        session.flush()
        catalogue.register_unit(session, desk.app.state.pm, body_code=CODE,
                                model_code="PA2400", customer_id=owner.id,
                                sold_on=date(2023, 2, 1))
        first = _intake(desk, session, "hq-clerk", CODE, "Hum")
        first.opened_at = utcnow() - timedelta(days=30)
        session.flush()
        workflow.transition(session, desk.app.state.pm, first, "cancelled",
                            _user(session, "hq-clerk"), {"reason": "Fixed by phone"})
        second = _intake(desk, session, "east-clerk", CODE, "Dead")
        session.commit()
        first_id, second_id = first.id, second.id
    desk.app.state.pm.register(LoanerStandIn(utcnow() - timedelta(days=10)),
                               name="loaner-standin")

    page = desk.client("hq-clerk").get(f"/desk/units/{CODE.lower()}")
    assert page.status_code == 200
    kinds = _kinds(page.text)
    assert kinds == ["made", "sale", "case", "loaner.lent", "case.transition", "case"]
    text = page.text
    assert "15 Jan 2023" in text and "1 Feb 2023" in text and "Owner Co." in text
    assert f'href="/desk/cases/{first_id}"' in text and f'href="/desk/cases/{second_id}"' in text
    assert "Fixed by phone" in text and 'data-source="loaner"' in text
    stamps = re.findall(r'<time datetime="([^"]+)"', text)
    assert stamps == sorted(stamps, key=datetime.fromisoformat)

    east = desk.client("east-clerk").get(f"/desk/units/{CODE}")
    assert east.status_code == 200  # units are shared; cases are the region's
    assert _kinds(east.text) == ["made", "sale", "loaner.lent", "case"]
    assert "Owner Co." not in east.text
    assert desk.client("hq-clerk").get("/desk/units/PA2400-230115-99999").status_code == 404


def test_timeline_hook_entries_sort_by_time() -> None:
    early = TimelineEntry(datetime(2024, 1, 1, tzinfo=UTC), "a", "A")
    late = TimelineEntry(datetime(2025, 1, 1, tzinfo=UTC), "b", "B")

    class PM:
        class hook:  # mimics pluggy's pm.hook
            @staticmethod
            def unit_timeline(session: Any, unit: Any) -> list[list[TimelineEntry]]:
                return [[late], [early], []]

    from core.services.timeline import unit_timeline

    assert unit_timeline(None, PM, None) == [early, late]  # type: ignore[arg-type]


# --- dashboard widgets (P-6) -------------------------------------------------------------


def _aged_cases(h: Harness) -> dict[str, int]:
    """Open cases of several ages and states, and finished ones with known stage times."""
    now = utcnow()
    with h.session() as session:
        tech = _user(session, "hq-tech")
        ids: dict[str, int] = {}
        for n, (name, days) in enumerate((("new", 1), ("week", 5), ("month", 20),
                                          ("old", 45))):
            case = _intake(h, session, "hq-clerk", f"MC58-250101-{n:05d}", name)
            case.opened_at = now - timedelta(days=days, hours=1)
            ids[name] = case.id
        quoted = session.get(ServiceCase, ids["week"])
        workflow.transition(session, h.app.state.pm, quoted, "inspected", tech,
                            {"fault_found": "x", "coverage_class": "B"})
        workflow.transition(session, h.app.state.pm, quoted, "quoted", tech, {})
        for n, (opened, to_dispatch, to_repair, to_return) in enumerate(
                ((10, 24, 48, 12), (12, 12, 24, 6), (60, 4, 8, 2))):
            case = _intake(h, session, "hq-clerk", f"MC58-250102-{n:05d}", "done")
            start = now - timedelta(days=opened)
            case.opened_at = start
            case.dispatched_at = start + timedelta(hours=to_dispatch)
            case.repaired_at = case.dispatched_at + timedelta(hours=to_repair)
            case.returned_at = case.repaired_at + timedelta(hours=to_return)
            case.state = "closed"
        east = _intake(h, session, "east-clerk", "MC58-250103-00001", "east")
        ids["east"] = east.id
        session.commit()
    return ids


def test_turnaround_medians_per_window(desk: Harness) -> None:
    _aged_cases(desk)
    with desk.session() as session:
        [month] = reports.turnaround(session, utcnow(), 30)
        [quarter] = reports.turnaround(session, utcnow(), 90)
    assert month.service_point == "HQ service centre, Guangzhou"
    assert month.medians["intake_dispatch"] == pytest.approx(18)
    assert month.medians["dispatch_repaired"] == pytest.approx(36)
    assert month.medians["total"] == pytest.approx((84 + 42) / 2)
    assert quarter.counts["total"] == 3
    assert quarter.medians["intake_dispatch"] == pytest.approx(12)


def test_dashboard_widgets(desk: Harness) -> None:
    ids = _aged_cases(desk)
    boss = desk.client("hq-supervisor")
    dashboard = boss.get("/").text
    for url in ("/desk/widgets/open-by-state", "/desk/widgets/open-by-age",
                "/desk/widgets/waiting", "/desk/widgets/turnaround"):
        assert f'hx-get="{url}"' in dashboard, url
    htmx = {"HX-Request": "true"}
    by_state = boss.get("/desk/widgets/open-by-state", headers=htmx).text
    assert "<html" not in by_state
    assert re.search(r'data-state="registered">.*?class="count">4<', by_state, re.S)
    assert re.search(r'data-state="quoted">.*?class="count">1<', by_state, re.S)
    by_age = boss.get("/desk/widgets/open-by-age", headers=htmx).text
    counts = re.findall(r'class="count">(\d+)<', by_age)
    assert counts == ["2", "1", "1", "1"]  # 0-2 d (incl. East), 3-7, 8-30, over 30
    waiting = boss.get("/desk/widgets/waiting", headers=htmx).text
    assert f'href="/desk/cases/{ids["week"]}"' in waiting
    turnaround = boss.get("/desk/widgets/turnaround", headers=htmx).text
    assert turnaround.count("<svg") == 2 and "<rect" in turnaround
    assert "18 h" in turnaround and "HQ service centre, Guangzhou" in turnaround
    # a clerk has no reports.view; a regional supervisor counts only the region's cases
    clerk_dashboard = desk.client("hq-clerk").get("/").text
    assert "/desk/widgets/turnaround" not in clerk_dashboard
    east = desk.client("east-supervisor").get("/desk/widgets/open-by-state",
                                              headers=htmx).text
    assert re.search(r'data-state="registered">.*?class="count">1<', east, re.S)
    assert "No case finished a stage" in desk.client("east-supervisor").get(
        "/desk/widgets/turnaround").text
