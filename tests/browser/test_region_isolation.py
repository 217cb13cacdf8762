"""Region isolation seen from the browser: another region's case, or user, is a plain 404
page and is missing from the list; HQ sees it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from core.entities import RolePermission, User
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


def user_id(h: Harness, login: str) -> int:
    with h.session() as session:
        return int(session.scalar(select(User.id).where(User.login == login)))


def test_a_regional_admin_cannot_open_another_regions_user(
        live_app: Callable[..., tuple[Harness, str]], signed_in: Callable[..., Any]) -> None:
    """A supervisor given ``admin.users`` administers East's users only: a Southwest user's
    page is the same 404 as a user that does not exist, and the list leaves them out."""
    h, base = live_app(plugins=[])
    with h.session() as session:
        session.add(RolePermission(role_id="supervisor", permission_id="admin.users"))
        session.commit()
    east_clerk, sw_clerk = user_id(h, "east-clerk"), user_id(h, "sw-clerk")

    east = signed_in(base, "east-supervisor")
    response = east.goto(f"{base}/admin/users/{east_clerk}")
    assert response is not None and response.status == 200
    assert "east-clerk" in east.locator("h1").inner_text()

    for missing in (sw_clerk, 999_999):
        response = east.goto(f"{base}/admin/users/{missing}")
        assert response is not None and response.status == 404
        assert "Not found" in east.locator("h1").inner_text()
        assert "sw-clerk" not in east.content()
    response = east.goto(f"{base}/admin/users/{sw_clerk}/edit")
    assert response is not None and response.status == 404

    east.goto(f"{base}/admin/users")
    listed = east.locator("main").inner_text()
    assert "east-clerk" in listed
    assert "sw-clerk" not in listed and "hq-clerk" not in listed

    hq = signed_in(base, "hq-admin")
    response = hq.goto(f"{base}/admin/users/{sw_clerk}")
    assert response is not None and response.status == 200
    assert "sw-clerk" in hq.locator("h1").inner_text()
