"""Loaner pages: the pool (filters, pagination, add and CSV import), a unit with its history,
loans and the approval queue, a loan with its lend and return checklists, the printable
agreement, the case panel, the overdue widget and the numbers (with CSV)."""

from __future__ import annotations

import csv
import io
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from core.plugin_api import (
    N_,
    DomainError,
    error_context,
    flash,
    form_data,
    form_status,
    get_case,
    gettext_for,
    has,
    render,
    see_other,
)
from plugins.loaner import policy, reservations, services, terms

VIEW = "loaner.view"
LEND = "loaner.lend"
APPROVE = "loaner.approve"
OTHER_POINTS = "loaner.other_points"
OTHER_MODEL = "loaner.other_model"
MANAGE = "loaner.manage"
CANCEL_ANY = "loaner.cancel_any"
TERMS = "loaner.terms"

UNIT_STATUSES = {"available": N_("available"), "reserved": N_("reserved"),
                 "on_loan": N_("on loan"), "in_check": N_("in check"),
                 "retired": N_("retired")}
LOAN_STATUSES = {"requested": N_("awaiting approval"), "approved": N_("ready to lend"),
                 "lent": N_("lent"), "returned": N_("returned"), "declined": N_("declined"),
                 "cancelled": N_("cancelled")}
CONDITIONS = policy.CONDITION_LABELS
#: Words core's pages look up in the catalogues (issue 18): the case history's "What" column
#: (``event:<kind>``) and the audit page's record types, actions and fields (``audit:<key>``).
LABELS = (
    N_("event:loaner.requested"), N_("event:loaner.decided"), N_("event:loaner.cancelled"),
    N_("event:loaner.deposit"), N_("event:loaner.lent"), N_("event:loaner.returned"),
    N_("event:loaner.refund"), N_("event:loaner.deposit_kept"), N_("event:loaner.recall"),
    N_("event:loaner.reminder"), N_("event:loaner.due_reminder"),
    N_("event:loaner.exception"), N_("event:loaner.booked"),
    N_("event:loaner.booking_cancelled"),
    N_("audit:loaner_loan"), N_("audit:loaner_unit"), N_("audit:loaner_terms"),
    N_("audit:loaner_reservation"),
    N_("audit:request"), N_("audit:approve"), N_("audit:decline"), N_("audit:lend"),
    N_("audit:return"), N_("audit:exception"), N_("audit:retire"), N_("audit:cancel"),
    N_("audit:accessories"), N_("audit:charged_on_case"), N_("audit:charges_cents"),
    N_("audit:condition"), N_("audit:cross_point"), N_("audit:deposit_cents"),
    N_("audit:end_on"), N_("audit:kept_cents"), N_("audit:photos"), N_("audit:point"),
    N_("audit:prices"), N_("audit:refund_cents"), N_("audit:start_on"), N_("audit:unit"),
    N_("audit:loaner.waiting_for_loaner"),  # the hold's kind, a value in core's hold entry
    N_("plugin:loaner"),
)
ITEM_STATES = {"ok": N_("back, fine"), "missing": N_("missing"), "damaged": N_("damaged")}
EVENTS = {"added": N_("Added to the pool"), "requested": N_("Requested"),
          "approved": N_("Request accepted"), "declined": N_("Request declined"),
          "cancelled": N_("Request cancelled"), "lent": N_("Lent"),
          "recalled": N_("Recalled"), "reminded": N_("Overdue reminder"),
          "due_reminded": N_("Reminder before the due date"),
          "returned": N_("Returned"), "checked": N_("Checked, back in the pool"),
          "retired": N_("Retired")}
METHODS = policy.METHOD_LABELS


def _page(request: Request, template: str, context: dict[str, Any],
          status_code: int = 200) -> Response:
    perms = request.state.permissions
    base = {"unit_statuses": UNIT_STATUSES, "loan_statuses": LOAN_STATUSES,
            "conditions": CONDITIONS, "item_states": ITEM_STATES, "events": EVENTS,
            "methods": METHODS, "today": services.today(request.state.db),
            "can_lend": LEND in perms, "can_manage": MANAGE in perms,
            "can_approve": APPROVE in perms, "can_other_model": OTHER_MODEL in perms,
            "can_terms": TERMS in perms,
            "errors": {}, "values": {}, "form": "", "form_error": ""}
    return render(request, template, {**base, **context}, status_code=status_code)


def _values(data: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in data.items() if isinstance(v, str)}


def _int(request: Request, name: str, default: int = 0) -> int:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isdigit() else default


def _pager(request: Request, page: int, total: int) -> dict[str, Any]:
    pages = max((total + services.PAGE_SIZE - 1) // services.PAGE_SIZE, 1)
    params = {k: v for k, v in request.query_params.items() if k != "page"}

    def url(number: int) -> str:
        query = "&".join(f"{k}={v}" for k, v in {**params, "page": number}.items())
        return f"{request.url.path}?{query}"

    return {"page": page, "pages": pages, "total": total,
            "prev_url": url(page - 1) if page > 1 else "",
            "next_url": url(page + 1) if page < pages else ""}


def _confirmed(data: dict[str, Any]) -> None:
    """Destructive actions (retire, decline, cancel) ask for a ticked confirmation."""
    if data.get("confirm") not in ("on", "yes", "1", "true"):
        raise DomainError(N_("Tick the box to confirm."), field="confirm")


# --- pool ------------------------------------------------------------------------------------


def pool(request: Request, *, form: str = "", errors: dict[str, str] | None = None,
         values: dict[str, str] | None = None, form_error: str = "",
         status_code: int = 200) -> Response:
    session = request.state.db
    status = request.query_params.get("status", "")
    status = status if status in policy.UNIT_STATUSES else ""
    page = max(_int(request, "page", 1), 1)
    rows, total = services.units(session, status=status,
                                 model=request.query_params.get("model", "").strip(),
                                 point_id=_int(request, "point") or None, page=page)
    return _page(request, "loaner/pool.html", {
        "units": rows, "status": status, "model": request.query_params.get("model", ""),
        "point": _int(request, "point"), "points": services.points(session),
        "pager": _pager(request, page, total), "form": form, "errors": errors or {},
        "values": values or {"condition": "good"}, "form_error": form_error},
        status_code=status_code)


def unit_create(request: Request) -> Response:
    data = form_data(request)
    try:
        unit = services.add_unit(request.state.db, request.state.user, data)
    except DomainError as error:
        request.state.db.rollback()
        ctx = error_context(request, error)
        return pool(request, form="add", errors=ctx["errors"], values=_values(data),
                    form_error=ctx["form_error"], status_code=form_status(error))
    flash(request, gettext_for(request).gettext("Loaner %(code)s added to the pool.")
          % {"code": unit.body_code})
    return see_other(f"/loaner/units/{unit.id}")


def unit_import(request: Request) -> Response:
    upload = (request.state.form or {}).get("file")
    text = ""
    if isinstance(upload, UploadFile):
        text = upload.file.read().decode("utf-8-sig", errors="replace")
    try:
        if not text.strip():
            raise DomainError(N_("Choose a CSV file: body_code,service_point,accessories,"
                                 "condition."), field="file")
        added = services.import_units(request.state.db, request.state.user, text)
    except DomainError as error:
        request.state.db.rollback()
        ctx = error_context(request, error)
        return pool(request, form="import", errors=ctx["errors"],
                    form_error=ctx["form_error"], status_code=form_status(error))
    flash(request, gettext_for(request).gettext("%(n)d loaner(s) imported.")
          % {"n": len(added)})
    return see_other("/loaner")


def _unit_page(request: Request, *, form: str = "", errors: dict[str, str] | None = None,
               values: dict[str, str] | None = None, form_error: str = "",
               status_code: int = 200) -> Response:
    session = request.state.db
    unit = services.get_unit(session, request.path_params["unit_id"])
    loans = [loan for loan in services.loans(session)[0] if loan.unit_id == unit.id]
    return _page(request, "loaner/unit.html", {
        "unit": unit, "history": services.history(session, unit), "loans": loans,
        "bookings": reservations.of_unit(session, unit.id),
        "form": form, "errors": errors or {}, "values": values or {},
        "form_error": form_error}, status_code=status_code)


def unit_detail(request: Request) -> Response:
    return _unit_page(request)


def _unit_action(request: Request, form: str, action: Any, message: str) -> Response:
    data = form_data(request)
    unit_id = request.path_params["unit_id"]
    try:
        action(data)
    except DomainError as error:
        request.state.db.rollback()
        ctx = error_context(request, error)
        return _unit_page(request, form=form, errors=ctx["errors"], values=_values(data),
                          form_error=ctx["form_error"], status_code=form_status(error))
    flash(request, gettext_for(request).gettext(message))
    return see_other(f"/loaner/units/{unit_id}")


def unit_retire(request: Request) -> Response:
    def act(data: dict[str, Any]) -> None:
        _confirmed(data)
        services.retire_unit(request.state.db, request.path_params["unit_id"],
                             request.state.user, str(data.get("reason", "")))

    return _unit_action(request, "retire", act, N_("Unit retired."))


def unit_check(request: Request) -> Response:
    def act(data: dict[str, Any]) -> None:
        services.finish_check(request.state.db, request.path_params["unit_id"],
                              request.state.user, data)

    return _unit_action(request, "check", act, N_("Unit checked and back in the pool."))


# --- loans -------------------------------------------------------------------------------------


def loan_list(request: Request) -> Response:
    session = request.state.db
    status = request.query_params.get("status", "")
    status = status if status in policy.LOAN_STATUSES else ""
    overdue = request.query_params.get("overdue") == "1"
    page = max(_int(request, "page", 1), 1)
    rows, total = services.loans(session, status=status, page=page,
                                 overdue_on=services.today(session) if overdue else None)
    return _page(request, "loaner/loans.html", {
        "loans": rows, "status": status, "overdue": overdue,
        "pager": _pager(request, page, total)})


def approvals(request: Request) -> Response:
    session = request.state.db
    user = request.state.user
    page = max(_int(request, "page", 1), 1)
    rows, total = services.loans(session, status="requested", page=page)
    rows = [loan for loan in rows if loan.approval_point_id == user.service_point_id
            or services.is_hq(session, user)]
    return _page(request, "loaner/approvals.html", {
        "loans": rows, "pager": _pager(request, page, total)})


def _loan_page(request: Request, *, form: str = "", errors: dict[str, str] | None = None,
               values: dict[str, str] | None = None, form_error: str = "",
               status_code: int = 200) -> Response:
    session = request.state.db
    loan = services.get_loan(session, request.path_params["loan_id"])
    deposit = terms.default_deposit(session, loan.loaner.model_code)
    defaults = {"condition": loan.loaner.condition,
                "language": services.customer_language(session, loan.case),
                "signed_by": loan.case.contact_name,
                "deposit_cents": f"{deposit / 100:.2f}" if deposit else "",
                "deposit_method": "cash"}
    user = request.state.user
    return _page(request, "loaner/loan.html", {
        "loan": loan, "case": loan.case, "unit": loan.loaner,
        "can_cancel": has(request, CANCEL_ANY) or (
            user is not None and user.id == loan.requested_by_id),
        "overdue_days": policy.overdue_days(loan.expected_return, services.today(session))
        if loan.status == "lent" else 0,
        "history": [e for e in services.history(session, loan.loaner) if e.loan_id == loan.id],
        "photos": services.photos_of(session, loan),
        "form": form, "errors": errors or {}, "values": values or defaults,
        "form_error": form_error}, status_code=status_code)


def loan_detail(request: Request) -> Response:
    return _loan_page(request)


def _loan_action(request: Request, form: str, action: Any, message: str) -> Response:
    data = form_data(request)
    loan_id = request.path_params["loan_id"]
    try:
        action(data)
    except DomainError as error:
        request.state.db.rollback()
        ctx = error_context(request, error)
        return _loan_page(request, form=form, errors=ctx["errors"], values=_values(data),
                          form_error=ctx["form_error"], status_code=form_status(error))
    flash(request, gettext_for(request).gettext(message))
    return see_other(f"/loaner/loans/{loan_id}")


def decide(request: Request) -> Response:
    def act(data: dict[str, Any]) -> None:
        accept = data.get("decision") == "accept"
        if not accept:
            _confirmed(data)
        services.decide(request.state.db, request.path_params["loan_id"], request.state.user,
                        accept, str(data.get("note", "")))

    return _loan_action(request, "decide", act, N_("Decision recorded."))


def cancel(request: Request) -> Response:
    def act(data: dict[str, Any]) -> None:
        _confirmed(data)
        services.cancel(request.state.db, request.path_params["loan_id"], request.state.user,
                        str(data.get("note", "")), any_request=has(request, CANCEL_ANY))

    return _loan_action(request, "cancel", act, N_("Request cancelled."))


def _photos(request: Request) -> list[tuple[str, bytes]]:
    """The files of the form's ``photos`` input (an empty input sends one nameless part)."""
    form = request.state.form
    limit = request.app.state.settings.attachments.max_bytes
    found = []
    for item in form.getlist("photos") if form is not None else []:
        if isinstance(item, UploadFile) and item.filename:
            item.file.seek(0)
            found.append((item.filename, item.file.read(limit + 1)))
    return found


def lend(request: Request) -> Response:
    form = request.state.form

    def act(data: dict[str, Any]) -> None:
        loan = services.get_loan(request.state.db, request.path_params["loan_id"])
        ticked = [item for index, item in enumerate(loan.loaner.accessory_list)
                  if form is not None and form.get(f"out_{index}")]
        services.lend(request.state.db, loan.id, request.state.user,
                      {**data, "accessories": ticked, "photos": _photos(request)})

    return _loan_action(request, "lend", act, N_("Loaner lent. Print the agreement for "
                                                 "the customer to sign."))


def return_view(request: Request) -> Response:
    def act(data: dict[str, Any]) -> None:
        loan = services.get_loan(request.state.db, request.path_params["loan_id"])
        states = {item: str(data.get(f"back_{index}", "ok"))
                  for index, item in enumerate(loan.accessories_out or [])}
        services.return_loan(request.state.db, loan.id, request.state.user,
                             {**data, "accessories": states, "photos": _photos(request)})

    return _loan_action(request, "return", act, N_("Loaner returned; the unit is in check."))


def agreement(request: Request) -> Response:
    loan = services.get_loan(request.state.db, request.path_params["loan_id"])
    if not loan.agreement_text:
        raise DomainError(N_("The agreement exists once the loaner is lent."),
                          status_code=404, code="not_found")
    return _page(request, "loaner/agreement.html", {"loan": loan})


# --- case panel, request, exception --------------------------------------------------------------


def _panel(request: Request, *, errors: dict[str, str] | None = None,
           values: dict[str, str] | None = None, form_error: str = "",
           status_code: int = 200) -> Response:
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    loans = services.loans_of_case(session, case)
    open_loan = next((loan for loan in loans if loan.is_open), None)
    offer = []
    if open_loan is None and case.state in policy.REQUEST_STATES and has(request, LEND):
        offer = services.available_for(session, case,
                                       other_points=has(request, OTHER_POINTS),
                                       other_models=has(request, OTHER_MODEL))
    return _page(request, "loaner/case_panel.html", {
        "case": case, "loans": loans, "open_loan": open_loan, "offer": offer,
        "may_request": case.state in policy.REQUEST_STATES,
        "blocking": services.blocking_loans(session, case),
        "errors": errors or {}, "values": values or {}, "form_error": form_error},
        status_code=status_code)


def case_panel(request: Request) -> Response:
    return _panel(request)


def request_view(request: Request) -> Response:
    data = form_data(request)
    case_id = request.path_params["case_id"]
    try:
        loan = services.request_loan(request.state.db, case_id, request.state.user, data,
                                     other_points=has(request, OTHER_POINTS),
                                     other_models=has(request, OTHER_MODEL))
    except DomainError as error:
        request.state.db.rollback()
        ctx = error_context(request, error)
        return _panel(request, errors=ctx["errors"], values=_values(data),
                      form_error=ctx["form_error"], status_code=form_status(error))
    flash(request, gettext_for(request).gettext("Loaner %(code)s reserved for this case.")
          % {"code": loan.loaner.body_code})
    return see_other(f"/loaner/loans/{loan.id}")


def exception(request: Request) -> Response:
    data = form_data(request)
    case_id = request.path_params["case_id"]
    try:
        _confirmed(data)
        services.grant_exception(request.state.db, case_id, request.state.user,
                                 str(data.get("reason", "")))
    except DomainError as error:
        request.state.db.rollback()
        ctx = error_context(request, error)
        return _panel(request, errors=ctx["errors"], values=_values(data),
                      form_error=ctx["form_error"], status_code=form_status(error))
    flash(request, gettext_for(request).gettext("Exception recorded: the case may close "
                                                "with the loaner out."))
    return see_other(f"/desk/cases/{case_id}")


# --- widget and numbers ------------------------------------------------------------------------


def widget_overdue(request: Request) -> Response:
    session = request.state.db
    on = services.today(session)
    rows = services.overdue_loans(session, on)
    return _page(request, "loaner/widget_overdue.html", {
        "rows": [(loan, policy.overdue_days(loan.expected_return, on)) for loan in rows[:10]],
        "count": len(rows)})


def _period(request: Request) -> tuple[Any, Any]:
    session = request.state.db
    return services.period(services.today(session), request.query_params.get("from", ""),
                           request.query_params.get("to", ""))


def numbers_page(request: Request) -> Response:
    session = request.state.db
    on = services.today(session)
    errors: dict[str, str] = {}
    form_error = ""
    status_code = 200
    try:
        first, last = _period(request)
    except DomainError as error:
        ctx = error_context(request, error)
        errors, form_error, status_code = ctx["errors"], ctx["form_error"], form_status(error)
        first, last = services.period(on)
    rows = services.numbers(session, on, first, last)
    top = max([r["loans"] for r in rows] + [1])
    return _page(request, "loaner/numbers.html", {
        "rows": rows, "top": top, "first": first, "last": last,
        "units": services.unit_utilisation(session, on, first, last),
        "errors": errors, "form_error": form_error,
        "csv_url": f"/loaner/numbers.csv?from={first.isoformat()}&to={last.isoformat()}"},
        status_code=status_code)


def numbers_csv(request: Request) -> Response:
    first, last = _period(request)
    rows = services.numbers(request.state.db, services.today(request.state.db), first, last)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["service_point", "model", "units", "out", "period_from", "period_to",
                     "days_available", "days_on_loan", "utilisation_pct", "loans",
                     "average_days", "longest_days", "overdue", "overdue_days", "never_lent"])
    for r in rows:
        writer.writerow([r["point"], r["model"], r["units"], r["out"], first.isoformat(),
                         last.isoformat(), r["days_available"], r["days_on_loan"],
                         r["utilisation"], r["loans"], r["average_days"], r["longest_days"],
                         r["overdue"], r["overdue_days"], " ".join(r["never_lent"])])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="loaners.csv"'})


# --- terms per model ----------------------------------------------------------------------------


def terms_page(request: Request, *, errors: dict[str, str] | None = None,
               values: dict[str, str] | None = None, form_error: str = "",
               status_code: int = 200) -> Response:
    """Every model's deposit and price list, and the form to set one (``?model=`` fills it
    with that model's terms)."""
    session = request.state.db
    if values is None:
        code = request.query_params.get("model", "").strip().upper()[:32]
        found = terms.terms_for(session, code) if code else None
        values = {"model_code": code,
                  "deposit_cents": f"{found.deposit_cents / 100:.2f}" if found else "",
                  "prices": terms.prices_text(found)}
    return _page(request, "loaner/terms.html", {
        "rows": terms.all_terms(session), "errors": errors or {}, "values": values,
        "form_error": form_error}, status_code=status_code)


def terms_save(request: Request) -> Response:
    data = form_data(request)
    try:
        saved = terms.save_terms(request.state.db, request.state.user, data)
    except DomainError as error:
        request.state.db.rollback()
        ctx = error_context(request, error)
        return terms_page(request, errors=ctx["errors"], values=_values(data),
                          form_error=ctx["form_error"], status_code=form_status(error))
    flash(request, gettext_for(request).gettext("Loaner terms of %(model)s saved.")
          % {"model": saved.model_code})
    return see_other(f"/loaner/terms?model={saved.model_code}")


# --- bookings ahead -------------------------------------------------------------------------------


def unit_reserve(request: Request) -> Response:
    def act(data: dict[str, Any]) -> None:
        reservations.reserve(request.state.db, request.state.user,
                             {**data, "unit_id": request.path_params["unit_id"]})

    return _unit_action(request, "reserve", act, N_("Unit booked for the period."))


def reservation_cancel(request: Request) -> Response:
    data = form_data(request)
    session = request.state.db
    found = session.get(reservations.LoanerReservation, request.path_params["reservation_id"])
    if found is None:
        raise DomainError(N_("No such booking."), status_code=404, code="not_found")
    request.path_params["unit_id"] = found.unit_id
    try:
        _confirmed(data)
        reservations.cancel(session, found.id, request.state.user, str(data.get("note", "")),
                            any_booking=has(request, CANCEL_ANY))
    except DomainError as error:
        session.rollback()
        ctx = error_context(request, error)
        return _unit_page(request, form="bookings", errors=ctx["errors"], values=_values(data),
                          form_error=ctx["form_error"], status_code=form_status(error))
    flash(request, gettext_for(request).gettext("Booking cancelled."))
    return see_other(f"/loaner/units/{found.unit_id}")
