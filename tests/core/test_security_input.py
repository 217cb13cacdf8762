"""Issue 17, item 2 and the 500s of item 3: bounded input, range-checked ids, validated
cursors, no control characters, an error page that never fails. Each test answered 500 (or
read the whole body) on the code before the issue."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import Response

from core.hooktypes import AUTHENTICATED, RouteSpec
from core.web.routing import make_route
from tests.core.desk_helpers import bearer, new_case
from tests.support import Harness

HUGE = "99999999999999999999999"


def _json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text[:300])
    body = response.json()
    assert set(body["error"]) >= {"code", "message", "fields"}
    return body["error"]


def _asgi_post(h: Harness, path: str, chunks: int, chunk_size: int,
               headers: dict[str, str]) -> tuple[int, int, bytes]:
    """POST a body of ``chunks`` x ``chunk_size`` bytes straight to the ASGI app, without a
    Content-Length, counting how many chunks the app pulled before it answered."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        if pulled > chunks:
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": b"[" * chunk_size,
                "more_body": pulled < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "server": ("testserver", 80),
             "client": ("127.0.0.1", 5000), "app": h.app,
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    # A thread of its own: a session-wide Playwright may hold a running loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, h.app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], pulled, body


def test_json_body_limit_is_enforced_while_reading(make_app: Callable[..., Harness]) -> None:
    h = make_app(security={"max_json_bytes": 64 * 1024})
    headers = {**bearer(h, "hq-clerk"), "content-type": "application/json"}
    # 200 chunks of 64 KiB = 12.5 MiB offered; the app must stop after about one limit's worth
    status, pulled, body = _asgi_post(h, "/api/v1/cases", 200, 64 * 1024, headers)
    assert status == 413
    assert pulled <= 3, f"read {pulled} chunks of an over-limit body"
    assert json.loads(body)["error"]["code"] == "too_large"


def test_declared_length_over_the_limit_is_refused_unread(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(security={"max_json_bytes": 4096})
    client = h.client()
    response = client.post("/api/v1/cases", content=b"{" + b" " * 10_000 + b"}",
                           headers={**bearer(h, "hq-clerk"),
                                    "content-type": "application/json"})
    assert _json_error(response, 413)["code"] == "too_large"


def test_form_and_upload_limits(make_app: Callable[..., Harness]) -> None:
    h = make_app(security={"max_form_bytes": 2048, "max_upload_bytes": 8192})
    client = h.client("hq-admin")
    big_form = client.form("/account/password", {"current": "x" * 5000, "new": "y",
                                                 "confirm": "y"})
    assert big_form.status_code == 413 and "too large" in big_form.text  # a page, not JSON
    upload = client.post("/desk/import", data={"kind": "units", "csrf_token": client.csrf()},
                         files={"file": ("units.csv", b"body_code\n" + b"A" * 20_000,
                                         "text/csv")})
    assert upload.status_code == 413 and "too large" in upload.text
    small = client.post("/desk/import", data={"kind": "units", "csrf_token": client.csrf()},
                        files={"file": ("units.csv", b"body_code,model_code\n", "text/csv")},
                        follow_redirects=False)
    assert small.status_code == 303  # under the limit: accepted as before


def test_deeply_nested_json_on_every_json_post(harness: Harness) -> None:
    client = harness.client(raise_server_exceptions=False)
    headers = {**bearer(harness, "hq-admin"), "content-type": "application/json"}
    nested = '{"a":' * 2000 + "1" + "}" * 2000
    posts = [spec for spec in harness.app.state.registry.routes
             if spec.path.startswith("/api/") and "POST" in spec.methods]
    assert len(posts) >= 5
    for spec in posts:
        path = spec.path
        for name in ("case_id:int", "body_code", "id:int"):
            path = path.replace("{" + name + "}", "1")
        path = path.split("{")[0].rstrip("/") if "{" in path else path
        response = client.post(path, content=nested, headers=headers)
        assert 400 <= response.status_code < 500, (spec.id, response.status_code)
        assert "error" in response.json(), spec.id


def test_moderately_deep_json_is_refused_by_the_depth_limit(harness: Harness) -> None:
    client = harness.client()
    body = {"body_code": "X"}
    for _ in range(40):
        body = {"a": body}
    response = client.post("/api/v1/cases", json=body, headers=bearer(harness, "hq-clerk"))
    assert "nested too deeply" in _json_error(response, 400)["message"]


def test_ids_beyond_64_bits(make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app()
    headers = bearer(h, "hq-admin")
    client = h.client("hq-admin", raise_server_exceptions=False)
    _json_error(client.get(f"/api/v1/cases/{HUGE}", headers=headers), 404)
    assert client.get(f"/desk/cases/{HUGE}").status_code == 404
    assert client.get(f"/desk/payments/{HUGE}/receipt").status_code == 404
    assert client.get(f"/admin/users/1?revoke_token={HUGE}").status_code in (200, 404, 422)
    case = new_case(h, headers)
    response = client.post(f"/api/v1/cases/{case['id']}/charges", headers=headers,
                           json={"void_charge_id": 2**70, "reason": "typo"})
    assert response.status_code == 422 and "error" in response.json()


def test_forged_cursor(make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app()
    client = h.client("hq-admin", raise_server_exceptions=False)
    for forged in ("eyJ4IjoxfQ", "WyJ4IiwgMV0", "WzEsIDJd", "!!!", "W251bGwsOTk5OTk5OTk5OTk5"
                   "OTk5OTk5OTk5OTk5OTk5XQ"):
        api = client.get(f"/api/v1/cases?after={forged}", headers=bearer(h, "hq-admin"))
        assert _json_error(api, 400)["fields"] == {"after": api.json()["error"]["message"]}
        assert client.get(f"/desk/cases?after={forged}").status_code == 400


@pytest.mark.parametrize("where", ["api", "page", "csv"])
def test_nul_in_a_filter(make_app: Callable[..., Harness], backend: str, where: str) -> None:
    h = make_app()
    client = h.client("hq-admin", raise_server_exceptions=False)
    if where == "api":
        response = client.get("/api/v1/cases?model=%00", headers=bearer(h, "hq-admin"))
        assert _json_error(response, 422)["code"] == "invalid_text"
    else:
        url = "/desk/cases" if where == "page" else "/desk/cases.csv"
        response = client.get(f"{url}?model=A%00B")
        assert response.status_code == 422 and "control characters" in response.text


def test_control_characters_in_text_are_refused(make_app: Callable[..., Harness],
                                               backend: str) -> None:
    h = make_app()
    headers = bearer(h, "hq-clerk")
    client = h.client("hq-clerk", raise_server_exceptions=False)
    for bad in ("Pearl\x00River", "bell\x07", "esc\x1b[31m"):
        response = client.post("/api/v1/cases", headers=headers, json={
            "body_code": "PA2400-240315-00042", "model_code": "PA2400", "own_product": True,
            "customer": {"name": bad, "address": "1 Haizhu Road", "phone": "020-8422-5566"},
            "purchase_date": "2024-04-01", "fault_description": "hum", "channel": "walk_in"})
        error = _json_error(response, 422)
        assert error["code"] == "invalid_text" and "customer.name" in error["fields"]
    page = client.form("/account/password", {"current": "a\x00b", "new": "x", "confirm": "x"})
    assert page.status_code == 422 and "control characters" in page.text
    # tabs and newlines in text are fine
    case = new_case(h, headers, fault_description="hum\tloud\nat startup")
    assert case["id"]


def test_the_error_page_never_fails(harness: Harness) -> None:
    """A bug in a view while signed in: the 500 page used to touch the user after the request's
    database session had been rolled back and closed, and itself fail."""

    def boom(request: Request) -> Response:
        assert request.state.user.display_name  # loaded while the session is open
        raise RuntimeError("a bug")

    harness.app.router.routes.insert(0, make_route(
        RouteSpec("test.boom", "/test/boom", boom, AUTHENTICATED)))
    client = harness.client("hq-clerk", raise_server_exceptions=False)
    response = client.get("/test/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
