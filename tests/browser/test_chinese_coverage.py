"""The Chinese-coverage walk's browser part (issue 18 item 1): a few key pages rendered by
chromium in zh_CN, after htmx has filled in their widgets and plugin panels, hold no English
sentence or raw key outside data (the same checker as the HTTP walk in
``tests/core/test_chinese_coverage.py``). The language is picked on the sign-in page by an
English-speaking user, so the walk also shows that the choice survives signing in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.entities import Customer, ServiceCase
from tests.core.test_chinese_coverage import findings, seed_demo, visible_text
from tests.support import PASSWORD, Harness

pytestmark = pytest.mark.browser


#: The hx-get of each element loaded on page load that still shows its fallback link.
UNLOADED = """() => [...document.querySelectorAll('[hx-trigger~="load"][hx-get]')]
    .filter(el => el.querySelector(`a[href="${el.getAttribute('hx-get')}"]`))
    .map(el => el.getAttribute('hx-get'))"""


def _key_pages(h: Harness) -> list[str]:
    """The dashboard (widgets by htmx), the board, a case with plugin panels (by htmx), its
    unit and its customer."""
    with h.session() as session:
        case = session.scalars(select(ServiceCase).where(ServiceCase.state == "in_repair")
                               .order_by(ServiceCase.id)).first() \
            or session.scalars(select(ServiceCase).order_by(ServiceCase.id)).first()
        assert case is not None
        customer = session.get(Customer, case.customer_id)
        assert customer is not None
        return ["/", "/desk/board", f"/desk/cases/{case.id}",
                f"/desk/units/{case.unit.body_code}" if case.unit else "/desk/cases",
                f"/desk/customers/{customer.id}"]


def test_key_pages_render_in_chinese_with_their_htmx_parts(
        make_app: Callable[..., Harness], live_app: Callable[..., tuple[Harness, str]],
        new_page: Callable[..., Any], artefacts: Path) -> None:
    h = make_app()  # every built-in plugin
    seed_demo(h)
    h, base = live_app(h)
    page = new_page()
    page.goto(f"{base}/login")
    page.select_option("#locale-select", "zh_CN")  # picked on the sign-in page...
    with page.expect_navigation():
        page.locator("form[action='/language'] button[type=submit]").click()
    page.fill("#login", "hq-clerk")  # ...by a user whose own language is English
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("form[action='/login'] button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    report: dict[str, list[str]] = {}
    for path in _key_pages(h):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        # every htmx part has come in (a part still showing its fallback link has not)
        waiting = page.evaluate(UNLOADED)
        assert waiting == [], (path, waiting)
        pieces, _links = visible_text(page.content())
        assert any("\u4e00" <= ch <= "\u9fff" for ch in "".join(pieces)), path
        if found := findings(pieces, path):
            report[path] = found
        if path.startswith("/desk/cases/"):
            page.screenshot(path=str(artefacts / "case-zh.png"), full_page=True)
    assert not report, report
