"""Issue 17, items 4 and 6: proxy trust is a setting, and browser protections on every answer.
Each test failed on the code before the issue (no such headers; X-Forwarded-For believed
from anyone, through uvicorn's proxy headers)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from core.app import SESSION_COOKIE
from core.entities import AuditEvent
from core.settings import SettingsError, load_settings
from tests.support import PASSWORD, Harness

ROOT = Path(__file__).resolve().parents[2]


def _attempt(h: Harness, peer: str, login: str, password: str, **headers: str) -> object:
    client = h.client(client=(peer, 50000))
    return client.post("/login", data={"login": login, "password": password,
                                       "csrf_token": client.csrf()},
                       headers=headers, follow_redirects=False)


def test_every_answer_carries_the_browser_protections(harness: Harness) -> None:
    client = harness.client()
    for url in ("/login", "/q/not-a-real-link", "/api/v1/cases", "/healthz",
                "/static/core/aftersales.css", "/no/such/page"):
        headers = client.get(url).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, url
        script = re.search(r"script-src ([^;]*)", csp)
        assert script and script.group(1).strip() == "'self'", url  # no inline, no eval
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp
        assert headers["x-frame-options"] == "DENY", url
        assert headers["x-content-type-options"] == "nosniff", url
        assert headers["referrer-policy"] == "no-referrer", url
        assert "camera=()" in headers["permissions-policy"], url


def test_templates_have_no_inline_script() -> None:
    """What the CSP would block must not be in any template: inline <script> or on*=."""
    offenders = []
    for path in [*ROOT.glob("core/**/templates/**/*.html"),
                 *ROOT.glob("plugins/**/templates/**/*.html")]:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>", text):
            if "src=" not in match.group(1):
                offenders.append(f"{path}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path}: on*= handler")
        if "javascript:" in text or "hx-on" in text:
            offenders.append(f"{path}: javascript: or hx-on")
    assert offenders == []


def test_secure_cookie_on_https_even_without_the_setting(harness: Harness) -> None:
    assert harness.settings.security.secure_cookies is False
    client = harness.client(base_url="https://testserver")
    response = client.post("/login", data={"login": "hq-clerk", "password": PASSWORD,
                                           "csrf_token": client.csrf()},
                           follow_redirects=False)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert SESSION_COOKIE in cookie and "; secure" in cookie


def test_forwarded_proto_counts_only_from_a_trusted_proxy(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(security={"trusted_proxies": ["10.9.0.0/16"]})
    spoofed = h.client(client=("203.0.113.5", 4000)).get(
        "/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in spoofed.headers["set-cookie"].lower()
    proxied = h.client(client=("10.9.0.2", 4000)).get(
        "/login", headers={"X-Forwarded-Proto": "https"})
    assert "; secure" in proxied.headers["set-cookie"].lower()
    assert "max-age" in proxied.headers["strict-transport-security"]


def test_forwarded_for_from_anyone_is_ignored(make_app: Callable[..., Harness],
                                              backend: str) -> None:
    """Rotating X-Forwarded-For must neither dodge the per-address throttle nor write a
    chosen address into the audit log."""
    h = make_app(security={"login_address_max_failures": 3})
    for n in range(3):
        _attempt(h, "203.0.113.7", f"nobody{n}", "bad-password",
                 **{"X-Forwarded-For": f"198.51.100.{n}"})
    refused = _attempt(h, "203.0.113.7", "hq-clerk", PASSWORD,
                       **{"X-Forwarded-For": "198.51.100.99"})
    assert refused.status_code == 400 and "Too many failed" in refused.text
    with h.session() as session:
        addresses = set(session.scalars(select(AuditEvent.address).where(
            AuditEvent.action == "sign_in_refused")))
    assert addresses == {"203.0.113.7"}


def test_forwarded_for_from_a_trusted_proxy_is_the_client(
        make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app(security={"trusted_proxies": ["10.9.0.2"]})
    ok = _attempt(h, "10.9.0.2", "hq-clerk", PASSWORD,
                  **{"X-Forwarded-For": "192.0.2.1, 198.51.100.20"})
    assert ok.status_code == 303
    with h.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in")
                                .order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.address == "198.51.100.20"  # the nearest hop


def test_trusted_proxies_setting_is_validated(tmp_path: Path) -> None:
    config = tmp_path / "aftersales.toml"
    config.write_text('[security]\ntrusted_proxies = ["10.0.0.0/8", "not an address"]\n')
    try:
        load_settings(config, environ={})
    except SettingsError as exc:
        assert "trusted_proxies" in str(exc)
    else:
        raise AssertionError("a bad proxy address was accepted")


def test_serve_leaves_forwarded_headers_to_the_app() -> None:
    source = (ROOT / "core" / "cli.py").read_text(encoding="utf-8")
    assert "proxy_headers=True" not in source and "proxy_headers=False" in source
