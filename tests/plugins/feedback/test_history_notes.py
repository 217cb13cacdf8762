"""Feedback's lines in a case's history and on a unit's timeline are message ids with
parameters (``record_case_event(..., Message(...))``, a ``Message`` timeline detail), so a
Chinese reader reads them in Chinese and an English reader in English (issue 16 item 4)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import CaseEvent, ServiceCase
from plugins.feedback.models import FollowUp
from tests.plugins.feedback.helpers import bearer, closed_case, survey_token
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["feedback"], plugin={"feedback": {"followup_days": [3]}})


def test_follow_up_and_survey_lines_read_in_the_readers_language(h: Harness) -> None:
    cid = closed_case(h, clerk="sw-clerk", tech="sw-tech")  # sw-clerk reads Chinese
    assert h.client().post(f"/s/{survey_token(h, cid)}",
                           data={"csat": "4", "nps": "9", "comment": "Fast"}).status_code == 200
    auth = bearer(h, "sw-clerk")
    visit = h.client().get("/api/v1/feedback/followups", headers=auth).json()["items"][0]
    answer = h.client().post(f"/api/v1/feedback/followups/{visit['id']}", headers=auth,
                             json={"method": "phone", "outcome": "problem",
                                   "note": "Hum again"})
    assert answer.status_code == 200, answer.text
    with h.session() as session:
        new_id = session.get(FollowUp, visit["id"]).new_case_id
        old, new = session.get(ServiceCase, cid), session.get(ServiceCase, new_id)
        stored = session.scalars(select(CaseEvent).where(CaseEvent.case_id == cid,
                                                         CaseEvent.kind == "linked")).one()
        assert stored.note == "Follow-up found a problem: %(reference)s"  # the message id
        body_code = old.unit.body_code
    chinese = h.client("sw-clerk").get(f"/desk/cases/{cid}").text
    assert f"回访发现问题：{new.reference}" in chinese and "found a problem" not in chinese
    assert f"在 {old.reference} 结案后 3 天回访时开立" in h.client("sw-clerk").get(
        f"/desk/cases/{new_id}").text
    english = h.client("hq-admin").get(f"/desk/cases/{cid}").text
    assert f"Follow-up found a problem: {new.reference}" in english
    events = h.client().get(f"/api/v1/cases/{new_id}", headers=auth).json()["events"]
    assert f"Opened at the 3-day follow-up of {old.reference}" in [e["note"] for e in events]
    unit = h.client("sw-clerk").get(f"/desk/units/{body_code}")
    assert unit.status_code == 200
    assert "结案后 3 天，电话：发现问题 — Hum again" in unit.text, unit.text
    assert f"{old.reference}：满意度 4，NPS 9 — Fast" in unit.text
    assert "%(" not in unit.text and "days after close" not in unit.text
    english_unit = h.client("hq-admin").get(f"/desk/units/{body_code}").text
    assert "3 days after close, by phone: problem found — Hum again" in english_unit
    assert f"{old.reference}: CSAT 4, NPS 9 — Fast" in english_unit
