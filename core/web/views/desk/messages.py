"""The customer messages panel on a case (issue 13): every outbox message written for the
case with its delivery state, and the customer's preferences (language, opt-out of
non-essential messages). Region scope comes from ``get_case``: another region's case is 404.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from core.audit import changes, record
from core.i18n import LOCALES
from core.services.cases import get_case
from core.services.locking import lock_row
from core.services.messages import case_messages
from core.web.forms import see_other
from core.web.routing import form_data
from core.web.templating import render


def case_panel(request: Request) -> Response:
    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    return render(request, "desk/messages_panel.html", {
        "case": case, "messages": case_messages(session, case), "message_locales": LOCALES})


def preferences(request: Request) -> Response:
    """Save the customer's message language and opt-out; audited like any change."""
    from core.entities import Customer

    session = request.state.db
    case = get_case(session, request.path_params["case_id"])
    data = form_data(request)
    customer = lock_row(session, Customer, case.customer_id)
    if customer is not None:
        fields = ["language", "messages_opt_out"]
        before = changes(customer, fields)
        language = str(data.get("language", ""))
        customer.language = language if language in LOCALES else ""
        customer.messages_opt_out = data.get("messages_opt_out") == "on"
        record(session, "customer", customer.id, "update", before=before,
               after=changes(customer, fields), region_id=customer.region_id)
    return see_other(f"/desk/cases/{case.id}")
