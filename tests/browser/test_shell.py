"""The shell in a real browser: sign in and out through the forms, the main menu, the
language switch, field errors, a phone-sized screen, and htmx served by this instance."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from tests.core.desk_helpers import bearer, new_case
from tests.support import Harness

pytestmark = pytest.mark.browser

CATALOG = Path(__file__).resolve().parents[2] / "core" / "locale" / "zh_CN" / "LC_MESSAGES" \
    / "messages.po"
LiveApp = Callable[..., tuple[Harness, str]]
PHONE = {"width": 390, "height": 844}


def chinese(msgid: str) -> str | None:
    """The catalogue's translation, or None while it has none (the catalogue grows)."""
    with CATALOG.open("rb") as po:
        message = read_po(po).get(msgid)
    return str(message.string) if message is not None and message.string else None


def login_form(page: Any, base_url: str, login: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#login", login)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator("form[action='/login']").get_by_role("button").click()


def menu_link(page: Any, menu_id: str) -> Any:
    return page.locator(f"nav.mainnav a[data-menu='{menu_id}']")


def test_sign_in_menu_language_and_sign_out(live_app: LiveApp, page: Any,
                                            artefacts: Path) -> None:
    _, base = live_app()
    login_form(page, base, "hq-admin", "demo-pass-2026")
    assert page.url == f"{base}/"
    assert page.locator("h1").inner_text() == "Dashboard"
    assert page.locator("html").get_attribute("lang") == "en"
    page.wait_for_load_state("networkidle")  # the htmx widgets have loaded
    assert "Signed in as" in page.locator("#widget-core-welcome").inner_text()
    waiting = page.eval_on_selector_all(  # a widget still showing its no-JavaScript link
        ".widget > div[hx-get]",
        "divs => divs.filter(d => d.querySelector(`a[href='${d.getAttribute('hx-get')}']`))"
        ".map(d => d.getAttribute('hx-get'))")
    assert not waiting, f"widgets not loaded: {waiting}"
    page.screenshot(path=str(artefacts / "dashboard.png"), full_page=True)

    dashboard, cases = menu_link(page, "core.dashboard"), menu_link(page, "core.desk.cases")
    assert dashboard.get_attribute("aria-current") == "page"
    assert cases.get_attribute("aria-current") is None
    with page.expect_navigation():
        cases.click()
    assert page.url == f"{base}/desk/cases"
    assert page.locator("h1").inner_text() == "Cases"
    assert cases.get_attribute("aria-current") == "page"
    assert dashboard.get_attribute("aria-current") is None
    with page.expect_navigation():
        dashboard.click()
    assert page.url == f"{base}/"
    assert dashboard.get_attribute("aria-current") == "page"

    page.select_option("#locale-select", "zh_CN")
    with page.expect_navigation():
        page.locator("form[action='/language']").get_by_role("button").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#locale-select").input_value() == "zh_CN"
    translated = chinese("Dashboard")
    if translated:
        assert dashboard.inner_text() == translated
        assert page.locator("h1").inner_text() == translated
    page.select_option("#locale-select", "en")
    with page.expect_navigation():
        page.locator("form[action='/language']").get_by_role("button").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert dashboard.inner_text() == "Dashboard"

    page.locator("details.userbox > summary").click()
    sign_out = page.locator("details.userbox").get_by_role("button", name="Sign out")
    assert sign_out.is_visible()
    with page.expect_navigation():
        sign_out.click()
    assert page.url == f"{base}/login"
    assert page.locator("nav.mainnav").count() == 0
    page.goto(f"{base}/desk/cases")  # signed out: back to the sign-in page
    assert page.url.startswith(f"{base}/login")


def test_wrong_password_stays_on_the_sign_in_page(live_app: LiveApp, page: Any) -> None:
    _, base = live_app(plugins=[])
    page.goto(f"{base}/login")
    page.fill("#login", "hq-admin")
    page.fill("#password", "not-the-password")
    with page.expect_response(lambda r: r.url == f"{base}/login"
                              and r.request.method == "POST") as posted:
        page.locator("form[action='/login']").get_by_role("button").click()
    assert posted.value.status == 400
    page.wait_for_load_state()
    assert page.url == f"{base}/login"
    assert page.get_by_role("alert").inner_text() == "Unknown login or wrong password."
    assert page.locator("#login").input_value() == "hq-admin"  # what was typed is kept
    assert page.locator("#password").input_value() == ""
    assert page.locator("nav.mainnav").count() == 0


def test_intake_field_errors(live_app: LiveApp, signed_in: Callable[..., Any],
                             artefacts: Path) -> None:
    _, base = live_app(plugins=[])
    page = signed_in(base, "hq-clerk")
    page.goto(f"{base}/desk/intake")
    page.fill("#f-body_code", "PA2400/1")
    with page.expect_navigation():
        page.get_by_role("button", name="Open the case").click()
    assert page.url == f"{base}/desk/intake"
    assert "Please correct the fields marked below." in \
        page.locator("p.form-error[role=alert]").inner_text()
    for field in ("body_code", "customer-name", "customer-address", "customer-phone",
                  "fault_description"):
        assert page.locator(f"#{field}-error").is_visible(), field
    assert "MODEL-YYMMDD-SEQ" in page.locator("#body_code-error").inner_text()
    assert page.locator("#f-body_code").input_value() == "PA2400/1"  # kept as typed
    assert page.locator("#f-body_code").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(artefacts / "intake-errors.png"), full_page=True)


def test_change_password_field_errors(live_app: LiveApp, signed_in: Callable[..., Any],
                                      artefacts: Path) -> None:
    _, base = live_app(plugins=[])
    page = signed_in(base, "east-clerk")
    page.locator("details.userbox > summary").click()
    with page.expect_navigation():
        page.locator("details.userbox").get_by_role("link", name="Change password").click()
    assert page.url == f"{base}/account/password"
    page.fill("#current", "not-my-password")
    page.fill("#new", "short")
    page.fill("#confirm", "short")
    with page.expect_response(lambda r: r.url == f"{base}/account/password"
                              and r.request.method == "POST") as posted:
        page.locator("form[action='/account/password']").get_by_role(
            "button", name="Change password").click()
    assert posted.value.status == 400
    page.wait_for_load_state()
    assert page.url == f"{base}/account/password"
    assert page.locator("#current-error").inner_text() == "The current password is wrong."
    assert page.locator("#current").get_attribute("aria-invalid") == "true"
    assert page.locator("#current").get_attribute("aria-describedby") == "current-error"
    assert page.locator("#new-error").is_visible()  # too short
    page.screenshot(path=str(artefacts / "form-errors.png"), full_page=True)
    assert (artefacts / "form-errors.png").stat().st_size > 0

    page.fill("#current", "not-my-password")  # right length, wrong current: nothing changes
    page.fill("#new", "a-long-enough-new-pass-2026")
    page.fill("#confirm", "a-long-enough-new-pass-2026")
    with page.expect_navigation():
        page.locator("form[action='/account/password']").get_by_role(
            "button", name="Change password").click()
    assert page.locator("#current-error").is_visible()
    assert page.locator("#new-error").count() == 0


WIDEST = """() => {
  const limit = window.innerWidth + 1, found = [];
  const clipped = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return true; }
    return false; };
  for (const el of document.querySelectorAll("body *")) {
    const right = el.getBoundingClientRect().right;
    if (right > limit && el.parentElement.getBoundingClientRect().right <= limit
        && !clipped(el)) {
      found.push(`${el.tagName.toLowerCase()}.${el.className} ends at ${Math.round(right)}px`);
    }
  }
  return [document.documentElement.scrollWidth, window.innerWidth, found];
}"""


def assert_no_overflow(page: Any, what: str) -> None:
    width, viewport, culprits = page.evaluate(WIDEST)
    assert width <= viewport + 1, \
        f"{what} is {width}px wide on a {viewport}px screen: {'; '.join(culprits)}"


def test_phone_screen_has_no_sideways_scrolling(live_app: LiveApp,
                                                signed_in: Callable[..., Any]) -> None:
    h, base = live_app(plugins=[])
    headers = bearer(h, "hq-clerk")
    cases = [new_case(h, headers, customer={
        "name": f"Chengdu Grand Theatre Sound Department {n}",
        "company": "A company with a rather long registered name Ltd.",
        "address": "88 Renmin South Road, Wuhou District", "phone": "028-8555-0101"})
        for n in range(3)]
    page = signed_in(base, "hq-admin", viewport=PHONE)  # HQ: the region filter too
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Dashboard"
    assert_no_overflow(page, "the dashboard")
    page.goto(f"{base}/desk/cases")
    assert page.locator("table.cases tbody tr").count() == 3
    assert_no_overflow(page, "the case list")  # the wide table scrolls inside .table-wrap
    page.goto(f"{base}/desk/cases/{cases[0]['id']}")
    assert_no_overflow(page, "a case page")


def test_htmx_is_served_by_this_instance(live_app: LiveApp, page: Any) -> None:
    _, base = live_app(plugins=[])
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{base}/login")
    page.fill("#login", "hq-admin")
    page.fill("#password", "demo-pass-2026")
    with page.expect_navigation():
        page.locator("form[action='/login']").get_by_role("button").click()
    page.wait_for_load_state("networkidle")
    sources = page.eval_on_selector_all("script[src]",
                                        "nodes => nodes.map(n => n.getAttribute('src'))")
    assert sources, "no script on the page"
    for source in sources:
        assert source.startswith("/static/core/"), source
    assert page.evaluate("() => typeof window.htmx") == "object"  # it loaded and ran
    assert any(url.startswith(f"{base}/static/core/htmx") for url in requested)
    assert any(url.startswith(f"{base}/widgets/") or url.startswith(f"{base}/desk/widgets/")
               for url in requested), "no htmx widget request"
    elsewhere = [url for url in requested if not url.startswith(f"{base}/")]
    assert not elsewhere, f"requests to other hosts: {elsewhere}"
