"""Printable pages: the payment receipt (P-4) and the case sheet that travels with a unit."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from core.entities import CreditNote, Payment, ServicePoint
from core.errors import NotFound
from core.i18n import N_
from core.services import reports
from core.services.cases import get_case
from core.web.templating import render
from core.web.views.desk.common import LABELS


def receipt(request: Request) -> Response:
    session = request.state.db
    payment = session.get(Payment, int(request.path_params["payment_id"]))
    if payment is None:  # unknown, or another region's: the same answer
        raise NotFound(N_("No such payment."))
    case = get_case(session, payment.case_id)
    point = session.get(ServicePoint, payment.service_point_id)
    return render(request, "desk/receipt.html", {
        "payment": payment, "case": case, "point": point, "labels": LABELS})


def credit_note(request: Request) -> Response:
    """Issue 10: the printable slip of money paid back to the customer."""
    session = request.state.db
    note = session.get(CreditNote, int(request.path_params["credit_note_id"]))
    if note is None:  # unknown, or another region's: the same answer
        raise NotFound(N_("No such credit note."))
    case = get_case(session, note.case_id)
    point = session.get(ServicePoint, note.service_point_id)
    return render(request, "desk/credit_note.html", {
        "note": note, "case": case, "point": point, "labels": LABELS})


def case_sheet(request: Request) -> Response:
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    return render(request, "desk/sheet.html", {
        "case": case, "file": reports.case_file(session, case), "labels": LABELS})
