"""Issue 18: demo cases come in over the last 90 days (not all today) and their history agrees
with the intake date: events in order after it, turnaround moments equal to the transitions'."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from core.cli import cli
from core.db import utcnow
from core.entities import CaseEvent, Payment, ServiceCase
from tests.core.test_cli import env  # noqa: F401  (the fixture)
from tests.support import Harness

MOMENTS = {"dispatched": "dispatched_at", "repaired": "repaired_at",
           "returned": "returned_at", "closed": "closed_at"}


def test_demo_intakes_spread_over_90_days_with_agreeing_events(
        harness: Harness, env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    result = CliRunner().invoke(cli, ["demo"], env=env)
    assert result.exit_code == 0, result.output
    now = utcnow()
    tz = harness.settings.tz
    with harness.session() as session:
        cases = list(session.scalars(select(ServiceCase)))
        days = {c.intake_on for c in cases}
        assert len(days) > 15, days  # spread out, not one day
        assert min(days) >= (now - timedelta(days=91)).date()
        assert any(c.intake_on < (now - timedelta(days=31)).date() for c in cases)
        assert any(c.intake_on > (now - timedelta(days=30)).date() for c in cases)
        for case in cases:
            assert case.opened_at.astimezone(tz).date() == case.intake_on
            events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                          .order_by(CaseEvent.id)))
            assert events[0].kind == "intake" and events[0].at == case.opened_at
            times = [e.at for e in events]
            assert times == sorted(times) and times[-1] <= now
            for event in events:
                if event.kind == "transition" and event.to_state in MOMENTS:
                    assert getattr(case, MOMENTS[event.to_state]) == event.at
        for payment in session.scalars(select(Payment)):
            case = session.get(ServiceCase, payment.case_id)
            assert case.opened_at <= payment.at <= now
