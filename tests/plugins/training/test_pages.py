"""The training pages through HTTP: courses, the sessions calendar by month, a session with
enrolment, attendance and results, the printable certificate in English and Chinese, a
technician's page with what to renew, revocation with an audited reason, the case panel that
lists who may be dispatched, the user panel ("not on post") and the dashboard widget."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.entities import AuditEvent
from core.services.cases import local_today
from plugins.training import policy
from plugins.training.models import Certification, Course, Participant, TrainingSession
from tests.plugins.training.helpers import (
    certify,
    course,
    inspected_case,
    session_of,
    user_id,
)
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["training"])


def test_create_a_course_and_see_it_listed(h: Harness) -> None:
    manager = h.client("hq-manager")
    response = manager.form("/training/courses", {
        "code": "dsp-201", "title": "DSP amplifiers", "title_zh": "数字功放",
        "product_line": "", "model_codes": "DA800, pa4800", "pass_mark": "75",
        "validity_months": "12"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    with h.session() as session:
        row = session.scalars(select(Course).where(Course.code == "DSP-201")).one()
        assert row.models == ("DA800", "PA4800") and row.validity_months == 12
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "training_course")).first() is not None
    page = h.client("hq-supervisor").get("/training/courses")
    assert page.status_code == 200 and "DSP-201" in page.text and "12 months" in page.text
    assert 'action="/training/courses"' not in page.text  # no form without training.manage


def test_course_form_shows_every_error(h: Harness) -> None:
    course(h, "AMP-101")
    response = h.client("hq-manager").form("/training/courses", {
        "code": "AMP-101", "title": "", "product_line": "", "model_codes": "ZZ1",
        "pass_mark": "120", "validity_months": "0"})
    assert response.status_code == 400
    for text in ("is taken", "Title is required", "Unknown model: ZZ1",
                 "score out of 100", "at least 1"):
        assert text in response.text, text
    assert h.client("hq-supervisor").form("/training/courses", {
        "code": "X"}).status_code == 403


def test_edit_a_course(h: Harness) -> None:
    cid = course(h, "AMP-101")
    manager = h.client("hq-manager")
    assert "AMP-101" in manager.get(f"/training/courses/{cid}").text
    response = manager.form(f"/training/courses/{cid}", {
        "code": "AMP-101", "title": "Amplifiers II", "product_line": "amplifier",
        "pass_mark": "80", "active": "on"}, follow_redirects=False)
    assert response.status_code == 303
    with h.session() as session:
        assert session.get(Course, cid).pass_mark == 80


def test_sessions_calendar_by_month_and_scheduling(h: Harness) -> None:
    cid = course(h, "AMP-101")
    manager = h.client("hq-manager")
    response = manager.form("/training/sessions", {
        "course_id": str(cid), "kind": "scheduled", "trainer": "Chen Gong",
        "place": "Shanghai office", "starts_on": "2027-03-30", "ends_on": "2027-04-02",
        "capacity": "8", "for_region": "EAST"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    march = h.client("east-tech").get("/training/sessions?month=2027-03")
    assert march.status_code == 200 and "Shanghai office" in march.text
    assert "Chen Gong" in march.text and "EAST" in march.text
    april = h.client("east-tech").get("/training/sessions?month=2027-04")
    assert "Shanghai office" in april.text
    may = h.client("east-tech").get("/training/sessions?month=2027-05")
    assert "Shanghai office" not in may.text and "No training sessions this month" in may.text
    assert 'href="/training/sessions?month=2027-04"' in may.text  # previous month
    assert h.client("east-tech").get("/training/sessions?month=March").status_code == 400
    this_month = h.client("hq-manager").get("/training/sessions")
    assert date.today().strftime("%Y-%m") in this_month.text


def test_schedule_errors_and_ad_hoc_default_today(h: Harness) -> None:
    cid = course(h, "AMP-101")
    manager = h.client("hq-manager")
    bad = manager.form("/training/sessions", {"course_id": str(cid), "trainer": "",
                                               "starts_on": "2027-01-05",
                                               "ends_on": "2027-01-01"})
    assert bad.status_code == 400
    assert "Trainer is required" in bad.text and "on or after its first day" in bad.text
    assert "Place is required" in bad.text
    adhoc = manager.form("/training/sessions", {"course_id": str(cid), "kind": "ad_hoc",
                                                 "trainer": "Chen Gong", "online": "on"},
                         follow_redirects=False)
    assert adhoc.status_code == 303
    with h.session() as session:
        row = session.scalars(select(TrainingSession)).one()
        # "today" is the instance's calendar day (its time zone), not the machine's
        today = local_today(h.app.state.settings)
        assert row.online and row.kind == "ad_hoc" and row.starts_on == today


def test_enrol_attend_and_record_results_issue_a_certificate(h: Harness) -> None:
    sid = session_of(h, course(h, "AMP-101", pass_mark=70), capacity=2)
    manager = h.client("hq-manager")
    for login in ("hq-tech", "east-tech"):
        enrolled = manager.form(f"/training/sessions/{sid}/enrol",
                                {"user_id": str(user_id(h, login))}, follow_redirects=False)
        assert enrolled.status_code == 303, enrolled.text
    full = manager.form(f"/training/sessions/{sid}/enrol", {"user_id": str(user_id(h,
                                                                              "sw-tech"))})
    assert full.status_code == 409 and "The session is full (2 places)" in full.text
    not_a_tech = manager.form(f"/training/sessions/{sid}/enrol",
                              {"user_id": str(user_id(h, "hq-clerk"))})
    assert not_a_tech.status_code in (400, 409) and "not an active technician" in \
        not_a_tech.text
    with h.session() as session:
        rows = {p.user.login: p.id for p in session.scalars(select(Participant))}
    attended = manager.form(f"/training/sessions/{sid}/attendance",
                            {f"attended_{rows['hq-tech']}": "on"}, follow_redirects=False)
    assert attended.status_code == 303
    bad = manager.form(f"/training/sessions/{sid}/results",
                       {f"score_{rows['hq-tech']}": "abc"})
    assert bad.status_code == 400 and "whole number from 0 to 100" in bad.text
    done = manager.form(f"/training/sessions/{sid}/results", {
        f"score_{rows['hq-tech']}": "88", f"score_{rows['east-tech']}": "50"})
    assert done.status_code == 200
    assert "2 result(s) recorded." in done.text and "Certificates issued: TC-HQ-" in done.text
    with h.session() as session:
        by_login = {p.user.login: p for p in session.scalars(select(Participant))}
        assert by_login["hq-tech"].passed and by_login["hq-tech"].attended
        assert by_login["east-tech"].passed is False and by_login["east-tech"].attended
        cert = session.scalars(select(Certification)).one()
        assert cert.user.login == "hq-tech" and cert.score == 88
    page = manager.get(f"/training/sessions/{sid}")
    assert cert.number in page.text and "passed" in page.text and "failed" in page.text


def test_session_for_a_region_takes_only_its_technicians(h: Harness) -> None:
    sid = session_of(h, course(h), for_region="EAST")
    manager = h.client("hq-manager")
    page = manager.get(f"/training/sessions/{sid}")
    assert "east-tech" in page.text and "(sw-tech" not in page.text
    refused = manager.form(f"/training/sessions/{sid}/enrol",
                           {"user_id": str(user_id(h, "sw-tech"))})
    assert refused.status_code == 400 and "for the technicians of EAST" in refused.text


def test_results_wait_for_the_session_to_start(h: Harness) -> None:
    sid = session_of(h, course(h), date.today() + timedelta(days=3))
    manager = h.client("hq-manager")
    manager.form(f"/training/sessions/{sid}/enrol", {"user_id": str(user_id(h, "hq-tech"))})
    page = manager.get(f"/training/sessions/{sid}")
    assert "recorded once the session has started" in page.text
    assert 'name="score_' not in page.text


def test_other_regions_participants_are_hidden(h: Harness) -> None:
    sid = session_of(h, course(h))
    for login in ("east-tech", "sw-tech"):
        certify_in(h, sid, login)
    east = h.client("east-supervisor").get(f"/training/sessions/{sid}")
    assert east.status_code == 200
    assert "east-tech" in east.text and "sw-tech" not in east.text
    with h.session() as session:
        sw_cert = session.scalars(select(Certification).join(Certification.user).where(
            Certification.user_id == user_id(h, "sw-tech"))).one()
    client = h.client("east-supervisor")
    assert client.get(f"/training/certificates/{sw_cert.id}").status_code == 404
    assert client.get(f"/training/technicians/{user_id(h, 'sw-tech')}").status_code == 404
    listing = client.get("/training/technicians")
    assert "east-tech" in listing.text and "sw-tech" not in listing.text


def certify_in(h: Harness, sid: int, login: str, score: int = 90) -> None:
    response = h.client().post("/api/v1/training/results", json={
        "session_id": sid, "login": login, "score": score},
        headers=_bearer(h, "hq-manager"))
    assert response.status_code == 201, response.text


def _bearer(h: Harness, login: str) -> dict[str, str]:
    from tests.core.desk_helpers import bearer

    return bearer(h, login)


def test_certificate_prints_in_english_and_chinese(h: Harness) -> None:
    cert = certify(h, "hq-tech")
    client = h.client("hq-tech")
    both = client.get(f"/training/certificates/{cert.id}")
    assert both.status_code == 200
    for text in ("Certificate of after-sales training", "售后服务培训合格证书", cert.number,
                 "Chen Jie", "AMP-101 course", "AMP-101 课程", "Valid until", "有效期至",
                 f"{cert.expires_on.year}年{cert.expires_on.month}月{cert.expires_on.day}日",
                 "P-1"):
        assert text in both.text, text
    english = client.get(f"/training/certificates/{cert.id}?lang=en").text
    assert "Certificate of after-sales training" in english and "合格证书" not in english
    chinese = client.get(f"/training/certificates/{cert.id}?lang=zh_CN").text
    assert "售后服务培训合格证书" in chinese
    assert "Certificate of after-sales training" not in chinese
    assert "REVOKED" not in both.text


def test_revoke_with_a_reason_is_audited(h: Harness) -> None:
    cert = certify(h, "hq-tech")
    manager = h.client("hq-manager")
    missing = manager.form(f"/training/certificates/{cert.id}/revoke", {"reason": " "})
    assert missing.status_code == 400 and "Reason is required" in missing.text
    assert h.client("hq-supervisor").form(f"/training/certificates/{cert.id}/revoke",
                                          {"reason": "x"}).status_code == 403
    done = manager.form(f"/training/certificates/{cert.id}/revoke",
                        {"reason": "Exam irregularity"}, follow_redirects=False)
    assert done.status_code == 303
    with h.session() as session:
        row = session.get(Certification, cert.id)
        assert row.revoked_at is not None and row.status == "revoked"
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "training_certification",
            AuditEvent.action == "revoke")).one()
        assert event.user_login == "hq-manager"
        assert event.after["reason"] == "Exam irregularity"
    printed = manager.get(f"/training/certificates/{cert.id}").text
    assert "REVOKED" in printed and "已撤销" in printed and "Exam irregularity" in printed
    again = manager.form(f"/training/certificates/{cert.id}/revoke", {"reason": "twice"})
    assert again.status_code == 409


def test_technician_page_shows_certificates_and_what_to_renew(h: Harness) -> None:
    soon = certify(h, "hq-tech", issued=date.today() - timedelta(days=340), months=12)
    certify(h, "hq-tech", code="MIX-101", line="mixer")
    client = h.client("hq-tech")
    mine = client.get("/training/me", follow_redirects=False)
    assert mine.status_code == 303
    assert mine.headers["location"] == f"/training/technicians/{user_id(h, 'hq-tech')}"
    page = client.get(mine.headers["location"])
    assert "on post" in page.text and soon.number in page.text
    renew = re.search(r'<section class="card" id="renew">(.*?)</section>', page.text, re.S)
    assert renew and "AMP-101" in renew.group(1) and "MIX-101" not in renew.group(1)
    days = (soon.expires_on - date.today()).days
    assert f"(in {days} days)" in renew.group(1)


def test_case_panel_lists_eligible_first_with_expiry_and_others_with_reasons(
        h: Harness) -> None:
    cert = certify(h, "hq-tech")
    with h.session() as session:
        from core.entities import Role, User
        from core.security.passwords import Passwords

        technician = session.get(Role, "technician")
        base = session.scalars(select(User).where(User.login == "hq-tech")).one()
        session.add(User(login="hq-tech2", display_name="Aaron Novice",
                         password_hash=Passwords(h.settings.security).hash("x" * 12),
                         service_point_id=base.service_point_id, region_id=base.region_id,
                         roles=[technician]))
        session.commit()
    cid = inspected_case(h)
    page = h.client("hq-supervisor").get(f"/desk/cases/{cid}")
    assert f"/training/cases/{cid}/technicians" in page.text
    panel = h.client("hq-supervisor").get(f"/training/cases/{cid}/technicians",
                                          headers={"HX-Request": "true"})
    assert panel.status_code == 200 and "<html" not in panel.text
    text = panel.text
    assert text.index("Chen Jie") < text.index("Aaron Novice")  # eligible first
    assert f"certificate {cert.number}, valid until" in text
    assert "no certification at all" in text
    closed = h.client("east-supervisor").get(f"/training/cases/{cid}/technicians")
    assert closed.status_code == 404


def test_user_panel_shows_not_on_post(h: Harness) -> None:
    uid = user_id(h, "hq-tech")
    admin_page = h.client("hq-admin").get(f"/admin/users/{uid}")
    assert admin_page.status_code == 200
    assert f"/training/users/{uid}/panel" in admin_page.text  # the user admin's panel
    panel = h.client("hq-admin").get(f"/training/users/{uid}/panel")
    assert panel.status_code == 200 and "not on post" in panel.text
    certify(h, "hq-tech")
    after = h.client("hq-admin").get(f"/training/users/{uid}/panel")
    assert "not on post" not in after.text and "on post" in after.text
    clerk_id = user_id(h, "hq-clerk")
    with h.session() as session:
        from core.entities import User

        tech = session.get(User, uid)
        clerk = session.get(User, clerk_id)
        # training's own panels (core adds a sign-in sessions panel to every user)
        def training_panels(user: User) -> list[str]:
            answers = h.app.state.pm.hook.detail_panels(entity="user", obj=user, request=None)
            return [p.url for a in answers for p in a if p.url.startswith("/training/")]

        assert training_panels(tech) == [f"/training/users/{uid}/panel"]
        assert training_panels(clerk) == []


def test_widget_lists_certificates_expiring_within_30_days(h: Harness) -> None:
    soon = certify(h, "hq-tech", issued=date.today() - timedelta(days=350), months=12)
    later = certify(h, "east-tech", code="MIX-101", line="mixer")
    dashboard = h.client("hq-manager").get("/")
    assert "/training/widgets/expiring" in dashboard.text
    widget = h.client("hq-manager").get("/training/widgets/expiring").text
    assert soon.number in widget and later.number not in widget
    east = h.client("east-supervisor").get("/training/widgets/expiring").text
    assert soon.number not in east and "No certification expires" in east
    # renewed: a newer certificate of the same course takes it off the list
    certify(h, "hq-tech")
    assert soon.number not in h.client("hq-manager").get("/training/widgets/expiring").text
    assert policy.EXPIRING_DAYS == 30
