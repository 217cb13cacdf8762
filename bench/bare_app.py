"""The bare Starlette app ``make bench`` compares the project with (issue 11).

It answers the benchmarked paths from the project's own database with hand-written SQL: the
statements the response needs and nothing else, through the DB-API driver directly (one
``sqlite3`` or ``psycopg`` connection per worker thread, no ORM, no templates). It checks the
bearer token the way the project does -- the SHA-256 of the token looked up in ``api_token``
-- with the user, region and the route's permission in that same statement, and scopes
regional users to their region. So "project / bare" in the report is the cost of everything
the project adds over the SQL a view needs.

Served like the project: ``uvicorn bench.bare_app:app`` with ``BENCH_DATABASE_URL`` set
(``sqlite:///path`` or ``postgresql://...``); sync endpoints run in Starlette's thread pool.
``STATEMENTS`` counts statements per thread so the harness can report statements per request.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

PAGE_SIZE = 50


class Database:
    """One DB-API connection per thread; ``?`` placeholders on both backends."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith(("postgresql", "postgres"))
        self.local = threading.local()
        self.statements = 0  # counted under the GIL; exact enough for a sequential count

    def _connect(self) -> Any:
        if self.postgres:
            import psycopg

            dsn = self.url.replace("postgresql+psycopg://", "postgresql://")
            return psycopg.connect(dsn, autocommit=True)
        path = self.url.removeprefix("sqlite:///")
        connection = sqlite3.connect(path, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA busy_timeout=10000")
        return connection

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = self._connect()
        if self.postgres:
            sql = sql.replace("?", "%s")
        self.statements += 1
        cursor = connection.execute(sql, params)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    def ts(self, value: str) -> Any:
        """A cursor's ISO timestamp as this backend compares it: SQLite holds the UTC text
        SQLAlchemy wrote (``YYYY-MM-DD HH:MM:SS.ffffff``)."""
        at = datetime.fromisoformat(value)
        if self.postgres:
            return at
        if at.tzinfo is not None:
            at = at.astimezone(UTC)
        return at.strftime("%Y-%m-%d %H:%M:%S.%f")


DB = Database(os.environ.get("BENCH_DATABASE_URL", "sqlite:///var/aftersales.db"))


class Caller:
    def __init__(self, user_id: int, login: str, region_id: int, is_hq: bool) -> None:
        self.user_id, self.login, self.region_id, self.is_hq = user_id, login, region_id, is_hq


def authenticate(request: Request, permission: str) -> Caller | Response:
    """The token's hash, the user, their region and the permission: one statement."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return JSONResponse({"error": {"code": "unauthenticated"}}, status_code=401)
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    found = DB.rows(
        "SELECT u.id, u.login, sp.region_id, r.is_hq, EXISTS (SELECT 1 FROM user_role ur "
        "JOIN role_permission rp ON rp.role_id = ur.role_id WHERE ur.user_id = u.id "
        "AND rp.permission_id = ?) FROM api_token t JOIN user_account u ON u.id = t.user_id "
        "JOIN service_point sp ON sp.id = u.service_point_id JOIN region r ON r.id = "
        "sp.region_id WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.active",
        (permission, digest))
    if not found:
        return JSONResponse({"error": {"code": "unauthenticated"}}, status_code=401)
    user_id, login, region_id, is_hq, allowed = found[0]
    if not allowed and permission != "authenticated":
        return JSONResponse({"error": {"code": "forbidden"}}, status_code=403)
    return Caller(user_id, login, region_id, bool(is_hq))


def _scope(caller: Caller, column: str) -> tuple[str, tuple[Any, ...]]:
    return ("", ()) if caller.is_hq else (f" AND {column} = ?", (caller.region_id,))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _dicts(names: str, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    keys = [n.strip() for n in names.split(",")]
    return [{k: _plain(v) for k, v in zip(keys, row, strict=True)} for row in rows]


def guarded(permission: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    def wrap(view: Callable[..., Response]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            caller = authenticate(request, permission)
            if isinstance(caller, Response):
                return caller
            return view(request, caller)
        return endpoint
    return wrap


def healthz(request: Request) -> Response:
    DB.rows("SELECT 1")
    heads = [row[0] for row in DB.rows("SELECT version_num FROM alembic_version")]
    return JSONResponse({"status": "ok", "database": "ok", "migrations": heads})


UNIT_COLUMNS = ("id, body_code, model_code, model_name, own_product, oem, factory_date, "
                "customer_id, sold_on, returned_to_company_at")
UNIT_SQL = ("SELECT u.id, u.body_code, m.code, m.name, u.own_product, u.oem, u.factory_date, "
            "u.sold_to_id, u.sold_on, u.returned_to_company_at FROM unit u "
            "LEFT JOIN product_model m ON m.id = u.model_id")


@guarded("case.view")
def read_unit(request: Request, caller: Caller) -> Response:
    found = DB.rows(UNIT_SQL + " WHERE u.body_code = ?", (request.path_params["body_code"],))
    if not found:
        return JSONResponse({"error": {"code": "not_found"}}, status_code=404)
    unit = _dicts(UNIT_COLUMNS, found)[0]
    where, params = _scope(caller, "region_id")
    unit["cases"] = _dicts("id, state, opened_at, closed_at", DB.rows(
        "SELECT id, state, opened_at, closed_at FROM service_case WHERE unit_id = ?" + where
        + " ORDER BY id", (unit["id"], *params)))
    return JSONResponse(unit)


CASE_COLUMNS = ("id, state, channel, body_code, model_code, own_product, contact_name, "
                "contact_phone, address, purchase_date, fault_description, intake_on, "
                "coverage_class, coverage_reason, fault_found, quote_version, outcome, "
                "reason, opened_at, updated_at, service_point, unit_id, customer_id, "
                "customer_name, technician")


def _case(case_id: int, caller: Caller, page: bool) -> dict[str, Any] | None:
    where, params = _scope(caller, "c.region_id")
    found = DB.rows(
        "SELECT c.id, c.state, c.channel, c.body_code_text, c.model_code, c.own_product, "
        "c.contact_name, c.contact_phone, c.address, c.purchase_date, c.fault_description, "
        "c.intake_on, c.coverage_class, c.coverage_reason, c.fault_found, c.quote_version, "
        "c.outcome, c.reason, c.opened_at, c.updated_at, sp.code, c.unit_id, c.customer_id, "
        "cu.name, t.display_name FROM service_case c JOIN service_point sp ON sp.id = "
        "c.service_point_id LEFT JOIN customer cu ON cu.id = c.customer_id LEFT JOIN "
        "user_account t ON t.id = c.technician_id WHERE c.id = ?" + where,
        (case_id, *params))
    if not found:
        return None
    case = _dicts(CASE_COLUMNS, found)[0]
    if case["unit_id"] is not None:
        case["unit"] = _dicts(UNIT_COLUMNS, DB.rows(UNIT_SQL + " WHERE u.id = ?",
                                                    (case["unit_id"],)))[0]
    case["charges"] = _dicts(
        "id, kind, description, quantity, unit_price_cents, waived, voided_at", DB.rows(
            "SELECT id, kind, description, quantity, unit_price_cents, waived, voided_at "
            "FROM charge WHERE case_id = ? ORDER BY id", (case_id,)))
    case["confirmations"] = _dicts(
        "id, quote_version, total_cents, accepted, method, customer_name, at", DB.rows(
            "SELECT id, quote_version, total_cents, accepted, method, customer_name, at "
            "FROM confirmation WHERE case_id = ? ORDER BY id", (case_id,)))
    case["payments"] = _dicts(
        "id, receipt_number, amount_cents, method, at, collected_by", DB.rows(
            "SELECT p.id, p.receipt_number, p.amount_cents, p.method, p.at, u.display_name "
            "FROM payment p LEFT JOIN user_account u ON u.id = p.collected_by_id "
            "WHERE p.case_id = ? ORDER BY p.id", (case_id,)))
    case["credit_notes"] = _dicts(
        "id, number, kind, amount_cents, method, at", DB.rows(
            "SELECT id, number, kind, amount_cents, method, at FROM credit_note "
            "WHERE case_id = ? ORDER BY id", (case_id,)))
    case["credits"] = _dicts("id, kind, amount_cents, description", DB.rows(
        "SELECT id, kind, amount_cents, description FROM case_credit WHERE case_id = ? "
        "ORDER BY id", (case_id,)))
    case["events"] = _dicts("id, at, kind, from_state, to_state, note, by", DB.rows(
        "SELECT e.id, e.at, e.kind, e.from_state, e.to_state, e.note, u.display_name "
        "FROM case_event e LEFT JOIN user_account u ON u.id = e.user_id WHERE e.case_id = ? "
        "ORDER BY e.at, e.id", (case_id,)))
    case["holds"] = _dicts("id, kind, reason, placed_at", DB.rows(
        "SELECT id, kind, reason, placed_at FROM case_hold WHERE case_id = ? "
        "AND released_at IS NULL ORDER BY id", (case_id,)))
    if page:
        case["faults"] = _dicts("id, description, cause", DB.rows(
            "SELECT id, description, cause FROM fault_line WHERE case_id = ? ORDER BY id",
            (case_id,)))
    payable = sum(c["quantity"] * c["unit_price_cents"] for c in case["charges"]
                  if not c["waived"] and c["voided_at"] is None)
    paid = sum(p["amount_cents"] for p in case["payments"])
    case.update(payable_cents=payable, paid_cents=paid, balance_cents=payable - paid)
    return case


@guarded("case.view")
def read_case(request: Request, caller: Caller) -> Response:
    case = _case(request.path_params["case_id"], caller, page=False)
    if case is None:
        return JSONResponse({"error": {"code": "not_found"}}, status_code=404)
    return JSONResponse(case)


def _page(title: str, body: list[str]) -> HTMLResponse:
    return HTMLResponse("<!doctype html><html><head><meta charset=utf-8><title>"
                        + html.escape(title) + "</title></head><body><main>"
                        + "".join(body) + "</main></body></html>")


def _table(items: list[dict[str, Any]]) -> str:
    if not items:
        return "<p>-</p>"
    head = "".join(f"<th>{html.escape(k)}</th>" for k in items[0])
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in item.values())
                   + "</tr>" for item in items)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


@guarded("case.view")
def case_page(request: Request, caller: Caller) -> Response:
    case = _case(request.path_params["case_id"], caller, page=True)
    if case is None:
        return HTMLResponse("<h1>404</h1>", status_code=404)
    body = [f"<h1>Case SC-{case['id']:06d}</h1><dl>"]
    body += [f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>"
             for k, v in case.items() if not isinstance(v, list | dict)]
    body.append("</dl>")
    for part in ("faults", "charges", "confirmations", "payments", "credit_notes", "credits",
                 "holds", "events"):
        body.append(f"<h2>{part}</h2>" + _table(case[part]))
    return _page(f"SC-{case['id']:06d}", body)


def _aware(value: Any) -> datetime:
    """SQLite gives the stored UTC text back; the cursor carries ISO with the zone."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _cursor(values: list[Any]) -> str:
    raw = json.dumps([_plain(v) for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@guarded("case.view")
def case_list(request: Request, caller: Caller) -> Response:
    where, params = _scope(caller, "c.region_id")
    after = request.query_params.get("after")
    if after:
        at, last_id = json.loads(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)))
        bound = DB.ts(at)
        where += " AND c.opened_at <= ? AND (c.opened_at, c.id) < (?, ?)"
        params += (bound, bound, int(last_id))
    rows = DB.rows(
        "SELECT c.id, c.state, c.body_code_text, c.model_code, c.contact_name, "
        "c.intake_on, c.opened_at, sp.code, t.display_name FROM service_case c "
        "JOIN service_point sp ON sp.id = c.service_point_id LEFT JOIN user_account t "
        "ON t.id = c.technician_id WHERE 1 = 1" + where
        + " ORDER BY c.opened_at DESC, c.id DESC LIMIT ?", (*params, PAGE_SIZE + 1))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    holds: dict[int, list[str]] = {}
    if rows:
        marks = ", ".join("?" * len(rows))
        for case_id, kind in DB.rows(
                f"SELECT case_id, kind FROM case_hold WHERE case_id IN ({marks}) "
                "AND released_at IS NULL ORDER BY id", [r[0] for r in rows]):
            holds.setdefault(case_id, []).append(kind)
    regions = DB.rows("SELECT id, code, name FROM region ORDER BY code")
    body = ["<h1>Cases</h1><form><select name=region>"]
    body += [f"<option value={r[0]}>{html.escape(r[1])} {html.escape(r[2])}</option>"
             for r in regions]
    body.append("</select></form><table><tbody>")
    for case_id, state, code, model, name, intake_on, _opened, point, tech in rows:
        body.append(
            f"<tr><td><a href=\"/desk/cases/{case_id}\">SC-{case_id:06d}</a></td>"
            f"<td>{html.escape(state)}</td><td>{html.escape(code or '')}</td>"
            f"<td>{html.escape(model or '')}</td><td>{html.escape(name or '')}</td>"
            f"<td>{_plain(intake_on)}</td><td>{html.escape(point)}</td>"
            f"<td>{html.escape(tech or '')}</td>"
            f"<td>{html.escape(', '.join(holds.get(case_id, [])))}</td></tr>")
    body.append("</tbody></table>")
    if more:
        last = rows[-1]
        body.append(f'<a href="/desk/cases?after={_cursor([_aware(last[6]), last[0]])}" '
                    'rel="next">Next page</a>')
    return _page("Cases", body)


@guarded("authenticated")
def dashboard(request: Request, caller: Caller) -> Response:
    regions = DB.rows("SELECT id, code, name FROM region ORDER BY code")
    body = [f"<h1>Dashboard of {html.escape(caller.login)}</h1><select name=region>"]
    body += [f"<option value={r[0]}>{html.escape(r[1])}</option>" for r in regions]
    body.append("</select>")
    body += [f'<section hx-get="/desk/widgets/{w}" hx-trigger="load"></section>'
             for w in ("open-by-state", "open-by-age", "waiting", "arrivals", "turnaround")]
    return _page("Dashboard", body)


def create_app() -> Starlette:
    return Starlette(routes=[
        Route("/healthz", healthz),
        Route("/api/v1/units/{body_code}", read_unit),
        Route("/api/v1/cases/{case_id:int}", read_case),
        Route("/desk/cases", case_list),
        Route("/desk/cases/{case_id:int}", case_page),
        Route("/", dashboard),
    ])


app = create_app()
