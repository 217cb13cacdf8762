"""Surveys and follow-up visits after a case closes (F-1, T-3), through HTTP on SQLite and
PostgreSQL: the single-use link answered once (also by five requests at the same moment
against a live server), a page load records nothing, the report, follow-ups at the
configured days with a visit list and outcomes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.entities import OutboxMessage, ServiceCase, StaffNotice
from plugins.feedback import policy, questionnaires, services
from plugins.feedback.models import Callback, FollowUp, Survey, SurveyAnswer
from tests.live import fire
from tests.plugins.feedback.helpers import bearer, closed_case, new_case, survey_token
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["feedback"], plugin={"feedback": {"followup_days": [3, 30]}})


def test_closing_a_case_sends_a_survey_and_schedules_the_visits(h: Harness) -> None:
    cid = closed_case(h)
    with h.session() as session:
        case = session.get(ServiceCase, cid)
        closed_on = case.closed_at.astimezone(h.app.state.settings.tz).date()
        visits = session.scalars(select(FollowUp).where(FollowUp.case_id == cid)
                                 .order_by(FollowUp.days)).all()
        assert [(v.days, v.due_on) for v in visits] == [
            (3, closed_on + timedelta(days=3)), (30, closed_on + timedelta(days=30))]
        assert visits[0].technician.login == "hq-tech"
        message = session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "feedback.survey")).one()
        assert message.case_id == cid and not message.essential
    token = survey_token(h, cid)
    public = h.client()
    page = public.get(f"/s/{token}")
    assert page.status_code == 200 and "How was our service?" in page.text
    with h.session() as session:  # a page load (a mail scanner) records nothing
        assert session.scalars(select(Survey)).one().answered_at is None
    bad = public.post(f"/s/{token}", data={"csat": "9", "nps": "3"})
    assert bad.status_code == 400 and "Choose 1 to 5" in bad.text
    done = public.post(f"/s/{token}", data={"csat": "2", "nps": "3", "comment": "Slow"})
    assert done.status_code == 200 and "call you back" in done.text
    again = public.post(f"/s/{token}", data={"csat": "5", "nps": "10"})
    assert again.status_code == 404 and "not valid any more" in again.text
    assert public.get(f"/s/{token}").status_code == 404
    assert public.get("/s/not-a-token").status_code == 404
    with h.session() as session:
        survey = session.scalars(select(Survey)).one()
        assert (survey.csat, survey.nps, survey.comment) == (2, 3, "Slow")
        assert survey.callback_needed and survey.model_code == "PA2400"
    report = h.client("hq-supervisor").get("/feedback/surveys")
    assert report.status_code == 200 and "Call back these customers" in report.text
    assert 'id="nps-total">-100<' in report.text
    widget = h.client("hq-supervisor").get("/feedback/widgets/nps")
    assert "<td>-100</td>" in widget.text
    assert "No survey answers yet." in h.client("sw-supervisor").get(
        "/feedback/widgets/nps").text.replace("尚无问卷答复。", "No survey answers yet.")
    api = h.client().get("/api/v1/feedback/surveys", headers=bearer(h, "hq-supervisor"))
    assert api.json()["answered"] == 1 and api.json()["nps"] == -100


def test_visit_list_and_outcome(h: Harness) -> None:
    cid = closed_case(h)
    tech = h.client("hq-tech")
    assert "No follow-up visits here" in tech.get("/feedback/followups").text  # none due yet
    listed = tech.get("/feedback/followups?all=1")
    assert listed.text.count("days after close") == 2
    auth = bearer(h, "hq-clerk")
    visits = h.client().get("/api/v1/feedback/followups", headers=auth).json()["items"]
    assert [v["days"] for v in visits] == [3, 30] and visits[0]["case_id"] == cid
    vid = visits[0]["id"]
    missing_note = h.client("hq-clerk").form(f"/feedback/followups/{vid}", {
        "method": "phone", "outcome": "problem", "note": ""})
    assert missing_note.status_code == 400 and "Note is required" in missing_note.text
    ok = h.client().post(f"/api/v1/feedback/followups/{vid}", headers=auth,
                         json={"method": "onsite", "outcome": "satisfied"})
    assert ok.status_code == 200 and ok.json()["state"] == "done"
    twice = h.client().post(f"/api/v1/feedback/followups/{vid}", headers=auth,
                            json={"method": "onsite", "outcome": "satisfied"})
    assert twice.status_code == 409
    assert h.client().post(f"/api/v1/feedback/followups/{vid}", headers=bearer(h, "sw-clerk"),
                           json={"method": "onsite", "outcome": "satisfied"}).status_code == 404


def test_the_job_schedules_visits_missed_while_the_plugin_was_off(h: Harness) -> None:
    cid = closed_case(h)
    with h.session() as session:
        for visit in session.scalars(select(FollowUp)):
            session.delete(visit)
        session.commit()
    job = h.app.state.registry.jobs["feedback.followups"]
    with h.app.state.sessionmaker() as session:
        from core.db import utcnow

        assert job.run(session, h.app.state.settings, utcnow()) == \
            "2 follow-up visit(s) scheduled"
        session.commit()
        assert job.run(session, h.app.state.settings, utcnow()) == \
            "0 follow-up visit(s) scheduled"
    with h.session() as session:
        assert len(session.scalars(select(FollowUp).where(FollowUp.case_id == cid)).all()) == 2


def test_five_parallel_answers_are_recorded_exactly_once(
        live_app: Callable[..., tuple[Harness, str]], h: Harness) -> None:
    cid = closed_case(h)
    token = survey_token(h, cid)
    _, base_url = live_app(h)
    answers = fire(5, lambda client, i: client.post(
        f"/s/{token}", data={"csat": str(1 + i), "nps": str(6 + i)}), base_url)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 404, 404, 404, 404], [a.text[:200] for a in answers]
    winner = next(i for i, a in enumerate(answers) if a.status_code == 200)
    with h.session() as session:
        survey = session.scalars(select(Survey)).one()
        assert (survey.csat, survey.nps) == (1 + winner, 6 + winner)


def test_a_problem_found_at_a_visit_opens_a_new_case_linked_to_the_old(h: Harness) -> None:
    cid = closed_case(h)
    auth = bearer(h, "hq-clerk")
    visits = h.client().get("/api/v1/feedback/followups", headers=auth).json()["items"]
    answer = h.client().post(f"/api/v1/feedback/followups/{visits[1]['id']}", headers=auth,
                             json={"method": "onsite", "outcome": "problem",
                                   "note": "Channel B hums again"})
    assert answer.status_code == 200, answer.text
    with h.session() as session:
        visit = session.get(FollowUp, visits[1]["id"])
        new = session.get(ServiceCase, visit.new_case_id)
        old = session.get(ServiceCase, cid)
        assert new.state == "registered" and new.unit_id == old.unit_id
        assert new.customer_id == old.customer_id and new.channel == "on_site"
        assert new.fault_description == "Channel B hums again"
    old_page = h.client("hq-clerk").get(f"/desk/cases/{cid}")
    assert f"Follow-up found a problem: SC-{visit.new_case_id:06d}" in old_page.text


def test_survey_waits_the_configured_days_and_asks_a_customer_once_a_month(
        make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app(plugins=["feedback"], plugin={"feedback": {"survey_delay_days": 5}})
    first = closed_case(h)
    second = closed_case(h)  # same customer (same phone), a week later at most
    with h.session() as session:
        surveys = session.scalars(select(Survey)).all()
        assert [s.case_id for s in surveys] == [first]
        message = session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "feedback.survey")).one()
        delay = message.due_at - message.created_at
        assert timedelta(days=4, hours=23) < delay < timedelta(days=5, hours=1)
        assert surveys[0].expires_at - message.due_at == timedelta(days=30)
        assert session.get(ServiceCase, second).state == "closed"
    report = h.client().get("/api/v1/feedback/surveys", headers=bearer(h, "hq-supervisor"))
    assert report.json()["sent"] == 1 and report.json()["by_class"] == []


def test_a_campaign_surveys_the_cases_closed_in_a_period_once(
        make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app(plugins=["feedback"], plugin={"feedback": {"survey_after_close": False}})
    for phone in ("021-1", "021-2"):
        closed_case(h, customer={"name": f"Customer {phone}", "address": "Road 1",
                                 "phone": phone})
    with h.session() as session:
        assert session.scalars(select(Survey)).first() is None
        today = session.scalars(select(ServiceCase.closed_at)).first().astimezone(
            h.app.state.settings.tz).date()
    manager = h.client("hq-manager")
    period = {"closed_from": (today - timedelta(days=1)).isoformat(),
              "closed_to": today.isoformat()}
    bad = manager.form("/feedback/surveys/campaign", {"closed_from": today.isoformat(),
                                                      "closed_to": "2000-01-01"})
    assert bad.status_code == 400 and "ends before it starts" in bad.text
    assert h.client("hq-clerk").form("/feedback/surveys/campaign", period).status_code == 403
    sent = manager.form("/feedback/surveys/campaign", period)
    assert sent.status_code == 200 and "2 survey(s) sent." in sent.text
    assert "0 survey(s) sent." in manager.form("/feedback/surveys/campaign", period).text
    with h.session() as session:
        assert len(session.scalars(select(Survey)).all()) == 2


def test_survey_answers_are_throttled_per_address(make_app: Callable[..., Harness]) -> None:
    """Gap 9: the public survey answer counts in the same per-address window as the
    complaint form: over the limit, a 429 page and the answer is not recorded."""
    h = make_app(plugins=["feedback"], plugin={"feedback": {"public_max_posts": 1}})
    first, second = closed_case(h), closed_case(h, clerk="east-clerk", tech="east-tech")
    with h.session() as session:  # the once-a-month rule is per customer: both were asked
        assert len(session.scalars(select(Survey)).all()) == 2
    public = h.client(client=("203.0.113.9", 4000))
    assert public.post(f"/s/{survey_token(h, first)}",
                       data={"csat": "5", "nps": "10"}).status_code == 200
    refused = public.post(f"/s/{survey_token(h, second)}", data={"csat": "5", "nps": "10"})
    assert refused.status_code == 429 and "Too many messages" in refused.text
    with h.session() as session:
        assert len(session.scalars(select(Survey).where(Survey.answered_at.is_not(None)))
                   .all()) == 1
    assert h.client(client=("198.51.100.3", 4000)).post(
        f"/s/{survey_token(h, second)}", data={"csat": "4", "nps": "9"}).status_code == 200


def test_a_low_score_opens_a_callback_for_the_supervisor_done_with_a_note(h: Harness) -> None:
    """Gap 2: a low score opens a call back at the service point: owned by its supervisor,
    due in working days, on the case panel, the call-back list and the dashboard, the owner
    gets a notice; done once, with a note. A good score opens none."""
    cid = closed_case(h)
    public = h.client()
    assert public.post(f"/s/{survey_token(h, cid)}",
                       data={"csat": "1", "nps": "2", "comment": "Rude"}).status_code == 200
    with h.session() as session:
        row = session.scalars(select(Callback)).one()
        assert row.case_id == cid and row.state == "open" and row.owner.login == "hq-supervisor"
        today = services.local_today(session)
        assert row.due_on == policy.add_working_days(today, 2) and row.due_on > today
        notice = session.scalars(select(StaffNotice).where(
            StaffNotice.user_id == row.owner_id)).one()
        assert notice.link == f"/feedback/callbacks#callback-{row.id}" and \
            notice.params["reference"].startswith("SC-")
        cb_id = row.id
    boss = h.client("hq-supervisor")
    assert "Call back" in boss.get("/notices").text
    panel = boss.get(f"/feedback/cases/{cid}/panel")
    assert 'id="feedback-callback"' in panel.text and "open, due" in panel.text
    listed = boss.get("/feedback/callbacks")
    assert f'id="callback-{cb_id}"' in listed.text and "Rude" in listed.text
    assert 'id="callbacks-open">1<' in boss.get("/feedback/widgets/callbacks").text
    assert f'id="callback-{cb_id}"' in boss.get("/feedback/callbacks?mine=1").text
    assert f'id="callback-{cb_id}"' not in h.client("hq-clerk").get(
        "/feedback/callbacks?mine=1").text
    assert h.client("hq-tech").form(f"/feedback/callbacks/{cb_id}/done",
                                    {"note": "x"}).status_code == 403
    assert f'id="callback-{cb_id}"' not in h.client("sw-supervisor").get(
        "/feedback/callbacks").text  # region scope
    assert h.client("sw-supervisor").form(f"/feedback/callbacks/{cb_id}/done",
                                          {"note": "x"}).status_code == 404
    empty = boss.form(f"/feedback/callbacks/{cb_id}/done", {"note": ""})
    assert empty.status_code == 400 and "Note is required" in empty.text
    done = boss.form(f"/feedback/callbacks/{cb_id}/done",
                     {"note": "Apologised; a voucher for the next service"},
                     follow_redirects=False)
    assert done.status_code == 303
    again = boss.form(f"/feedback/callbacks/{cb_id}/done", {"note": "again"})
    assert again.status_code == 409 and "already done" in again.text
    assert 'id="callbacks-open">0<' in boss.get("/feedback/widgets/callbacks").text
    assert "voucher" in boss.get("/feedback/callbacks?state=done").text
    assert "voucher" in boss.get(f"/feedback/cases/{cid}/panel").text
    happy = closed_case(h, clerk="east-clerk", tech="east-tech")
    assert public.post(f"/s/{survey_token(h, happy)}",
                       data={"csat": "5", "nps": "10"}).status_code == 200
    with h.session() as session:
        assert len(session.scalars(select(Callback)).all()) == 1


def test_callback_due_date_skips_weekends_and_holidays() -> None:
    friday = date(2026, 12, 4)
    assert policy.add_working_days(friday, 2) == date(2026, 12, 8)
    assert policy.add_working_days(friday, 2, [date(2026, 12, 7)]) == date(2026, 12, 9)
    assert policy.add_working_days(date(2026, 12, 5), 0) == date(2026, 12, 7)


def test_survey_report_per_region_and_period_in_sql(h: Harness) -> None:
    """Gap 4: the report's numbers per region, month (the local month: an answer at 00:30 on
    1 November in Shanghai is November's, though it is still 31 October in UTC) and period
    (from/to, local days included), summed by the database; a region sees its own."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from core.entities import Region

    tz = ZoneInfo("Asia/Shanghai")
    answers = [("hq-clerk", datetime(2026, 10, 15, 10, 0), 5, 10),
               ("hq-clerk", datetime(2026, 10, 31, 23, 30), 4, 9),
               ("hq-clerk", datetime(2026, 11, 1, 0, 30), 1, 2),
               ("east-clerk", datetime(2026, 11, 10, 12, 0), 3, 7),
               ("east-clerk", datetime(2026, 12, 1, 12, 0), 2, 5)]
    cases = [int(new_case(h, bearer(h, clerk))["id"]) for clerk, *_rest in answers]
    with h.session() as session:
        version = questionnaires.current_version(session)
        ask = {q.kind: q.id for q in version.questions}
        for n, (cid, (_clerk, at, csat, nps)) in enumerate(zip(cases, answers, strict=True)):
            case = session.get(ServiceCase, cid)
            when = at.replace(tzinfo=tz)
            survey = Survey(case_id=cid, customer_id=case.customer_id, token_hash=f"t{n}",
                            version_id=version.id,
                            service_point_id=case.service_point_id, model_code="PA2400",
                            coverage_class="C" if n == 3 else "A", created_at=when,
                            expires_at=when + timedelta(days=30), answered_at=when,
                            csat=csat, nps=nps, region_id=case.region_id,
                            callback_needed=policy.needs_callback(csat, nps))
            session.add(survey)
            session.flush()  # the report sums the answers to the CSAT and NPS questions
            session.add_all([SurveyAnswer(survey_id=survey.id, question_id=ask["csat"],
                                          score=csat),
                             SurveyAnswer(survey_id=survey.id, question_id=ask["nps"],
                                          score=nps)])
        session.commit()
        hq = session.scalars(select(Region.id).where(Region.code == "HQ")).one()
        east = session.get(ServiceCase, cases[3]).region_id
    auth = bearer(h, "hq-manager")

    def report(query: str = "", who: dict[str, str] = auth) -> dict:
        answer = h.client().get(f"/api/v1/feedback/surveys{query}", headers=who)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def numbers(groups: list[dict]) -> dict:
        return {g["key"]: (g["answers"], g["csat"], g["nps"]) for g in groups}

    everything = report()
    assert (everything["answered"], everything["csat"], everything["nps"]) == (5, 3.0, 0)
    assert numbers(everything["by_region"]) == {hq: (3, 3.3, 33), east: (2, 2.5, -50)}
    assert numbers(everything["by_month"]) == {"2026-10": (2, 4.5, 100),
                                               "2026-11": (2, 2.0, -50),
                                               "2026-12": (1, 2.0, -100)}
    assert numbers(everything["by_class"]) == {"A": (4, 3.0, 0), "C": (1, 3.0, 0)}
    november = report("?from=2026-11-01&to=2026-11-30")
    assert (november["answered"], november["csat"], november["nps"]) == (2, 2.0, -50)
    assert numbers(november["by_region"]) == {hq: (1, 1.0, -100), east: (1, 3.0, 0)}
    assert numbers(november["by_month"]) == {"2026-11": (2, 2.0, -50)}
    assert [c["csat"] for c in november["callbacks"]] == [1]
    assert report("?to=2026-10-31")["answered"] == 2  # 23:30 on the last day is in
    assert report("?from=2026-12-02")["answered"] == 0
    assert report("?from=nonsense")["answered"] == 5  # a bad day is ignored
    mine = report(who=bearer(h, "east-supervisor"))
    assert numbers(mine["by_region"]) == {east: (2, 2.5, -50)}
    page = h.client("hq-manager").get("/feedback/surveys?from=2026-11-01&to=2026-11-30")
    assert page.status_code == 200 and "By region" in page.text
    assert 'id="nps-total">-50<' in page.text and 'value="2026-11-01"' in page.text


def test_the_nps_widget_reads_the_last_six_calendar_months_only(h: Harness) -> None:
    """Issue 11: the widget asks for its six months, not the whole report; its figures are
    the report's own for those months, and an answer seven months old is not among them."""
    tokens = [survey_token(h, closed_case(h, body_code=code, customer={
        "name": name, "address": "1 Haizhu Road", "phone": phone}))
        for code, name, phone in (("PA2400-250101-00001", "Pearl River Live House", "020-84225566"),
                                  ("PA2400-250101-00002", "Canton Tower Studio", "020-89338866"))]
    public = h.client()
    for token, nps in zip(tokens, ("10", "2"), strict=True):
        assert public.post(f"/s/{token}", data={"csat": "4", "nps": nps}).status_code == 200
    with h.session() as session:
        old, recent = session.scalars(select(Survey).order_by(Survey.id)).all()
        old.answered_at = recent.answered_at - timedelta(days=215)
        session.commit()
        months = services.recent_months(session, 6)
        report = services.survey_report(session)["by_month"]
    assert len(report) == 2 and months == report[-1:]
    assert months[0]["nps"] == -100
    widget = h.client("hq-supervisor").get("/feedback/widgets/nps").text
    assert "<td>-100</td>" in widget and "<td>100</td>" not in widget
