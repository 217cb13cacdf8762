"""Parts pages: stock with receipts, transfers with a printable packing list and the receipt
form, requisitions with HQ's decision and shipment, tools, reports with CSV, the case panel
(reserve and issue) and the late-requisitions widget. Every form posts with CSRF (core's
route wrapper) and shows a domain error as a flash message, never a 500."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from core.plugin_api import (
    N_,
    DomainError,
    NotFound,
    User,
    flash,
    form_data,
    get_case,
    gettext_for,
    render,
    request_locale,
    utcnow,
)
from plugins.parts import reports, services
from plugins.parts.models import Part, Requisition, Reservation, Stock, Tool, Transfer, Warehouse

#: Values shown translated in templates (``_(row.state)``), marked here for extraction.
LABELS = (N_("new"), N_("refurbished"), N_("faulty"), N_("reserved"), N_("issued"),
          N_("released"), N_("submitted"), N_("approved"), N_("rejected"), N_("shipped"),
          N_("received"), N_("cancelled"))
#: Words core's pages look up in the catalogues (issue 18): the case history's "What" column
#: (``event:<kind>``), the audit page's record types, actions and fields (``audit:<key>``).
CORE_LABELS = (
    N_("event:parts"),
    N_("audit:parts_part"), N_("audit:parts_requisition"), N_("audit:parts_transfer"),
    N_("audit:parts_reservation"), N_("audit:parts_warehouse"),
    N_("audit:save"), N_("audit:ship"), N_("audit:reserve"), N_("audit:release"),
    N_("audit:expires_at"), N_("audit:needed_by"), N_("audit:part"), N_("audit:purpose"),
    N_("audit:quantity"), N_("audit:warehouse"), N_("plugin:parts"),
)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _attempt(request: Request, back: str, work: Callable[[], Any], done: str) -> Response:
    """Run a form's work; a domain error is undone and flashed on the page it came from."""
    _ = gettext_for(request).gettext
    try:
        with request.state.db.begin_nested():  # a refused step leaves no partial writes
            work()
    except DomainError as error:
        message, fields = error.localized(_)
        detail = "; ".join(f"{k}: {v}" for k, v in fields.items() if v != message)
        flash(request, message + (f" ({detail})" if detail else ""), "error")
        return _see_other(back)
    flash(request, _(done), "success")
    return _see_other(back)


def _page(request: Request, template: str, context: dict[str, Any],
          status_code: int = 200) -> Response:
    return render(request, template, {"perms": request.state.permissions,
                                      "today": services.today(request.state.db), **context},
                  status_code=status_code)


def home(request: Request) -> Response:
    return _see_other("/parts/stock")


def catalogue(request: Request) -> Response:
    parts = list(request.state.db.scalars(select(Part).order_by(Part.number)))
    return _page(request, "parts/catalogue.html", {"parts": parts})


def catalogue_form(request: Request) -> Response:
    """Add a part, or change the one with that number: names in English and Chinese, so a
    Chinese reader sees the part by its Chinese name everywhere (``Part.label``)."""
    data = form_data(request)
    session = request.state.db

    def save() -> None:
        number = str(data.get("number") or "").strip()
        existing = None
        if number:
            try:
                existing = services.get_part(session, number)
            except NotFound:
                existing = None
        services.save_part(session, data, existing)

    return _attempt(request, "/parts/catalogue", save, N_("Part saved."))


def stock_page(request: Request) -> Response:
    session = request.state.db
    rows = list(session.scalars(select(Stock).order_by(Stock.warehouse_id, Stock.part_id,
                                                       Stock.condition)))
    from plugins.parts import holds

    return _page(request, "parts/stock.html", {
        "holds": holds.holds(session),
        "users": {u.id: u for u in session.scalars(select(User).where(User.active.is_(True))
                                                   .order_by(User.display_name))},
        "rows": rows, "parts": list(session.scalars(select(Part).order_by(Part.number))),
        "warehouses": list(session.scalars(select(Warehouse).order_by(Warehouse.code))),
        "replenish": services.replenishment(session)})


def hold_form(request: Request) -> Response:
    """Set stock aside without a case (purpose, person, expiry)."""
    from plugins.parts import holds

    data = form_data(request)
    if not data.get("held_for"):
        data.pop("held_for", None)
    return _attempt(request, "/parts/stock",
                    lambda: holds.reserve_stock(request.state.db, request.state.user, data),
                    N_("Parts set aside."))


def hold_release_form(request: Request) -> Response:
    from plugins.parts import holds

    return _attempt(request, "/parts/stock", lambda: holds.release_stock(
        request.state.db, request.path_params["reservation_id"], request.state.user),
        N_("Reservation released."))


def receive_form(request: Request) -> Response:
    data = form_data(request)
    return _attempt(request, "/parts/stock",
                    lambda: services.receive(request.state.db, request.state.user, data),
                    N_("Parts received."))


def returns_page(request: Request) -> Response:
    """Faulty parts awaiting return to HQ (R-6): filter by warehouse and part, order by age,
    warehouse or part; a store's keeper sends the chosen ones in one transfer."""
    from plugins.parts import returns as faulty

    session = request.state.db
    query = request.query_params
    order = query.get("order", "age") if query.get("order", "age") in faulty.ORDERS else "age"
    items = faulty.awaiting_return(session, warehouse=query.get("warehouse", ""),
                                   part=query.get("part", ""), order=order)
    by_warehouse: dict[str, list[Any]] = {}
    for item in items:
        by_warehouse.setdefault(item.warehouse.code, []).append(item)
    return _page(request, "parts/returns.html", {
        "items": items, "by_warehouse": by_warehouse, "now": utcnow(), "order": order,
        "filters": {"warehouse": query.get("warehouse", ""), "part": query.get("part", "")},
        "warehouses": list(session.scalars(select(Warehouse).where(
            Warehouse.central.is_(False)).order_by(Warehouse.code)))})


def returns_form(request: Request) -> Response:
    from plugins.parts import returns as faulty

    data = form_data(request)
    payload = {"warehouse": data.get("warehouse"), "waybill": data.get("waybill", ""),
               "stock_ids": request.state.form.getlist("stock_id")
               if request.state.form is not None else []}
    return _attempt(request, "/parts/returns",
                    lambda: faulty.send_to_hq(request.state.db, request.state.user, payload),
                    N_("Faulty parts sent to HQ."))


def transfers_page(request: Request) -> Response:
    session = request.state.db
    return _page(request, "parts/transfers.html", {
        "transfers": list(session.scalars(select(Transfer).order_by(Transfer.id.desc()))),
        "parts": list(session.scalars(select(Part).order_by(Part.number))),
        "warehouses": list(session.scalars(select(Warehouse).order_by(Warehouse.code)))})


def _form_lines(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"part": data.get("part", ""), "quantity": data.get("quantity", ""),
             "condition": data.get("condition") or "new"}]


def ship_form(request: Request) -> Response:
    data = form_data(request)
    payload = {**data, "lines": _form_lines(data)}
    return _attempt(request, "/parts/transfers",
                    lambda: services.ship(request.state.db, request.state.user, payload),
                    N_("Transfer shipped."))


def transfer_page(request: Request) -> Response:
    transfer = services.get_transfer(request.state.db, request.path_params["transfer_id"])
    return _page(request, "parts/transfer.html", {"t": transfer})


def packing_list(request: Request) -> Response:
    transfer = services.get_transfer(request.state.db, request.path_params["transfer_id"])
    source = services._any_warehouse(request.state.db, transfer.from_warehouse_id)
    target = services._any_warehouse(request.state.db, transfer.to_warehouse_id)
    return render(request, "parts/packing_list.html", {"t": transfer, "source": source,
                                                       "target": target})


def receipt_form(request: Request) -> Response:
    transfer_id = request.path_params["transfer_id"]
    data = form_data(request)
    received = {k.split("_", 1)[1]: v for k, v in data.items() if k.startswith("received_")}
    notes = {k.split("_", 1)[1]: v for k, v in data.items() if k.startswith("note_")}
    return _attempt(request, f"/parts/transfers/{transfer_id}",
                    lambda: services.receive_transfer(
                        request.state.db, transfer_id, request.state.user,
                        {"received": received, "notes": notes}),
                    N_("Receipt confirmed."))


def requisitions_page(request: Request) -> Response:
    session = request.state.db
    return _page(request, "parts/requisitions.html", {
        "requisitions": list(session.scalars(select(Requisition)
                                             .order_by(Requisition.id.desc()))),
        "parts": list(session.scalars(select(Part).order_by(Part.number))),
        "warehouses": list(session.scalars(select(Warehouse).order_by(Warehouse.code))),
        "is_late": services.is_late})


def request_form(request: Request) -> Response:
    data = form_data(request)
    payload = {**data, "lines": _form_lines(data)}
    if not payload.get("case_id"):
        payload.pop("case_id", None)
    return _attempt(request, "/parts/requisitions",
                    lambda: services.request_parts(request.state.db, request.state.user,
                                                   payload),
                    N_("Requisition sent."))


def requisition_page(request: Request) -> Response:
    session = request.state.db
    found = services.get_requisition(session, request.path_params["requisition_id"])
    transfers = list(session.scalars(select(Transfer).where(
        Transfer.requisition_id == found.id)))
    return _page(request, "parts/requisition.html", {
        "r": found, "transfers": transfers, "is_late": services.is_late,
        "warehouses": list(session.scalars(select(Warehouse).order_by(Warehouse.code)))})


def decide_form(request: Request) -> Response:
    rid = request.path_params["requisition_id"]
    data = form_data(request)
    approved = {k.split("_", 1)[1]: v for k, v in data.items() if k.startswith("approved_")}
    payload = {"approve": data.get("decision") != "reject", "note": data.get("note", ""),
               "approved": approved}
    return _attempt(request, f"/parts/requisitions/{rid}",
                    lambda: services.decide(request.state.db, rid, request.state.user,
                                            payload), N_("Decision recorded."))


def ship_requisition_form(request: Request) -> Response:
    rid = request.path_params["requisition_id"]
    data = form_data(request)
    return _attempt(request, f"/parts/requisitions/{rid}",
                    lambda: services.ship_requisition(request.state.db, rid,
                                                      request.state.user, data),
                    N_("Transfer shipped."))


def tools_page(request: Request) -> Response:
    session = request.state.db
    return _page(request, "parts/tools.html", {
        "tools": list(session.scalars(select(Tool).order_by(Tool.code))),
        "users": {u.id: u for u in session.scalars(select(User))}})


def tool_form(request: Request) -> Response:
    tool_id = request.path_params["tool_id"]
    action = request.path_params["action"]
    data = form_data(request)
    if action == "check-out":
        return _attempt(request, "/parts/tools", lambda: services.check_out(
            request.state.db, tool_id, request.state.user, data), N_("Tool checked out."))
    if action == "return":
        return _attempt(request, "/parts/tools", lambda: services.check_in(
            request.state.db, tool_id, request.state.user), N_("Tool returned."))
    raise NotFound(N_("No such action."))


def _period(request: Request) -> tuple[reports.Period, dict[str, str]]:
    """The page's ``from``/``to``; a bad value is a field error in the reader's language."""
    data = {"from": request.query_params.get("from", ""),
            "to": request.query_params.get("to", "")}
    try:
        return reports.period_from(data), {}
    except DomainError as error:
        _message, fields = error.localized(gettext_for(request).gettext)
        return reports.Period(), fields


def _chinese_names(request: Request, raw: dict[str, Any]) -> dict[str, Any]:
    """For a Chinese reader, a report's part names in Chinese where the catalogue has them
    (one query for every part the reports name)."""
    if not request_locale(request).startswith("zh"):
        return raw
    numbers = {row[h.index("part")] for h, rows in raw.values() if "part" in h and "name" in h
               for row in rows}
    if not numbers:
        return raw
    names = {number: zh for number, zh in request.state.db.execute(
        select(Part.number, Part.name_zh).where(Part.number.in_(numbers))) if zh}
    out = {}
    for key, (header, rows) in raw.items():
        if "part" in header and "name" in header:
            p, n = header.index("part"), header.index("name")
            rows = [[names.get(row[p], cell) if i == n else cell for i, cell in enumerate(row)]
                    for row in rows]
        out[key] = (header, rows)
    return out


def _localized(header: list[str], rows: list[Any], gettext: Callable[[str], str]
               ) -> tuple[list[str], list[list[Any]]]:
    """Headers and the words in cells (a condition, yes/no) in the reader's language."""
    words = {"condition", "still_held", "waived"}
    names = [gettext(reports.COLUMN_LABELS.get(name, name)) for name in header]
    out = []
    for row in rows:
        cells = []
        for name, value in zip(header, row, strict=True):
            if name in words and isinstance(value, bool):
                value = gettext("yes") if value else gettext("no")
            elif name in words and isinstance(value, str):
                value = gettext(value)
            cells.append(value)
        out.append(cells)
    return names, out


def reports_page(request: Request) -> Response:
    """The reports for a period (``from``/``to``, in the instance's days), region-scoped;
    a bad period is shown on its fields (400) with nothing computed."""
    _ = gettext_for(request).gettext
    period, errors = _period(request)
    raw = {} if errors else _chinese_names(request, {
        name: make(request.state.db, period) for name, make in reports.REPORTS.items()})
    tables = {name: _localized(*table, _) for name, table in raw.items()}
    charts = {} if errors else {
        "consumption": _bars([(f"{r[0]} {r[1]}", int(r[3])) for r in raw["consumption"][1]]),
        "stock_value": _bars([(f"{r[0]} {_(str(r[1]))}", int(r[3]))
                              for r in raw["stock_value"][1]])}
    query = "&".join(f"{k}={request.query_params[k]}" for k in ("from", "to")
                     if request.query_params.get(k) and not errors)
    return _page(request, "parts/reports.html", {
        "tables": tables, "charts": charts, "errors": errors, "query": query,
        "period": {"from": request.query_params.get("from", ""),
                   "to": request.query_params.get("to", "")},
        "money_columns": {name: [i for i, h in enumerate(table[0]) if h.endswith("_cents")]
                          for name, table in raw.items()}},
        status_code=400 if errors else 200)


def _bars(points: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """(label, value, width in %) for a plain CSS bar chart: no script, no CDN."""
    top = max((v for _, v in points), default=0) or 1
    return [(label, value, max(1, round(100 * value / top))) for label, value in points[:20]]


def yuan_columns(header: list[str], rows: list[Any]) -> tuple[list[str], list[list[Any]]]:
    """Issue 18: a spreadsheet gets yuan with two decimals, like every page, not integer
    cents: each ``*_cents`` column becomes ``*_yuan`` (``4000`` -> ``40.00``). The JSON API
    keeps cents."""
    money = {i for i, name in enumerate(header) if name.endswith("_cents")}
    names = [name[:-len("_cents")] + "_yuan" if i in money else name
             for i, name in enumerate(header)]
    return names, [[("" if value is None else f"{Decimal(int(value)) / 100:.2f}")
                    if i in money else value for i, value in enumerate(row)]
                   for row in rows]


def report_csv(request: Request) -> Response:
    """A report as CSV for the period, headers and words in the reader's language, money in
    yuan; a bad period is a 400 with the reason."""
    name = request.path_params["name"]
    if name not in reports.REPORTS:
        raise NotFound(N_("No such report."))
    try:
        period = reports.period_from({"from": request.query_params.get("from", ""),
                                      "to": request.query_params.get("to", "")})
    except DomainError as error:
        error.status_code = 400
        raise
    table = _chinese_names(request, {name: reports.REPORTS[name](request.state.db, period)})
    header, rows = _localized(*yuan_columns(*table[name]), gettext_for(request).gettext)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    span = "".join(f"-{d.isoformat()}" for d in (period.start, period.end) if d)
    return Response(out.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="parts-{name}{span}.csv"'})


def case_panel(request: Request) -> Response:
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    reservations = list(session.scalars(select(Reservation).where(
        Reservation.case_id == case.id).order_by(Reservation.id)))
    reqs = list(session.scalars(select(Requisition).where(
        Requisition.case_id == case.id).order_by(Requisition.id)))
    parts = [p for p in session.scalars(select(Part).where(Part.active.is_(True))
                                        .order_by(Part.number)) if p.fits(case.model_code)]
    return _page(request, "parts/case_panel.html", {
        "case": case, "reservations": reservations, "requisitions": reqs, "parts": parts,
        "is_late": services.is_late, "can_reserve": case.state in services.RESERVE_STATES,
        "can_issue": case.state in services.ISSUE_STATES})


def case_reserve(request: Request) -> Response:
    case_id = request.path_params["case_id"]
    data = form_data(request)
    return _attempt(request, f"/desk/cases/{case_id}", lambda: services.reserve(
        request.state.db, case_id, request.state.user, data), N_("Parts reserved."))


def case_issue(request: Request) -> Response:
    case_id = request.path_params["case_id"]
    data = form_data(request)
    return _attempt(request, f"/desk/cases/{case_id}", lambda: services.issue(
        request.state.db, case_id, request.state.user, data), N_("Parts issued."))


def widget_late(request: Request) -> Response:
    session = request.state.db
    day = services.today(session)
    late = [r for r in session.scalars(select(Requisition).where(
        Requisition.state.in_(services.OPEN_REQUISITIONS), Requisition.needed_by < day)
        .order_by(Requisition.needed_by))]
    return render(request, "parts/widget_late.html", {"late": late})
