"""P-1 in a real browser (issue 7): a supervisor tries to dispatch a case to a technician who
is not certified for its model, sees why (the P-1 veto and the training panel's reason), and
dispatches it to a certified technician instead. Only the training plugin is on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.entities import Role, User
from core.security.passwords import Passwords
from tests.plugins.training.helpers import certify, inspected_case
from tests.support import Harness

pytestmark = pytest.mark.browser


def _add_uncertified_technician(h: Harness) -> None:
    """Aaron Novice: a technician of the HQ service centre, not trained yet."""
    with h.session() as session:
        colleague = session.scalars(select(User).where(User.login == "hq-tech")).one()
        session.add(User(login="hq-novice", display_name="Aaron Novice",
                         password_hash=Passwords(h.settings.security).hash("x" * 12),
                         service_point_id=colleague.service_point_id,
                         region_id=colleague.region_id,
                         roles=[session.get(Role, "technician")]))
        session.commit()


def _dispatch_to(page: Any, login: str) -> None:
    details = page.locator("details.action",
                           has=page.locator("summary", has_text="Dispatch a technician"))
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    select = details.get_by_label("Technician")
    option = select.locator("option", has_text=f"({login})")
    select.select_option(value=option.get_attribute("value"))
    with page.expect_navigation():
        details.get_by_role("button", name="Dispatch").click()


def test_supervisor_sees_why_and_dispatches_a_certified_technician(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        signed_in: Callable[..., Any], artefacts: Path) -> None:
    h = make_app(plugins=["training"], backend="sqlite")
    cert = certify(h, "hq-tech")  # Chen Jie passed the amplifier course
    _add_uncertified_technician(h)
    case_id = inspected_case(h)  # a PA2400 power amplifier at HQ
    _, base = live_app(h)

    boss = signed_in(base, "hq-supervisor")
    boss.goto(f"{base}/desk/cases/{case_id}")

    # The training panel (loaded by htmx) says who may be dispatched and why not.
    panel = boss.locator("#training-dispatch")
    panel.wait_for()
    eligible = panel.locator("ul.eligible li")
    assert eligible.count() == 1
    assert "Chen Jie" in eligible.inner_text() and cert.number in eligible.inner_text()
    refused = panel.locator("ul.ineligible li", has_text="Aaron Novice")
    assert "no certification at all" in refused.inner_text()
    assert "P-1" in refused.inner_text()

    # Dispatching the novice anyway is refused, with the clause and what is missing.
    _dispatch_to(boss, "hq-novice")
    vetoes = boss.locator(".vetoes")
    assert vetoes.is_visible()
    text = vetoes.inner_text()
    assert "P-1" in text
    assert "Aaron Novice is not certified for model PA2400" in text, text
    assert "no certification at all" in text
    assert boss.locator(".case-head h1 .badge").inner_text() == "Inspected"
    boss.screenshot(path=str(artefacts / "training-dispatch-vetoed.png"), full_page=True)

    # The certified technician is dispatched.
    _dispatch_to(boss, "hq-tech")
    assert boss.locator(".case-head h1 .badge").inner_text() == "Dispatched", \
        boss.locator("main").inner_text()
    assert boss.locator(".vetoes").count() == 0
    assert "Chen Jie" in boss.locator("main").inner_text()
