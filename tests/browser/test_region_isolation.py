"""Region isolation seen from the browser: another region's case is a plain 404 page and is
missing from the case list; HQ sees it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.core.desk_helpers import bearer, new_case
from tests.support import Harness

pytestmark = pytest.mark.browser

CUSTOMER = "Jinli Ancient Street Teahouse"


def test_a_southwest_case_is_invisible_to_east_and_visible_to_hq(
        live_app: Callable[..., tuple[Harness, str]], signed_in: Callable[..., Any]) -> None:
    h, base = live_app(plugins=[])
    case = new_case(h, bearer(h, "sw-clerk"), body_code="MC58-250101-00002", model_code="MC58",
                    customer={"name": CUSTOMER, "address": "9 Jinli Road, Chengdu",
                              "phone": "028-8555-0199"})
    url = f"{base}/desk/cases/{case['id']}"

    east = signed_in(base, "east-clerk")
    response = east.goto(url)
    assert response is not None and response.status == 404
    assert "Not found" in east.locator("h1").inner_text()
    assert CUSTOMER not in east.content()
    east.goto(f"{base}/desk/cases")
    assert east.locator("h1").inner_text() == "Cases"
    assert CUSTOMER not in east.locator("main").inner_text()
    assert east.locator(f"tr[data-case='{case['id']}']").count() == 0
    east.fill("#q", "Jinli")  # not by searching either
    with east.expect_navigation():
        east.locator("form.toolbar button[type=submit]").click()
    assert CUSTOMER not in east.locator("main").inner_text()

    hq = signed_in(base, "hq-manager")
    response = hq.goto(url)
    assert response is not None and response.status == 200
    assert case["reference"] in hq.locator("h1").inner_text()
    assert CUSTOMER in hq.locator("main").inner_text()
    hq.goto(f"{base}/desk/cases")
    assert CUSTOMER in hq.locator(f"tr[data-case='{case['id']}']").inner_text()
