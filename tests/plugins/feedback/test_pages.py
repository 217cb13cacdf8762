"""Consultations (W-5), service bulletins on the case page of affected models (O-4),
departments and routing, dashboard widgets, demo data, and an instance without the plugin."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import ServiceCase
from plugins.feedback.models import Bulletin, Complaint, Consultation, Department
from tests.plugins.feedback.helpers import (
    bearer,
    closed_case,
    departments,
    new_case,
    survey_token,
)
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["feedback"])


def test_consultations_are_logged_searched_and_scoped(h: Harness) -> None:
    clerk = h.client("east-clerk")
    empty = clerk.get("/feedback/consultations")
    assert "No consultations logged." in empty.text
    bad = clerk.form("/feedback/consultations", {"contact_name": "Zhou", "model_code": "ZZ9",
                                                 "topic": "", "question": "?", "answer": ""})
    assert bad.status_code == 400
    for text in ("Unknown model: ZZ9", "Topic is required", "Answer is required"):
        assert text in bad.text, text
    ok = clerk.form("/feedback/consultations", {
        "contact_name": "Zhou", "model_code": "pa2400", "topic": "Bridged mode",
        "question": "4 ohm bridged?", "answer": "No, 8 ohm minimum."}, follow_redirects=False)
    assert ok.status_code == 303
    assert "Bridged mode" in clerk.get("/feedback/consultations?q=bridged").text
    assert "Bridged mode" not in clerk.get("/feedback/consultations?q=fan").text
    assert "Bridged mode" not in h.client("sw-clerk").get("/feedback/consultations").text
    with h.session() as session:
        assert session.scalars(select(Consultation)).one().model_code == "PA2400"


def test_bulletin_shows_on_the_case_page_of_affected_models(h: Harness) -> None:
    cid = new_case(h, bearer(h, "hq-clerk"))["id"]
    other = new_case(h, bearer(h, "hq-clerk"), body_code=None, model_code="MX12")["id"]
    assert h.client("hq-clerk").form("/feedback/bulletins", {
        "kind": "fault", "model_code": "PA2400", "title": "x", "body": "y"}).status_code == 403
    manager = h.client("hq-manager")
    bad = manager.form("/feedback/bulletins", {"kind": "fault", "model_code": "PA2400",
                                               "title": "", "body": "b",
                                               "made_from": "2024-05-01",
                                               "made_to": "2024-01-01"})
    assert bad.status_code == 400 and "ends before it starts" in bad.text
    made = manager.form("/feedback/bulletins", {
        "kind": "fault", "model_code": "PA2400", "title": "Fan bearing wears early",
        "title_zh": "风扇轴承早期磨损", "body": "Replace the fan with part F-220."},
        follow_redirects=False)
    assert made.status_code == 303
    clerk = h.client("sw-clerk")
    assert "风扇轴承早期磨损" in clerk.get("/feedback/bulletins").text  # a Chinese reader
    case_page = h.client("hq-clerk").get(f"/desk/cases/{cid}")
    assert f"/feedback/cases/{cid}/panel" in case_page.text
    panel = h.client("hq-clerk").get(f"/feedback/cases/{cid}/panel")
    assert "Fan bearing wears early" in panel.text
    assert "Fan bearing wears early" not in \
        h.client("hq-clerk").get(f"/feedback/cases/{other}/panel").text
    assert h.client("sw-clerk").get(f"/feedback/cases/{cid}/panel").status_code == 404


def test_departments_widgets_and_menu(h: Harness) -> None:
    assert "No departments yet" in h.client("hq-manager").get("/feedback/departments").text
    saved = h.client("hq-manager").form("/feedback/departments", {
        "code": "qa", "name": "Quality", "name_zh": "质量部", "head_login": "hq-manager",
        "first_response_hours": "4", "resolution_hours": "2"})
    assert saved.status_code == 400 and "before the first response" in saved.text
    assert h.client("hq-manager").form("/feedback/departments", {
        "code": "qa", "name": "Quality", "head_login": "hq-manager",
        "first_response_hours": "4", "resolution_hours": "24"},
        follow_redirects=False).status_code == 303
    with h.session() as session:
        assert session.scalars(select(Department)).one().code == "QA"
    clerk = h.client("hq-clerk")
    home = clerk.get("/")
    assert "/feedback/widgets/sla" in home.text and "/feedback/widgets/visits" in home.text
    assert 'href="/feedback/complaints"' in home.text
    assert "SLA failed" in clerk.get("/feedback/widgets/sla").text
    assert "No follow-up visits due today." in clerk.get("/feedback/widgets/visits").text


def test_complaint_without_departments_is_a_clear_409(h: Harness) -> None:
    answer = h.client().post("/api/v1/feedback/complaints", headers=bearer(h, "hq-clerk"),
                             json={"subject": "s", "body": "b", "contact_name": "n",
                                   "contact_phone": "1"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_department"


def test_demo_data_is_idempotent(h: Harness) -> None:
    for _round in range(2):
        with h.session() as session:
            h.app.state.pm.hook.seed_demo(session=session, settings=h.app.state.settings,
                                          scale=0)
            session.commit()
    with h.session() as session:
        assert len(session.scalars(select(Department)).all()) == 4
        assert len(session.scalars(select(Complaint)).all()) == 1
        assert len(session.scalars(select(Bulletin)).all()) == 1
    assert h.client("hq-clerk").get("/feedback/complaints").status_code == 200


def test_everything_else_works_with_the_plugin_disabled(
        make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app(plugins=["warranty"])
    assert h.client("hq-clerk").get("/feedback/complaints").status_code == 404
    assert h.client().get("/s/anything").status_code == 404
    cid = closed_case(h)
    home = h.client("hq-clerk").get("/")
    assert home.status_code == 200 and "/feedback/" not in home.text
    case_page = h.client("hq-clerk").get(f"/desk/cases/{cid}")
    assert case_page.status_code == 200 and "/feedback/" not in case_page.text


def test_complaint_linked_to_a_closed_case_shows_on_its_panel(h: Harness) -> None:
    departments(h)
    cid = closed_case(h)
    made = h.client().post("/api/v1/feedback/complaints", headers=bearer(h, "hq-clerk"),
                           json={"case_id": cid, "subject": "Still noisy", "body": "b"})
    assert made.status_code == 201
    panel = h.client("hq-clerk").get(f"/feedback/cases/{cid}/panel")
    assert "Still noisy" in panel.text and "sent, not answered yet" in panel.text


def test_unit_page_shows_bulletins_for_its_build_date_and_the_complaint_on_the_timeline(
        h: Harness) -> None:
    departments(h)
    case = new_case(h, bearer(h, "hq-clerk"))  # PA2400 made 2024-03-15
    manager = h.client("hq-manager")
    for title, start, end in (("March batch relay", "2024-03-01", "2024-03-31"),
                              ("June batch fan", "2024-06-01", "2024-06-30")):
        assert manager.form("/feedback/bulletins", {
            "kind": "fault", "model_code": "PA2400", "title": title, "body": "b",
            "made_from": start, "made_to": end}, follow_redirects=False).status_code == 303
    h.client().post("/api/v1/feedback/complaints", headers=bearer(h, "hq-clerk"),
                    json={"case_id": case["id"], "subject": "Relay clicks", "body": "b"})
    with h.session() as session:
        unit_id = session.scalars(select(Complaint.unit_id)).one()
    clerk = h.client("hq-clerk")
    unit_page = clerk.get(f"/desk/units/{case['body_code']}")
    assert f"/feedback/units/{unit_id}/panel" in unit_page.text
    assert "Relay clicks" in unit_page.text  # on the unit's timeline (T-1)
    panel = clerk.get(f"/feedback/units/{unit_id}/panel").text
    assert "March batch relay" in panel and "June batch fan" not in panel


def test_each_service_point_acknowledges_a_bulletin_once_and_hq_sees_its_reach(
        h: Harness) -> None:
    new_case(h, bearer(h, "hq-clerk"))  # registers unit PA2400-240315-00042
    assert h.client("hq-manager").form("/feedback/bulletins", {
        "kind": "fix", "model_code": "PA2400", "title": "Relay", "body": "b",
        "made_from": "2024-01-01"}, follow_redirects=False).status_code == 303
    with h.session() as session:
        bid = session.scalars(select(Bulletin.id)).one()
    east = h.client("east-clerk")
    assert "Acknowledge for my service point" in east.get("/feedback/bulletins").text
    assert east.form(f"/feedback/bulletins/{bid}/ack", follow_redirects=False).status_code \
        == 303
    again = east.form(f"/feedback/bulletins/{bid}/ack")
    assert "already acknowledged" in again.text
    assert "Acknowledged by your service point" in east.get("/feedback/bulletins").text
    assert "代表我的服务网点确认" in h.client("sw-tech").get(
        "/feedback/bulletins").text  # another service point has not yet (in Chinese)
    hq = h.client("hq-manager").get("/feedback/bulletins").text
    assert "1 registered units in the field are affected" in hq
    assert "acknowledged by 1 service point(s)" in hq
    assert h.client("east-clerk").form("/feedback/bulletins/999/ack").status_code == 404


def test_intake_lookup_shows_bulletins_and_usage_notes_and_the_timeline_tells_all(
        h: Harness) -> None:
    """Gaps 5 and 6: typing the body code at intake shows the unit's bulletins and usage
    notes (the feedback panel under the lookup); the unit's timeline has the survey answer,
    the consultation about it and the bulletins that touch it."""
    cid = closed_case(h)  # registers unit PA2400-240315-00042, made 2024-03-15
    with h.session() as session:
        case = session.get(ServiceCase, cid)
        unit_id, body_code = case.unit_id, case.unit.body_code
    manager = h.client("hq-manager")
    for kind, title in (("precaution", "Keep the vents clear"), ("fault", "Relay chatter")):
        assert manager.form("/feedback/bulletins", {
            "kind": kind, "model_code": "PA2400", "title": title, "body": "b",
            "made_from": "2024-01-01"}, follow_redirects=False).status_code == 303
    clerk = h.client("hq-clerk")
    bad = clerk.form("/feedback/consultations", {
        "contact_name": "Zhou", "body_code": "NOPE-1", "topic": "t", "question": "q",
        "answer": "a"})
    assert bad.status_code == 400 and "No unit with this body code" in bad.text
    assert clerk.form("/feedback/consultations", {
        "contact_name": "Zhou", "body_code": body_code.lower(), "topic": "Phantom power",
        "question": "Can I use phantom power on input 2?", "answer": "Yes, 48 V."},
        follow_redirects=False).status_code == 303
    with h.session() as session:
        note = session.scalars(select(Consultation)).one()
        assert note.unit_id == unit_id and note.model_code == "PA2400"
    token = survey_token(h, cid)
    assert h.client().post(f"/s/{token}", data={"csat": "4", "nps": "8",
                                                "comment": "Quick"}).status_code == 200
    lookup = clerk.get(f"/desk/lookup?body_code={body_code}", headers={"hx-request": "true"})
    assert lookup.status_code == 200 and f"/feedback/units/{unit_id}/panel" in lookup.text
    panel = clerk.get(f"/feedback/units/{unit_id}/panel").text
    assert "Keep the vents clear" in panel and "Precaution / usage note" in panel
    assert "Relay chatter" in panel and "Phantom power" in panel
    timeline = clerk.get(f"/desk/units/{body_code}").text
    for text in ("Survey answer", "CSAT 4, NPS 8 — Quick", "Consultation",
                 "Can I use phantom power on input 2?", "Service bulletin", "Keep the vents clear"):
        assert text in timeline, text
