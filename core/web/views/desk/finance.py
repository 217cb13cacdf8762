"""Cash from collectors to finance (P-4): what each collector still holds, handovers waiting
for finance's count, and a collector's own "hand over my cash"."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from core.errors import DomainError
from core.i18n import format_money
from core.services import payments, reports
from core.services.refunds import credit_notes_not_handed_over
from core.web.routing import form_data
from core.web.templating import flash, gettext_for, render, request_locale
from core.web.views.desk.common import LABELS, error_context, form_status, see_other, undo


def _finance_page(request: Request, *, status_code: int = 200, form: str = "",
                  values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                  form_error: str = "") -> Response:
    session = request.state.db
    return render(request, "desk/finance.html", {
        "holders": reports.cash_by_collector(session),
        "waiting": reports.handovers(session, confirmed=False),
        "recent": reports.handovers(session, confirmed=True, limit=20),
        "write_offs": payments.write_offs(session),  # P-4: money written off, never hidden
        "form": form, "values": values or {}, "errors": errors or {},
        "form_error": form_error, "labels": LABELS,
    }, status_code=status_code)


def finance(request: Request) -> Response:
    return _finance_page(request)


def confirm_handover(request: Request) -> Response:
    handover_id = int(request.path_params["handover_id"])
    data = {k: v for k, v in form_data(request).items() if isinstance(v, str)}
    try:
        handover = payments.confirm_handover(
            request.state.db, handover_id, request.state.user,
            {"received_cents": data.get("received", ""), "note": data.get("note", "")})
    except DomainError as error:
        undo(request)
        context = error_context(request, error)
        if "received_cents" in context["errors"]:
            context["errors"]["received"] = context["errors"].pop("received_cents")
        return _finance_page(request, status_code=form_status(error),
                             form=f"handover:{handover_id}", values=data, **context)
    _ = gettext_for(request).gettext
    difference = handover.difference_cents or 0
    if difference:
        flash(request, _("Handover confirmed with a difference of %(amount)s.")
              % {"amount": ("+" if difference > 0 else "")
                 + format_money(difference, request_locale(request))}, "error")
    else:
        flash(request, _("Handover confirmed; the amounts agree."))
    return see_other("/desk/finance")


def _my_cash_page(request: Request, *, status_code: int = 200, form_error: str = ""
                  ) -> Response:
    session = request.state.db
    user = request.state.user
    held = payments.not_handed_over(session, user.id)
    paid_out = credit_notes_not_handed_over(session, user.id)  # issue 10: cash out
    return render(request, "desk/my_cash.html", {
        "held": held, "paid_out": paid_out,
        "held_cents": sum(p.amount_cents for p in held) - sum(n.amount_cents for n in paid_out),
        "waiting": reports.handovers(session, confirmed=False, collector_id=user.id),
        "recent": reports.handovers(session, confirmed=True, collector_id=user.id, limit=10),
        "form_error": form_error, "labels": LABELS,
    }, status_code=status_code)


def my_cash(request: Request) -> Response:
    return _my_cash_page(request)


def hand_over(request: Request) -> Response:
    note = str(form_data(request).get("note", ""))
    try:
        handover = payments.create_handover(request.state.db, request.state.user, note)
    except DomainError as error:
        undo(request)
        return _my_cash_page(request, status_code=form_status(error),
                             form_error=error_context(request, error)["form_error"])
    _ = gettext_for(request).gettext
    flash(request, _("Handed over %(amount)s; finance will count and confirm it.")
          % {"amount": format_money(handover.declared_cents, request_locale(request))})
    return see_other("/desk/my-cash")
