"""The API for call backs (list, done with a note) and for a complaint's wait for the customer
and resume (issue 16 item 2), on SQLite and PostgreSQL: in the OpenAPI document with their
permission, region-scoped (another region's row is a 404), keyset pages, and the same request
sent five times at once to a live server takes effect once (one API token per client, as in
tests/core/test_one_writer.py), the others a 409."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.entities import AuditEvent, ServiceCase
from plugins.feedback import services
from plugins.feedback.models import Callback, Complaint, Survey
from tests.live import fire
from tests.plugins.feedback.helpers import bearer, closed_case, departments, new_case, survey_token
from tests.support import Harness

PARALLEL = 5


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    harness = make_app(plugins=["feedback"])
    departments(harness)
    return harness


def _audits(h: Harness, entity: str, entity_id: int, action: str) -> int:
    with h.session() as session:
        return int(session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id),
            AuditEvent.action == action)) or 0)


def _low_score_callback(h: Harness) -> int:
    cid = closed_case(h)
    answered = h.client().post(f"/s/{survey_token(h, cid)}",
                               data={"csat": "1", "nps": "2", "comment": "Rude"})
    assert answered.status_code == 200
    with h.session() as session:
        return int(session.scalars(select(Callback.id)).one())


def test_callback_api_lists_scoped_and_is_done_once(h: Harness) -> None:
    cb_id = _low_score_callback(h)
    boss = bearer(h, "hq-supervisor")
    listed = h.client().get("/api/v1/feedback/callbacks", headers=boss)
    assert listed.status_code == 200, listed.text
    item = listed.json()["items"][0]
    assert (item["id"], item["state"], item["csat"], item["comment"], item["owner"]) == (
        cb_id, "open", 1, "Rude", "hq-supervisor")
    assert listed.json()["next"] is None
    assert h.client().get("/api/v1/feedback/callbacks?mine=1",
                          headers=bearer(h, "hq-clerk")).json()["items"] == []
    assert h.client().get("/api/v1/feedback/callbacks?state=nonsense",
                          headers=boss).status_code == 422
    # region scope: the south-west sees none and cannot finish the east's
    sw = bearer(h, "sw-supervisor")
    assert h.client().get("/api/v1/feedback/callbacks", headers=sw).json()["items"] == []
    assert h.client().post(f"/api/v1/feedback/callbacks/{cb_id}/done", headers=sw,
                           json={"note": "x"}).status_code == 404
    # permission: a technician sees call backs but does not finish them
    assert h.client().post(f"/api/v1/feedback/callbacks/{cb_id}/done",
                           headers=bearer(h, "hq-tech"), json={"note": "x"}).status_code == 403
    empty = h.client().post(f"/api/v1/feedback/callbacks/{cb_id}/done", headers=boss,
                            json={"note": ""})
    assert empty.status_code == 422 and "note" in empty.json()["error"]["fields"]
    done = h.client().post(f"/api/v1/feedback/callbacks/{cb_id}/done", headers=boss,
                           json={"note": "Apologised"})
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["note"], done.json()["done_by"]) == (
        "done", "Apologised", "hq-supervisor")
    again = h.client().post(f"/api/v1/feedback/callbacks/{cb_id}/done", headers=boss,
                            json={"note": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"
    assert h.client().get("/api/v1/feedback/callbacks?state=done",
                          headers=boss).json()["items"][0]["note"] == "Apologised"


def test_callback_pages_are_keyset(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    clerk = bearer(h, "hq-clerk")
    case_ids = [int(new_case(h, clerk)["id"]) for _ in range(3)]
    with h.session() as session:
        for n, case_id in enumerate(case_ids):
            case = session.get(ServiceCase, case_id)
            now = services.utcnow()
            survey = Survey(case_id=case.id, token_hash=f"k{n}", model_code="PA2400",
                            service_point_id=case.service_point_id, created_at=now,
                            expires_at=now + timedelta(days=30), answered_at=now, csat=1,
                            nps=1, region_id=case.region_id, callback_needed=True)
            session.add(survey)
            session.flush()
            session.add(Callback(survey_id=survey.id, case_id=case.id,
                                 service_point_id=case.service_point_id, state="open",
                                 due_on=now.date() + timedelta(days=3 - n),
                                 region_id=case.region_id))
        session.commit()
        expected = [c.id for c in session.scalars(
            select(Callback).order_by(Callback.due_on, Callback.id))]
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    boss = bearer(h, "hq-supervisor")
    first = h.client().get("/api/v1/feedback/callbacks", headers=boss).json()
    assert [c["id"] for c in first["items"]] == expected[:2] and first["next"]
    second = h.client().get(f"/api/v1/feedback/callbacks?after={first['next']}",
                            headers=boss).json()
    assert [c["id"] for c in second["items"]] == expected[2:] and second["next"] is None
    bad = h.client().get("/api/v1/feedback/callbacks?after=yesterday", headers=boss)
    assert bad.status_code == 422 and "after" in bad.json()["error"]["fields"]


def test_wait_and_resume_through_the_api(h: Harness) -> None:
    clerk = bearer(h, "hq-clerk")
    made = h.client().post("/api/v1/feedback/complaints", headers=clerk, json={
        "subject": "Hum", "body": "b", "contact_name": "Li", "contact_phone": "1"})
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    waiting = h.client().post(f"/api/v1/feedback/complaints/{cid}/wait", headers=clerk)
    assert waiting.status_code == 200, waiting.text
    assert waiting.json()["waiting_since"] and waiting.json()["sla"]["response"] == "paused"
    assert h.client().post(f"/api/v1/feedback/complaints/{cid}/wait",
                           headers=clerk).status_code == 409
    assert h.client().post(f"/api/v1/feedback/complaints/{cid}/resume",
                           headers=bearer(h, "sw-clerk")).status_code == 404  # region
    assert h.client().post(f"/api/v1/feedback/complaints/{cid}/resume",
                           headers=bearer(h, "hq-tech")).status_code == 403
    resumed = h.client().post(f"/api/v1/feedback/complaints/{cid}/resume", headers=clerk)
    assert resumed.status_code == 200 and resumed.json()["waiting_since"] is None
    assert resumed.json()["sla"]["response"] == "running"
    again = h.client().post(f"/api/v1/feedback/complaints/{cid}/resume", headers=clerk)
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"


def test_the_new_operations_are_in_the_openapi_document(h: Harness) -> None:
    doc = h.client().get("/api/v1/openapi.json", headers=bearer(h, "hq-clerk")).json()
    paths = doc["paths"]
    assert paths["/api/v1/feedback/callbacks"]["get"]["x-permission"] == "feedback.view"
    done = paths["/api/v1/feedback/callbacks/{callback_id}/done"]["post"]
    assert done["x-permission"] == "feedback.handle"
    for action in ("wait", "resume"):
        operation = paths[f"/api/v1/feedback/complaints/{{complaint_id}}/{action}"]["post"]
        assert operation["x-permission"] == "feedback.handle"


def test_parallel_done_and_parallel_wait_take_effect_once(
        h: Harness, live_app: Callable[..., tuple[Harness, str]]) -> None:
    cb_id = _low_score_callback(h)
    clerk = bearer(h, "hq-clerk")
    cid = h.client().post("/api/v1/feedback/complaints", headers=clerk, json={
        "subject": "Hum", "body": "b", "contact_name": "Li", "contact_phone": "1"}).json()["id"]
    _, base_url = live_app(h)
    bosses = [bearer(h, "hq-supervisor") for _ in range(PARALLEL)]  # one token per client
    answers = fire(PARALLEL, lambda client, i: client.post(
        f"/api/v1/feedback/callbacks/{cb_id}/done", headers=bosses[i],
        json={"note": f"call {i}"}), base_url)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * (PARALLEL - 1), [a.text[:200] for a in answers]
    winner = next(i for i, a in enumerate(answers) if a.status_code == 200)
    with h.session() as session:
        assert session.get(Callback, cb_id).note == f"call {winner}"
    assert _audits(h, "feedback_callback", cb_id, "done") == 1
    for action in ("wait", "resume"):
        answers = fire(PARALLEL, lambda client, i, action=action: client.post(
            f"/api/v1/feedback/complaints/{cid}/{action}", headers=bosses[i]), base_url)
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] + [409] * (PARALLEL - 1), [a.text[:200] for a in answers]
        assert _audits(h, "feedback_complaint", cid, action) == 1
    with h.session() as session:
        assert session.get(Complaint, cid).waiting_since is None
