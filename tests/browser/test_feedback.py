"""The feedback plugin in a real browser (issue 16): a clerk records a complaint, sees that it
cannot close before the reply, replies (queued to the customer's outbox) and closes it; a
customer answers the survey sent after a case closed, in Chinese on a phone-sized screen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.entities import OutboxMessage
from plugins.feedback.models import Complaint, Survey
from tests.browser.conftest import PHONE
from tests.plugins.feedback.helpers import closed_case, departments, survey_token
from tests.support import Harness

pytestmark = pytest.mark.browser


def test_clerk_records_a_complaint_replies_and_closes_it(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        signed_in: Callable[..., Any], artefacts: Path) -> None:
    h = make_app(plugins=["feedback"], backend="sqlite")
    departments(h)
    _, base = live_app(h)
    page = signed_in(base, "hq-clerk")
    page.goto(f"{base}/feedback/complaints")
    page.get_by_text("No complaints match.").wait_for()
    page.get_by_role("link", name="New complaint").click()
    page.get_by_label("Topic").select_option("product_quality")
    page.get_by_label("Customer name").fill("Han Mei")
    page.get_by_label("Phone").fill("137-1234-5678")
    page.get_by_label("Subject").fill("Crackling after repair")
    page.get_by_label("What the customer said").fill("The left channel crackles again.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record").click()
    assert "routed to Quality dept" in page.content()
    assert page.get_by_role("button", name="Close complaint").is_disabled()
    page.get_by_label("How it was handled").fill("We will replace the input relay for free.")
    with page.expect_navigation():
        page.get_by_role("button", name="Send reply").click()
    assert "queued to the customer" in page.content()
    page.locator("#complaint-reply").get_by_text("input relay").wait_for()
    with page.expect_navigation():
        page.get_by_role("button", name="Close complaint").click()
    assert page.locator("#complaint-state").inner_text() == "closed"
    page.screenshot(path=str(artefacts / "feedback-complaint-closed.png"), full_page=True)
    with h.session() as session:
        complaint = session.scalars(select(Complaint)).one()
        message = session.get(OutboxMessage, complaint.reply_message_id)
        assert message.recipient == "137-1234-5678" and "input relay" in message.body


def test_customer_answers_the_survey_on_a_phone_in_chinese(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        new_page: Callable[..., Any], artefacts: Path) -> None:
    h = make_app(plugins=["feedback"], backend="sqlite", default_locale="zh_CN")
    case_id = closed_case(h)
    token = survey_token(h, case_id)
    _, base = live_app(h)
    phone = new_page(viewport=PHONE, locale="zh-CN")
    phone.goto(f"{base}/s/{token}")
    phone.get_by_role("heading", name="您对我们的服务满意吗？").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.locator("#csat label", has_text="4").click()
    phone.locator("#nps label", has_text="9").click()
    phone.get_by_label("还有什么想告诉我们的吗？").fill("师傅很专业")
    phone.screenshot(path=str(artefacts / "feedback-survey-phone-zh.png"), full_page=True)
    with phone.expect_navigation():
        phone.get_by_role("button", name="提交我的评价").click()
    phone.get_by_text("您的评价已记录").wait_for()
    with h.session() as session:
        survey = session.scalars(select(Survey)).one()
        assert (survey.csat, survey.nps, survey.comment) == (4, 9, "师傅很专业")
    phone.goto(f"{base}/s/{token}")
    assert "此问卷链接已失效" in phone.content()


def test_a_new_versions_choice_question_is_answered_on_a_phone_in_chinese(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        new_page: Callable[..., Any], artefacts: Path) -> None:
    """Version 2 adds a required choice: the phone shows it in Chinese, the answer is stored
    against version 2's question (issue 16 item 1)."""
    from plugins.feedback import questionnaires
    from plugins.feedback.models import Question, SurveyAnswer

    h = make_app(plugins=["feedback"], backend="sqlite", default_locale="zh_CN")
    with h.session() as session:
        draft = questionnaires.new_draft(session, None)
        draft.questions.append(Question(
            position=4, key="heard", kind="choice", required=True,
            text_en="How did you hear of us?", text_zh="您是如何知道我们的？",
            choices=[{"en": "A friend", "zh": "朋友"}, {"en": "The web", "zh": "网络"}]))
        session.flush()
        questionnaires.publish(session, draft.id, {"confirm": "yes"}, None)
        session.commit()
    case_id = closed_case(h)
    token = survey_token(h, case_id)
    _, base = live_app(h)
    phone = new_page(viewport=PHONE, locale="zh-CN")
    phone.goto(f"{base}/s/{token}")
    phone.get_by_text("您是如何知道我们的？").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.locator("#csat label", has_text="5").click()
    phone.locator("#nps label", has_text="10").click()
    phone.locator("#heard label", has_text="网络").click()
    phone.screenshot(path=str(artefacts / "feedback-survey-v2-phone-zh.png"), full_page=True)
    with phone.expect_navigation():
        phone.get_by_role("button", name="提交我的评价").click()
    phone.get_by_text("您的评价已记录").wait_for()
    with h.session() as session:
        answer = session.scalars(select(SurveyAnswer).join(Question).where(
            Question.key == "heard")).one()
        assert answer.score == 1 and session.get(Question, answer.question_id).version_id \
            == draft.id
