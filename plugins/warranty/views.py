"""Warranty pages: panels on the unit and case pages, class override, return/exchange
requests, and HQ's warranty cost report."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from core.plugin_api import (
    N_,
    Charge,
    DomainError,
    ServiceCase,
    Term,
    Unit,
    decode_body_code,
    flash,
    form_data,
    get_case,
    gettext_for,
    local_today,
    model_by_code,
    render,
    render_message,
    swap_of,
    unit_by_code,
)
from plugins.warranty.coverage import coverage_of, params_for
from plugins.warranty.models import ReturnRequest
from plugins.warranty.texts import OUTCOMES


def unit_panel(request: Request) -> Response:
    """Warranty status of a unit (W-2): on file, or read from a body code at intake."""
    session = request.state.db
    code = request.path_params["body_code"]
    unit = unit_by_code(session, code)
    if unit is None:
        decoded = decode_body_code(request.app.state.pm, code)  # 422 when unreadable
        unit = Unit(body_code=decoded.code, model=model_by_code(session, decoded.model_code),
                    factory_date=decoded.factory_date, own_product=True)
    today = local_today(request.app.state.settings)
    coverage = coverage_of(session, unit.own_product, unit, today)
    days_left = (coverage.warranty_end - today).days if coverage.warranty_end else None
    months = params_for(session, unit).warranty_months
    return render(request, "warranty/unit_panel.html", {
        "unit": unit, "coverage": coverage, "days_left": days_left, "months": months,
        "tail": without_class})


_CLASS_HEAD = re.compile(r"^\s*(?:Class [ABC] — |[ABC]类——)")


def without_class(reason: str) -> str:
    """A coverage reason without its "Class A — " head, shown after a "Class A" badge
    (issue 18: the panel read "Class A Class A — ...")."""
    return _CLASS_HEAD.sub("", reason or "", count=1)


def case_panel(request: Request, errors: dict[str, str] | None = None,
               values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    requests = list(session.scalars(select(ReturnRequest).where(
        ReturnRequest.case_id == case.id).order_by(ReturnRequest.id)))
    coverage = coverage_of(session, case.own_product, case.unit, case.intake_on) \
        if case.unit or not case.own_product else None
    from plugins.warranty.services import approved_exchange, exchange_models

    swap = swap_of(session, case)
    return render(request, "warranty/case_panel.html", {
        "case": case, "coverage": coverage, "requests": requests,
        "exchange_models": exchange_models(session, case.unit),
        "exchange": approved_exchange(session, case), "swap": swap,
        "swap_units": (session.get(Unit, swap.returned_unit_id),
                       session.get(Unit, swap.replacement_unit_id)) if swap else None,
        "errors": errors or {}, "values": values or {}, "tail": without_class},
        status_code=status_code)


def override(request: Request) -> Response:
    from plugins.warranty.services import override_class

    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = form_data(request)
    try:
        override_class(session, case, request.state.user, data, request.app.state.pm)
    except DomainError as error:
        session.rollback()
        message, fields = error.localized(gettext_for(request).gettext)
        return case_panel(request, fields or {"coverage_class": message},
                          {k: str(v) for k, v in data.items()}, status_code=400)
    flash(request, gettext_for(request).gettext("The coverage class was overridden."))
    return RedirectResponse(f"/desk/cases/{case.id}", status_code=303)


def record_request(request: Request) -> Response:
    from plugins.warranty.services import record_request as record

    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = form_data(request)
    try:
        row = record(session, request.app.state.pm, case, request.state.user, data)
    except DomainError as error:
        session.rollback()
        message, fields = error.localized(gettext_for(request).gettext)
        return case_panel(request, fields or {"kind": message},
                          {k: str(v) for k, v in data.items()}, status_code=400)
    gettext = gettext_for(request).gettext
    # issue 18: the outcome in words, not its key ("exchange_or_depreciated_return")
    flash(request, render_message(N_("%(outcome)s: %(reason)s"), {
        "outcome": Term(OUTCOMES.get(row.outcome, row.outcome)), "reason": row.reason},
        gettext))
    return RedirectResponse(f"/desk/cases/{case.id}", status_code=303)


def complete_exchange(request: Request) -> Response:
    """Issue 10: the replacement unit goes to the customer, the case's unit comes back."""
    from plugins.warranty.services import complete_exchange as complete

    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = form_data(request)
    try:
        swap = complete(session, case, request.state.user, data,
                        local_today(request.app.state.settings))
    except DomainError as error:
        session.rollback()
        message, fields = error.localized(gettext_for(request).gettext)
        return case_panel(request, fields or {"replacement_body_code": message},
                          {k: str(v) for k, v in data.items()}, status_code=400)
    _ = gettext_for(request).gettext
    replacement = session.get(Unit, swap.replacement_unit_id)
    flash(request, _("Exchange recorded: %(code)s goes to the customer.")
          % {"code": replacement.body_code if replacement else ""})
    return RedirectResponse(f"/desk/cases/{case.id}", status_code=303)


def _report_rows(request: Request) -> list[dict[str, object]]:
    """Free (waived) labour and parts in warranty by model and month: what drives product
    improvement. Aggregated in Python from one query; the scope applies to the join."""
    session = request.state.db
    rows = session.execute(
        select(ServiceCase.model_code, Charge.created_at, Charge.kind,
               Charge.quantity * Charge.unit_price_cents)
        .join(ServiceCase, ServiceCase.id == Charge.case_id)
        .where(Charge.waived.is_(True), Charge.voided_at.is_(None),
               Charge.kind.in_(("labour", "part")))
    ).all()
    tz = request.app.state.settings.tz
    totals: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"labour": 0, "part": 0, "lines": 0})
    for model_code, created_at, kind, amount in rows:
        month = created_at.astimezone(tz).strftime("%Y-%m")
        bucket = totals[(model_code, month)]
        bucket[kind] += int(amount or 0)
        bucket["lines"] += 1
    return [{"model": model, "month": month, **values}
            for (model, month), values in sorted(totals.items(),
                                                 key=lambda kv: (kv[0][1], kv[0][0]),
                                                 reverse=True)]


def report(request: Request) -> Response:
    rows = _report_rows(request)
    return render(request, "warranty/report.html", {
        "rows": rows, "total_labour": sum(int(r["labour"]) for r in rows),  # type: ignore[call-overload]
        "total_parts": sum(int(r["part"]) for r in rows)})  # type: ignore[call-overload]


def _yuan(cents: object) -> str:
    return f"{int(cents) / 100:.2f}"  # type: ignore[call-overload]


def report_csv(request: Request) -> Response:
    rows = _report_rows(request)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # issue 18: amounts in yuan with two decimals, like every page (not integer cents)
        writer.writerow(["model", "month", "free_labour_yuan", "free_parts_yuan", "lines"])
        for row in rows:
            writer.writerow([row["model"], row["month"], _yuan(row["labour"]),
                             _yuan(row["part"]), row["lines"]])
        yield buffer.getvalue()

    name = f"warranty-costs-{date.today():%Y%m%d}.csv"
    return StreamingResponse(lines(), media_type="text/csv",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
