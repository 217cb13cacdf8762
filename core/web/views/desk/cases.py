"""The case list: filters, sorting, keyset pages, and the CSV export of every filtered case."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from urllib.parse import urlencode

from sqlalchemy import bindparam, select
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from core.entities import CaseHold, ServiceCase
from core.entities.cases import STATES
from core.security.scope import SCOPE_KEY, set_scope
from core.services import reports
from core.services.cases import SORTS, case_page, filtered_cases
from core.services.holds import hold_kinds
from core.web.templating import render
from core.web.views.desk.common import LABELS, has

FILTERS = ("state", "hold", "service_point", "technician", "model", "from", "to", "q",
           "sort")
CSV_COLUMNS = ("reference", "state", "opened_at", "intake_on", "service_point", "channel",
               "body_code", "model_code", "own_product", "customer", "company", "phone",
               "address", "technician", "coverage_class", "fault_description")


def _params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k in (*FILTERS, "after") and v}


def case_list(request: Request) -> Response:
    params = _params(request)
    page = case_page(request.state.db, params)
    next_url = None
    if page.next_cursor:
        next_url = "/desk/cases?" + urlencode({**page.filters, "after": page.next_cursor})
    query = urlencode(page.filters)
    return render(request, "desk/cases.html", {
        "page": page, "values": params, "next_url": next_url,
        "first_url": "/desk/cases" + (f"?{query}" if query else ""),
        "csv_url": "/desk/cases.csv" + (f"?{query}" if query else ""),
        "can_export": has(request, "case.export"),
        "is_later_page": bool(params.get("after")),
        "choices": reports.filter_choices(request.state.db),
        "states": STATES, "sorts": tuple(SORTS), "labels": LABELS,
        "hold_kinds": hold_kinds(request.state.db),
        "held": _open_holds(request, [c.id for c in page.rows]),
    })


#: Built once (issue 11); the page's case ids are one expanding parameter.
_OPEN_HOLDS = select(CaseHold.case_id, CaseHold.kind).where(
    CaseHold.case_id.in_(bindparam("case_ids", expanding=True)),
    CaseHold.released_at.is_(None)).order_by(CaseHold.id)


def _open_holds(request: Request, case_ids: list[int]) -> dict[int, list[str]]:
    """The open holds of the cases on this page, in one query (shown as badges)."""
    if not case_ids:
        return {}
    found: dict[int, list[str]] = {}
    for case_id, kind in request.state.db.execute(_OPEN_HOLDS, {"case_ids": case_ids}):
        found.setdefault(case_id, []).append(kind)
    return found


def _cell(value: object) -> str:
    """Text for a spreadsheet: a leading = + - @ would be read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _row(case: ServiceCase, tz: object) -> list[str]:
    opened = case.opened_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]
    customer = case.customer
    return [_cell(v) for v in (
        case.reference, case.state, opened, case.intake_on.isoformat(),
        case.service_point.code, case.channel, case.body_code_text, case.model_code,
        "yes" if case.own_product else "no", customer.name, customer.company,
        case.contact_phone, case.address, case.technician.login if case.technician else "",
        case.coverage_class or "", case.fault_description)]


def case_csv(request: Request) -> Response:
    """Every case the filters select, streamed in keyset batches from a session of its own
    (the request's closes when this returns) with the same region scope."""
    statement, _used = filtered_cases(_params(request))  # bad filters fail here, as a 400
    state = request.app.state
    scope = request.state.db.info.get(SCOPE_KEY)
    tz = state.settings.tz

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so spreadsheet programs read the UTF-8 (Chinese names)
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        with state.sessionmaker() as session:
            set_scope(session, scope)
            for batch in reports.case_batches(session, statement):
                for case in batch:
                    writer.writerow(_row(case, tz))
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        if buffer.getvalue():
            yield buffer.getvalue()

    return StreamingResponse(
        lines(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"'})
