"""Issue 17, item 6 in a real browser: under the strict Content-Security-Policy (scripts from
this site only, no inline script, no eval) the pages that rely on htmx and aftersales.js still
work, and the browser reports no violation.

Violations are caught two ways on every page: the ``securitypolicyviolation`` event (a
listener installed before any page script, reporting to the test through an exposed
function) and chromium's console ("Refused to ... Content Security Policy"). A deliberate
inline script first proves the detector sees a violation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import sign_in
from tests.support import Harness

pytestmark = pytest.mark.browser

BODY_CODE = "PA2400-240315-00042"
LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolation(event.violatedDirective + " " + event.blockedURI + " "
                        + (event.sourceFile || "") + ":" + event.lineNumber);
});
"""


def _watch(page: Any) -> list[str]:
    """Every CSP violation the page reports, from now on, across navigations."""
    seen: list[str] = []
    page.expose_function("__cspViolation", lambda text: seen.append(f"event: {text}"))
    page.add_init_script(LISTENER)
    page.on("console", lambda message: seen.append(f"console: {message.text}")
            if "Content Security Policy" in message.text else None)
    return seen


def _submit(page: Any, button: Any) -> None:
    with page.expect_navigation():
        button.click()


def test_pages_work_under_the_csp_without_violations(
        live_app: Callable[..., tuple[Harness, str]], new_page: Callable[..., Any]) -> None:
    _, base = live_app(plugins=[])
    page = new_page()
    violations = _watch(page)
    htmx_requests: list[str] = []
    page.on("request", lambda request: htmx_requests.append(request.url)
            if request.headers.get("hx-request") == "true" else None)

    # The detector works: an inline script is refused and reported.
    page.goto(f"{base}/login")
    assert "script-src 'self'" in page.evaluate(
        "fetch(location.href).then(r => r.headers.get('content-security-policy'))")
    page.evaluate("""() => { const s = document.createElement("script");
                             s.textContent = "window.__inline = 1";
                             document.body.appendChild(s); }""")
    page.wait_for_function("() => true")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__inline") is None, "an inline script ran"
    assert any("script-src" in v for v in violations), violations
    violations.clear()

    # Sign-in (a form with the CSRF token); the dashboard's widgets load through htmx.
    sign_in(page, base, "hq-admin")
    assert page.url.rstrip("/") == base
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load"
    assert htmx_requests, "no dashboard widget was loaded by htmx"
    assert page.locator(".widget").count() >= 1

    # Intake lookup: Enter in the body-code field (aftersales.js) fires the htmx lookup.
    page.goto(f"{base}/desk/intake")
    page.get_by_label("Name").fill("Pearl River Live House")
    code = page.get_by_label("Body code")
    code.fill(BODY_CODE)
    code.press("Enter")
    page.wait_for_selector("#lookup >> text=Unknown unit")
    assert page.url == f"{base}/desk/intake"  # Enter did not submit the form
    assert any("/desk/lookup" in url for url in htmx_requests), htmx_requests
    page.get_by_label("Full address").fill("1 Haizhu Road, Guangzhou")
    page.get_by_label("Phone").fill("+86 139-0000 1111")
    page.get_by_label("Fault as described by the customer").fill("No sound on channel B")
    _submit(page, page.get_by_role("button", name="Open the case"))
    assert "SC-000001 opened." in page.locator("main").inner_text()

    # A form with a confirmation step: create an API token, then revoke it after confirming.
    page.goto(f"{base}/account/tokens")
    page.get_by_label("Name").fill("csp scanner")
    _submit(page, page.get_by_role("button", name="Create token"))
    page.goto(f"{base}/account/tokens")
    _submit(page, page.get_by_role("link", name="Revoke…"))
    confirm = page.locator(".card.confirm")
    assert "Revoke the token csp scanner" in confirm.inner_text()
    _submit(page, confirm.get_by_role("button", name="Revoke token"))
    assert "revoked" in page.locator("main").inner_text().lower()
    assert page.locator("table.tokens .badge.bad").count() == 1

    # The language switch (a form in the header) and back.
    page.locator("#locale-select").select_option("zh_CN")
    _submit(page, page.locator("form[action='/language'] button[type=submit]"))
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.url.startswith(f"{base}/account/tokens")
    page.locator("#locale-select").select_option("en")
    _submit(page, page.locator("form[action='/language'] button[type=submit]"))
    assert page.locator("html").get_attribute("lang") == "en"

    page.wait_for_timeout(200)
    assert violations == []
