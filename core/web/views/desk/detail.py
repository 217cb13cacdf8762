"""A case's file and the forms that move it: inspection (W-3), quote lines and the
customer's confirmation (W-4), dispatch (P-3, P-7), payments (P-4), cancel and reopen.

Every action is a plain POST that ends on the case page again: on success by a redirect, on
a refusal with the page re-rendered, the form's values kept, field errors beside the fields
and policy vetoes listed together with their clauses (409).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from core.entities import ServiceCase
from core.entities.cases import OPEN_STATES
from core.errors import DomainError
from core.i18n import LOCALE_NAMES, format_money, local_name
from core.services import holds, payments, quotes, refunds, reports, transfers, workflow
from core.services.cases import get_case
from core.web.routing import form_data
from core.web.templating import flash, gettext_for, panels_for, render, request_locale
from core.web.views.desk.common import (
    LABELS,
    error_context,
    form_status,
    has,
    require,
    see_other,
    undo,
)

FAULT_ROWS = 3
#: Targets with a form of their own; the others are a button with an optional note.
FORM_TARGETS = ("inspected", "dispatched", "cancelled", "registered")


def _actions(request: Request, case: ServiceCase) -> list[str]:
    """The moves this user may make now. "confirmed" is reached by recording the customer's
    confirmation (W-4), never by a bare button."""
    return [to for to in workflow.allowed_targets(case)
            if to not in ("confirmed", "declined")
            and has(request, workflow.permission_for(case.state, to, request.state.db)
                    or "case.view")]


def render_case(request: Request, case: ServiceCase, *, status_code: int = 200,
                form: str = "", values: dict[str, Any] | None = None,
                errors: dict[str, str] | None = None, form_error: str = "",
                vetoes: list[Any] | None = None, link_url: str = "") -> Response:
    session = request.state.db
    file = reports.case_file(session, case)
    actions = _actions(request, case)
    quotable = case.state in quotes.QUOTABLE_STATES
    return render(request, "desk/case.html", {
        "case": case, "file": file, "actions": actions, "form_targets": FORM_TARGETS,
        "technicians": workflow.dispatch_candidates(session, request.app.state.pm, case,
                                                    request.state.user)
        if "dispatched" in actions else [],
        "coverage_assessed": bool(request.app.state.pm.hook.assess_coverage.get_hookimpls()),
        "can_quote": quotable and has(request, "case.quote"),
        "can_confirm": quotable and has(request, "case.quote")
        and (case.state == "quoted" or (file.payable_cents > 0 and not file.confirmed)),
        "can_link": case.state == "quoted" and has(request, "case.quote"),
        "can_pay": case.state in payments.PAYABLE_STATES and file.outstanding_cents > 0
        and has(request, "payment.collect"),
        "can_refund": file.refundable_cents > 0 and has(request, "payment.refund"),
        "can_write_off": file.outstanding_cents > 0 and has(request, "payment.write_off"),
        "panels": panels_for(request, "case", case),
        "holds": holds.active_holds(session, case),
        "transfer_targets": transfers.transfer_targets(session, case)
        if case.state in transfers.TRANSFERABLE_STATES and has(request, "case.transfer")
        else [],
        "hold_kinds": holds.hold_kinds(session),
        "can_hold": case.state in OPEN_STATES and has(request, "case.hold"),
        "form": form, "values": values or {}, "errors": errors or {},
        "form_error": form_error, "vetoes": vetoes or [], "link_url": link_url,
        "fault_rows": range(FAULT_ROWS), "labels": LABELS, "link_locales": LOCALE_NAMES,
    }, status_code=status_code)


def case_detail(request: Request) -> Response:
    return render_case(request, get_case(request.state.db, request.path_params["case_id"]))


def _act(request: Request, form: str, action: Callable[[ServiceCase, dict[str, Any]], str],
         ) -> Response:
    """Run one action; show the case again with what went wrong, or go back to it."""
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = {k: v for k, v in form_data(request).items() if isinstance(v, str)}
    try:
        message = action(case, data)
    except workflow.Vetoed as vetoed:
        undo(request)
        case = get_case(session, case.id)
        gettext = gettext_for(request).gettext
        vetoes = [{"clause": v.clause, "message": v.localized(gettext), "plugin": v.plugin}
                  for v in vetoed.vetoes]
        return render_case(request, case, status_code=409, form=form, values=data,
                           vetoes=vetoes, form_error=vetoed.localized(gettext)[0])
    except DomainError as error:
        undo(request)
        case = get_case(session, case.id)
        return render_case(request, case, status_code=form_status(error), form=form,
                           values=data, **error_context(request, error))
    flash(request, message)
    return see_other(f"/desk/cases/{case.id}")


def _inspection(data: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
    """The inspection form's rows as the workflow's list of faults (blank rows dropped),
    and which form row each fault came from (to put errors back beside it)."""
    faults, rows = [], []
    for row in range(FAULT_ROWS):
        description = data.get(f"fault_description_{row}", "").strip()
        if description:
            faults.append({"description": description,
                           "cause": data.get(f"fault_cause_{row}", "normal")})
            rows.append(row)
    return {"fault_found": data.get("fault_found", ""), "faults": faults,
            "coverage_class": data.get("coverage_class", ""),
            "note": data.get("note", "")}, rows


def transition(request: Request) -> Response:
    data = form_data(request)
    to = str(data.get("to", ""))
    current = get_case(request.state.db, request.path_params["case_id"])
    require(request, workflow.permission_for(current.state, to, request.state.db)
            or "case.view")
    _ = gettext_for(request).gettext
    state = request.app.state

    def move(case: ServiceCase, values: dict[str, Any]) -> str:
        payload = {k: v for k, v in values.items() if k != "to"}
        rows: list[int] = []
        if to == "inspected":
            payload, rows = _inspection(values)
        try:
            workflow.transition(request.state.db, state.pm, case, to, request.state.user,
                                payload, tz=state.settings.tz)
        except DomainError as error:
            for key in list(error.fields):  # faults.<n>.field -> the form row's field
                parts = key.split(".")
                if len(parts) == 3 and parts[0] == "faults" and parts[1].isdigit() \
                        and int(parts[1]) < len(rows):
                    error.fields[f"fault_{parts[2]}_{rows[int(parts[1])]}"] = \
                        error.fields.pop(key)
            raise
        label = _(LABELS["states"].get(to, to))
        return _("%(ref)s: %(state)s.") % {"ref": case.reference, "state": label}

    return _act(request, f"to:{to}", move)


def add_charge(request: Request) -> Response:
    _ = gettext_for(request).gettext

    def add(case: ServiceCase, values: dict[str, Any]) -> str:
        data = {**values, "unit_price_cents": values.get("unit_price", "")}
        try:
            charge = quotes.add_charge(request.state.db, request.app.state.pm, case,
                                       request.state.user, data)
        except DomainError as error:
            if "unit_price_cents" in error.fields:  # the form's field is in yuan
                error.fields["unit_price"] = error.fields.pop("unit_price_cents")
            raise
        return _("Line added: %(what)s.") % {"what": charge.description_text(_)}

    return _act(request, "charge", add)


def void_charge(request: Request) -> Response:
    _ = gettext_for(request).gettext
    charge_id = int(request.path_params["charge_id"])

    def void(case: ServiceCase, values: dict[str, Any]) -> str:
        charge = quotes.void_charge(request.state.db, case, charge_id, request.state.user,
                                    values.get("reason", ""), pm=request.app.state.pm)
        return _("Line removed: %(what)s.") % {"what": charge.description_text(_)}

    return _act(request, f"void:{charge_id}", void)


def record_confirmation(request: Request) -> Response:
    _ = gettext_for(request).gettext

    def confirm(case: ServiceCase, values: dict[str, Any]) -> str:
        found = quotes.record_confirmation(request.state.db, request.app.state.pm, case,
                                           request.state.user, values)
        return _("The customer's confirmation is recorded.") if found.accepted \
            else _("The customer declined the quote; it is recorded.")

    return _act(request, "confirmation", confirm)


def create_link(request: Request) -> Response:
    """A single-use link for the customer. The token is shown on this response only."""
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    locale = str(form_data(request).get("locale", ""))
    if locale not in LOCALE_NAMES:
        locale = request.app.state.settings.default_locale
    try:
        token = quotes.create_link(session, case, request.state.user, locale)
    except DomainError as error:
        undo(request)
        return render_case(request, get_case(session, case.id), form="link",
                           status_code=form_status(error), **error_context(request, error))
    url = str(request.base_url).rstrip("/") + f"/q/{token}"
    from core.services.notices import quote_link  # issue 13: through the outbox

    quote_link(session, case, url, locale)
    return render_case(request, case, link_url=url)


def record_payment(request: Request) -> Response:
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = {k: v for k, v in form_data(request).items() if isinstance(v, str)}
    try:
        payment = payments.record_payment(session, case, request.state.user,
                                          {"amount_cents": data.get("amount", ""),
                                           "method": data.get("method", "")})
    except DomainError as error:
        undo(request)
        context = error_context(request, error)
        if "amount_cents" in context["errors"]:
            context["errors"]["amount"] = context["errors"].pop("amount_cents")
        return render_case(request, get_case(session, case.id), form="payment", values=data,
                           status_code=form_status(error), **context)
    _ = gettext_for(request).gettext
    flash(request, _("Receipt %(number)s issued.") % {"number": payment.receipt})
    return see_other(f"/desk/payments/{payment.id}/receipt")


def record_refund(request: Request) -> Response:
    """Issue 10: pay money back on a credit note (R-8 refund, exchange settlement)."""
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = {k: v for k, v in form_data(request).items() if isinstance(v, str)}
    try:
        note = refunds.record_refund(session, case, request.state.user, {
            "amount_cents": data.get("refund_amount", ""),
            "method": data.get("refund_method", ""), "note": data.get("refund_note", "")})
    except DomainError as error:
        undo(request)
        context = error_context(request, error)
        for name in ("amount_cents", "method", "note"):
            if name in context["errors"]:
                key = "refund_" + name.removesuffix("_cents")
                context["errors"][key] = context["errors"].pop(name)
        return render_case(request, get_case(session, case.id), form="refund", values=data,
                           status_code=form_status(error), **context)
    _ = gettext_for(request).gettext
    flash(request, _("Credit note %(number)s issued.") % {"number": note.credit_note})
    return see_other(f"/desk/credit-notes/{note.id}")

def write_off(request: Request) -> Response:
    """P-4: a supervisor writes off what is outstanding, with a reason; then the case may
    close."""
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = {k: v for k, v in form_data(request).items() if isinstance(v, str)}
    try:
        credit = payments.write_off(session, case, request.state.user,
                                    data.get("write_off_reason", ""))
    except DomainError as error:
        undo(request)
        context = error_context(request, error)
        if "reason" in context["errors"]:
            context["errors"]["write_off_reason"] = context["errors"].pop("reason")
        return render_case(request, get_case(session, case.id), form="write_off", values=data,
                           status_code=form_status(error), **context)
    _ = gettext_for(request).gettext
    flash(request, _("%(amount)s written off.")
          % {"amount": format_money(credit.amount_cents, request_locale(request))})
    return see_other(f"/desk/cases/{case.id}")


def place_hold(request: Request) -> Response:
    """Put the case on hold (waiting for parts, for the customer...): its state stays."""
    _ = gettext_for(request).gettext

    def place(case: ServiceCase, values: dict[str, Any]) -> str:
        hold = holds.place_hold(request.state.db, case, values.get("kind", ""),
                                values.get("reason", ""), request.state.user)
        kind = holds.hold_kinds(request.state.db).get(hold.kind)
        return _("%(ref)s is on hold: %(kind)s.") % {
            "ref": case.reference, "kind": _(kind.label) if kind else hold.kind}

    return _act(request, "hold", place)


def resume(request: Request) -> Response:
    """End one open hold of the case."""
    _ = gettext_for(request).gettext

    def release(case: ServiceCase, values: dict[str, Any]) -> str:
        holds.release_hold(request.state.db, case, values.get("kind", ""),
                           request.state.user, values.get("note", ""))
        return _("%(ref)s resumed.") % {"ref": case.reference}

    return _act(request, "resume", release)


def transfer(request: Request) -> Response:
    """Hand the case to another service point (P-2); the page then follows the case."""
    _ = gettext_for(request).gettext

    def move(case: ServiceCase, values: dict[str, Any]) -> str:
        moved = transfers.transfer_case(request.state.db, case, request.state.user, values)
        return _("%(ref)s moved to %(place)s.") % {"ref": moved.reference,
                                                   "place": local_name(moved.service_point,
                                                                       request_locale(request))}

    return _act(request, "transfer", move)
