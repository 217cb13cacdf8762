"""A case history line written as a message id with parameters reads in each reader's language
(issue 18 item 1; ``record_case_event`` in the plugin API 1.2)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import CaseEvent
from core.errors import Message, Term, message_from_json, message_to_json
from core.i18n import N_
from core.plugin_api import record_case_event
from tests.core.desk_helpers import bearer, new_case
from tests.support import Harness

#: a message id of core's catalogue with a parameter (plugins pass their own)
OWED = N_("Only %(amount)s is outstanding on this case.")


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def test_parameters_survive_json_with_nested_messages_and_terms() -> None:
    params = {"amount": Message(OWED, {"amount": "1.00"}), "state": Term("Repaired"), "n": 3}
    assert message_from_json(message_to_json(params)) == params


def test_a_history_note_reads_in_english_and_in_chinese(h: Harness) -> None:
    case = new_case(h, bearer(h, "sw-clerk"))  # sw-clerk reads Chinese (demo data)
    with h.session() as session:
        record_case_event(session, case["id"], None, "test", Message(OWED, {"amount": "5.00"}))
        plain = record_case_event(session, case["id"], None, "test", "Handled by Mr Zhou")
        session.commit()
        assert session.scalars(select(CaseEvent).where(CaseEvent.id == plain.id)
                               ).one().note_text() == "Handled by Mr Zhou"
    english = h.client().get(f"/api/v1/cases/{case['id']}", headers=bearer(h, "sw-clerk"))
    notes = [e["note"] for e in english.json()["events"]]
    assert "Only 5.00 is outstanding on this case." in notes  # the API speaks English
    chinese = h.client("sw-clerk").get(f"/desk/cases/{case['id']}").text
    assert "5.00" in chinese and "is outstanding" not in chinese
    assert "%(amount)s" not in chinese and "Handled by Mr Zhou" in chinese
    assert "is outstanding" in h.client("hq-admin").get(f"/desk/cases/{case['id']}").text
    unit = h.client("sw-clerk").get(f"/desk/units/{case['unit']['body_code']}")
    assert unit.status_code == 200  # the unit's timeline shows the note in the reader's language
    assert "5.00" in unit.text and "is outstanding" not in unit.text and "%(" not in unit.text
