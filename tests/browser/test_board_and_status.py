"""Issue 18, item 6 in a real browser: the board of open cases in Chinese and in English
(columns, a hold, the technician filter swapping the columns by htmx without a reload and
without a CSP complaint), and the customer's status page opened on a phone from a link made
on the case page. Screenshots of both are kept as artefacts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.entities import User
from core.services import holds
from tests.browser.conftest import PHONE
from tests.core.test_desk_pages_cases import open_cases
from tests.core.test_views_board import _dispatch
from tests.support import Harness

pytestmark = pytest.mark.browser


def _seed(h: Harness) -> list[int]:
    ids = open_cases(h, 6)
    _dispatch(h, ids[4:])
    with h.session() as session:
        clerk = session.scalars(select(User).where(User.login == "hq-clerk")).one()
        holds.place_hold(session, ids[0], "waiting_for_parts", "Output board ordered", clerk)
        session.commit()
    return ids


def _csp_watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" or "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_board_columns_hold_and_filter(live_app: Callable[..., tuple[Harness, str]],
                                       signed_in: Callable[..., Any], artefacts: Path,
                                       language: str) -> None:
    h, base = live_app(plugins=[])
    ids = _seed(h)
    boss = signed_in(base, "hq-supervisor")
    problems = _csp_watch(boss)
    if language == "zh_CN":
        boss.select_option("#locale-select", "zh_CN")
        with boss.expect_navigation():
            boss.locator("form[action='/language']").get_by_role("button").click()
    menu = boss.locator("a[data-menu='core.desk.board']")
    assert menu.inner_text() == ("看板" if language == "zh_CN" else "Board")
    with boss.expect_navigation():
        menu.click()
    registered = boss.locator("section.board-column[data-state='registered']")
    heading = registered.locator("h2").inner_text()
    assert ("已登记" if language == "zh_CN" else "Registered") in heading
    assert registered.get_attribute("data-count") == "4"
    held = registered.locator(f"li[data-case='{ids[0]}'] .hold")
    assert held.inner_text() == ("等待配件" if language == "zh_CN" else "Waiting for parts")
    dispatched = boss.locator("section.board-column[data-state='dispatched'] li.board-card")
    assert dispatched.count() == 2
    boss.screenshot(path=str(artefacts / f"board-{language}.png"), full_page=True)

    # the technician filter swaps the columns by htmx: no reload, the URL follows
    boss.evaluate("window.__notReloaded = true")
    boss.select_option("#board-technician", "hq-tech")
    boss.locator("section.board-column[data-state='registered'][data-count='0']").wait_for()
    assert boss.evaluate("window.__notReloaded") is True
    assert "technician=hq-tech" in boss.url
    assert boss.locator("li.board-card").count() == 2
    assert not problems, problems


def test_status_link_from_the_case_page_on_a_phone(
        live_app: Callable[..., tuple[Harness, str]], signed_in: Callable[..., Any],
        new_page: Callable[..., Any], artefacts: Path) -> None:
    h, base = live_app(plugins=[])
    ids = _seed(h)
    clerk = signed_in(base, "hq-clerk")
    problems = _csp_watch(clerk)
    clerk.goto(f"{base}/desk/cases/{ids[0]}")
    panel = clerk.locator("#status-link-panel")
    panel.wait_for()
    panel.get_by_label("The customer's language").select_option("zh_CN")
    panel.get_by_role("button", name="Make a status link").click()
    url_box = clerk.locator("#status-link-url")
    url_box.wait_for()
    assert clerk.url == f"{base}/desk/cases/{ids[0]}"  # made in place, by htmx
    link = url_box.input_value()
    copy = panel.get_by_role("button", name="Copy")
    copy.click()
    clerk.get_by_role("button", name="Copied").wait_for()
    assert link.startswith(f"{base}/status/"), link
    assert not problems, problems

    phone = new_page(viewport=PHONE, locale="zh-CN")
    answer = phone.goto(link)
    assert answer is not None and answer.status == 200
    assert phone.locator("html").get_attribute("lang") == "zh-CN"
    assert phone.locator("nav.mainnav").count() == 0
    text = phone.locator("section.status-page").inner_text()
    assert f"SC-{ids[0]:06d}" in text
    assert "我们已收到您的设备并完成登记。" in text
    assert "目前：等待配件。" in text and "下一步" in text and "应付金额" in text
    assert "Output board ordered" not in text
    phone.screenshot(path=str(artefacts / "status-page-zh.png"), full_page=True)


def test_calendar_month_in_chinese(live_app: Callable[..., tuple[Harness, str]],
                                   signed_in: Callable[..., Any], artefacts: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from core.entities import ServiceCase
    from core.services.cases import local_today
    from plugins.training import services as training

    h, base = live_app(plugins=["training"])
    [cid] = open_cases(h, 1)
    today = local_today(h.settings)
    visit = datetime.combine(today.replace(day=10), datetime.min.time(), tzinfo=UTC) \
        + timedelta(hours=1)  # 09:00 in Shanghai
    with h.session() as session:
        case = session.get(ServiceCase, cid)
        case.onsite_from, case.onsite_to = visit, visit + timedelta(hours=3)
        course = training.create_course(session, {
            "code": "AMP-101", "title": "Amplifier service", "title_zh": "功放维修",
            "product_line": "amplifier", "pass_mark": "70"})
        training.create_session(session, None, {
            "course_id": str(course.id), "trainer": "Li Wei", "place": "Guangzhou",
            "starts_on": today.replace(day=20).isoformat(),
            "ends_on": today.replace(day=21).isoformat()}, today.replace(day=1))
        session.commit()
    boss = signed_in(base, "hq-supervisor")
    boss.select_option("#locale-select", "zh_CN")
    with boss.expect_navigation():
        boss.locator("form[action='/language']").get_by_role("button").click()
    with boss.expect_navigation():
        boss.locator("a[data-menu='core.desk.calendar']").click()
    assert boss.locator("h1").inner_text().startswith("日历")
    day10 = boss.locator(f"td[data-day='{today.replace(day=10).isoformat()}']")
    assert f"SC-{cid:06d}" in day10.inner_text() and "09:00" in day10.inner_text()
    day21 = boss.locator(f"td[data-day='{today.replace(day=21).isoformat()}']")
    assert "AMP-101 功放维修" in day21.inner_text()
    boss.screenshot(path=str(artefacts / "calendar-zh_CN.png"), full_page=True)
