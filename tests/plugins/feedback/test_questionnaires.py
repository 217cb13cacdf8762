"""Questionnaires with versions (F-1, issue 16 item 1), through HTTP on SQLite and
PostgreSQL: a manager starts a new version as a copy of the current one, edits it (checked:
nothing is saved when a row is wrong), publishes it after a confirmation; a published version
never changes; a survey keeps the version it was sent with and its answers are stored against
that version's questions; the report's CSAT and NPS come from the CSAT and NPS questions; the
migration made the fixed survey version 1 and its answers answer rows, losing nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect, select

from core import migrate
from plugins.feedback import questionnaires
from plugins.feedback.models import (
    Callback,
    Question,
    QuestionnaireVersion,
    Survey,
    SurveyAnswer,
)
from tests.live import fire
from tests.plugins.feedback.helpers import bearer, closed_case, survey_token
from tests.support import Harness, QueryCounter


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["feedback"], plugin={"feedback": {"survey_min_interval_days": 0}})


def _draft_form(rows: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {"count": str(len(rows))}
    for n, row in enumerate(rows):
        data.update({f"q-{n}-{k}": v for k, v in row.items()})
    return data


V1 = [{"key": "csat", "kind": "csat", "required": "on",
       "text_en": "How satisfied are you?", "text_zh": "您满意吗？"},
      {"key": "nps", "kind": "nps", "required": "on",
       "text_en": "Would you recommend us?", "text_zh": "您会推荐我们吗？"},
      {"key": "comment", "kind": "text", "text_en": "Anything else?",
       "text_zh": "还有什么？"}]
CHANNEL = {"key": "heard", "kind": "choice", "required": "on",
           "text_en": "How did you hear of us?", "text_zh": "您是如何知道我们的？",
           "choices_en": "A friend\nThe web\nA shop", "choices_zh": "朋友\n网络\n门店"}


def _keys(h: Harness, version_id: int) -> list[str]:
    with h.session() as session:
        return list(session.scalars(select(Question.key).where(
            Question.version_id == version_id).order_by(Question.position)))


def test_a_new_version_is_copied_edited_checked_and_published(h: Harness) -> None:
    old_case = closed_case(h)  # sent with version 1
    manager = h.client("hq-manager")
    page = manager.get("/feedback/questionnaires")
    assert page.status_code == 200 and 'id="version-1"' in page.text
    assert h.client("hq-clerk").form("/feedback/questionnaires/versions").status_code == 403
    made = manager.form("/feedback/questionnaires/versions", follow_redirects=False)
    assert made.status_code == 303, made.text
    draft_url = made.headers["location"]
    draft_id = int(draft_url.rsplit("/", 1)[1])
    again = manager.form("/feedback/questionnaires/versions", follow_redirects=False)
    assert again.headers["location"] == draft_url  # one draft at a time
    assert _keys(h, draft_id) == ["csat", "nps", "comment"]  # a copy of the current
    assert 'name="q-0-key" value="csat"' in manager.get(draft_url).text
    # wrong rows: nothing saved, each error on its field, the form comes back as sent
    wrong = manager.form(draft_url, _draft_form([
        *V1, {**V1[0], "key": "csat2"}, {**CHANNEL, "choices_zh": "朋友"},
        {"key": "Bad Key", "kind": "text", "text_en": "x", "text_zh": ""}]))
    assert wrong.status_code == 400
    assert "at most one CSAT question" in wrong.text
    assert "Give each option in Chinese too" in wrong.text
    assert "A key is a lower-case word" in wrong.text and "Question in Chinese is required" \
        in wrong.text
    assert 'value="Bad Key"' in wrong.text
    assert _keys(h, draft_id) == ["csat", "nps", "comment"]
    saved = manager.form(draft_url, _draft_form([*V1, CHANNEL, {}, {}]),
                         follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert _keys(h, draft_id) == ["csat", "nps", "comment", "heard"]
    unconfirmed = manager.form(f"{draft_url}/publish", {})
    assert unconfirmed.status_code == 400 and "Tick the box to confirm" in unconfirmed.text
    with h.session() as session:
        assert session.get(QuestionnaireVersion, draft_id).state == "draft"
    published = manager.form(f"{draft_url}/publish", {"confirm": "yes"},
                             follow_redirects=False)
    assert published.status_code == 303
    # published: never changed again (nor is version 1)
    frozen = manager.form(draft_url, _draft_form(V1))
    assert frozen.status_code == 409 and "cannot change" in frozen.text
    assert manager.form(f"{draft_url}/publish", {"confirm": "yes"}).status_code == 409
    assert _keys(h, draft_id) == ["csat", "nps", "comment", "heard"]
    with h.session() as session:
        v1 = session.scalars(select(QuestionnaireVersion).where(
            QuestionnaireVersion.number == 1)).one()
        assert questionnaires.current_version(session).id == draft_id
    assert manager.form(f"/feedback/questionnaires/versions/{v1.id}",
                        _draft_form(V1)).status_code == 409
    # the survey sent before keeps version 1: no new question on its page
    public = h.client()
    old_token = survey_token(h, old_case)
    assert "How did you hear of us?" not in public.get(f"/s/{old_token}").text
    assert public.post(f"/s/{old_token}", data={"csat": "4", "nps": "8"}).status_code == 200
    # a survey sent now has version 2, in the customer's language, the choice required
    new_case = closed_case(h, customer={"name": "Wu Fang", "address": "Road 2",
                                        "phone": "021-9"})
    token = survey_token(h, new_case)
    english = public.get(f"/s/{token}").text
    assert "How did you hear of us?" in english and "The web" in english
    with h.session() as session:
        survey = session.scalars(select(Survey).where(Survey.case_id == new_case)).one()
        assert survey.version_id == draft_id
        survey.locale = "zh_CN"  # a Chinese customer's link
        session.commit()
    chinese = public.get(f"/s/{token}").text
    assert "您是如何知道我们的？" in chinese and "网络" in chinese and "The web" not in chinese
    missing = public.post(f"/s/{token}", data={"csat": "2", "nps": "10"})
    assert missing.status_code == 400 and "请回答这个问题。" in missing.text
    out_of_range = public.post(f"/s/{token}", data={"csat": "2", "nps": "10", "heard": "7"})
    assert out_of_range.status_code == 400
    done = public.post(f"/s/{token}", data={"csat": "2", "nps": "10", "heard": "1",
                                            "comment": "ok"})
    assert done.status_code == 200, done.text
    with h.session() as session:
        answers = {q.key: (a.score, a.text) for a, q in session.execute(
            select(SurveyAnswer, Question).join(Question)
            .where(SurveyAnswer.survey_id == survey.id))}
        assert answers == {"csat": (2, ""), "nps": (10, ""), "heard": (1, ""),
                           "comment": (None, "ok")}
        assert all(q.version_id == draft_id for q in session.scalars(
            select(Question).join(SurveyAnswer).where(SurveyAnswer.survey_id == survey.id)))
    report = h.client().get("/api/v1/feedback/surveys",
                            headers=bearer(h, "hq-manager")).json()
    # CSAT (4 + 2) / 2, NPS: one passive (8), one promoter (10) -> 50
    assert (report["answered"], report["csat"], report["nps"]) == (2, 3.0, 50)


def test_a_draft_can_be_discarded_and_a_page_load_asks_nothing_new(h: Harness) -> None:
    manager = h.client("hq-manager")
    draft_url = manager.form("/feedback/questionnaires/versions",
                             follow_redirects=False).headers["location"]
    assert manager.form(f"{draft_url}/discard", {}, follow_redirects=False).status_code == 303
    assert manager.get(draft_url).status_code == 404
    with h.session() as session:
        assert [v.number for v in session.scalars(select(QuestionnaireVersion))] == [1]


def test_the_migration_keeps_every_answer_given_before(h: Harness) -> None:
    """f0008 on a database with answers: down to f0007 (the fixed survey) and up again, the
    answers come back as answer rows to version 1's questions; the call back stays."""
    cid = closed_case(h)
    assert h.client().post(f"/s/{survey_token(h, cid)}", data={
        "csat": "1", "nps": "3", "comment": "Too slow"}).status_code == 200
    engine = h.app.state.engine
    with engine.begin() as connection:
        command.downgrade(migrate.alembic_config(connection), "f0007")
    assert "feedback_survey_answer" not in inspect(engine).get_table_names()
    migrate.upgrade(engine, h.app.state.enabled)
    with h.session() as session:
        survey = session.scalars(select(Survey)).one()
        assert survey.version.number == 1 and survey.version.state == "published"
        answers = {q.key: (a.score, a.text) for a, q in session.execute(
            select(SurveyAnswer, Question).join(Question)
            .where(SurveyAnswer.survey_id == survey.id))}
        assert answers == {"csat": (1, ""), "nps": (3, ""), "comment": (None, "Too slow")}
        assert session.scalars(select(Callback)).one().survey_id == survey.id
    report = h.client().get("/api/v1/feedback/surveys", headers=bearer(h, "hq-manager"))
    assert (report.json()["csat"], report.json()["nps"]) == (1.0, -100)


def test_parallel_new_versions_make_one_draft_and_parallel_publishes_one_version(
        h: Harness, live_app: Callable[..., tuple[Harness, str]]) -> None:
    """Five managers at once (one API token each, on a live server): one draft is made and
    all five are sent to it; five publishes of it take effect once, the others a 409."""
    _, base_url = live_app(h)
    managers = [bearer(h, "hq-manager") for _ in range(5)]
    made = fire(5, lambda client, i: client.post(
        "/feedback/questionnaires/versions", headers=managers[i]), base_url)
    assert [a.status_code for a in made] == [303] * 5, [a.text[:200] for a in made]
    assert len({a.headers["location"] for a in made}) == 1
    with h.session() as session:
        drafts = session.scalars(select(QuestionnaireVersion).where(
            QuestionnaireVersion.state == "draft")).all()
        assert [d.number for d in drafts] == [2]
    url = made[0].headers["location"]
    published = fire(5, lambda client, i: client.post(
        f"{url}/publish", data={"confirm": "yes"}, headers=managers[i]), base_url)
    assert sorted(a.status_code for a in published) == [303, 409, 409, 409, 409], \
        [a.text[:200] for a in published]
    with h.session() as session:
        assert [v.state for v in session.scalars(select(QuestionnaireVersion)
                                                 .order_by(QuestionnaireVersion.number))] \
            == ["published", "published"]


def test_the_questionnaire_page_runs_the_same_statements_for_more_versions(
        h: Harness) -> None:
    """No N+1: the versions' questions come in one statement, however many versions."""
    manager = h.client("hq-manager")

    def count() -> int:
        assert manager.get("/feedback/questionnaires").status_code == 200  # warm up
        with QueryCounter(h.app.state.engine) as counter:
            assert manager.get("/feedback/questionnaires").status_code == 200
        return len([s for s in counter.statements if s.strip().upper() != "BEGIN"])

    one = count()
    for _ in range(3):
        url = manager.form("/feedback/questionnaires/versions",
                           follow_redirects=False).headers["location"]
        assert manager.form(f"{url}/publish", {"confirm": "yes"},
                            follow_redirects=False).status_code == 303
    assert count() == one
