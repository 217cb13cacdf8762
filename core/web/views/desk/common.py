"""What the desk's views share: permission checks, labels, and turning a failed action into
the same page again with its messages (never a half-written change)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse

from core.errors import DomainError, Forbidden
from core.hooktypes import AUTHENTICATED
from core.i18n import N_
from core.services.timeline import STATE_TITLES
from core.web.templating import error_context as localized_error_context

CHANNELS = {
    "walk_in": N_("Walk-in"),
    "phone": N_("Phone"),
    "shipped_in": N_("Shipped in"),
    "on_site": N_("On site"),
}
FAULT_CAUSES = {
    "normal": N_("Normal wear or defect"),
    "improper_use": N_("Improper use"),
    "improper_maintenance": N_("Improper maintenance"),
    "improper_storage": N_("Improper storage"),
    "force_majeure": N_("Force majeure"),
}
CHARGE_KINDS = {
    "labour": N_("Labour"),
    "part": N_("Part"),
    "shipping": N_("Shipping"),
    "other": N_("Other"),
}
PAYMENT_METHODS = {
    "cash": N_("Cash"),
    "card": N_("Card"),
    "bank_transfer": N_("Bank transfer"),
    "wechat_pay": N_("WeChat Pay"),
    "alipay": N_("Alipay"),
}
CONFIRMATION_METHODS = {
    "phone": N_("Phone"),
    "signature": N_("Signature"),
    "link": N_("Link"),
}
COVERAGE = {
    "A": N_("A — in warranty (W-A)"),
    "B": N_("B — warranty expired (W-B)"),
    "C": N_("C — not our product (W-C)"),
}
EVENT_KINDS = {
    "intake": N_("Intake"),
    "transition": N_("Status change"),
    "quote_changed": N_("Quote changed"),
    "confirmation": N_("Confirmed by the customer"),
    "declined": N_("Declined by the customer"),
    "confirmation_void": N_("Confirmation void"),
    "link_sent": N_("Confirmation link sent"),
    "payment": N_("Payment"),
}

LABELS = {
    "states": STATE_TITLES,
    "channels": CHANNELS,
    "causes": FAULT_CAUSES,
    "kinds": CHARGE_KINDS,
    "methods": PAYMENT_METHODS,
    "confirmation_methods": CONFIRMATION_METHODS,
    "coverage": COVERAGE,
    "events": EVENT_KINDS,
}


def has(request: Request, permission: str) -> bool:
    return permission == AUTHENTICATED or permission in request.state.permissions


def require(request: Request, permission: str) -> None:
    if not has(request, permission):
        raise Forbidden(N_("This needs the permission %(permission)r."),
                        params={"permission": permission})


def see_other(url: str) -> RedirectResponse:
    """After a successful POST: back to a page (the browser's reload does not repeat it)."""
    return RedirectResponse(url, status_code=303)


def form_status(error: DomainError) -> int:
    """A form with field errors is a 400; refusals keep their own status (409, 404...)."""
    return 400 if error.status_code == 422 else error.status_code


def error_context(request: Request, error: DomainError) -> dict[str, Any]:
    """``errors`` and ``form_error`` for the page, in the user's language."""
    return localized_error_context(request, error)


def undo(request: Request) -> None:
    """Forget whatever a failed action wrote, before the page is shown again (the request's
    session is committed after the view returns)."""
    request.state.db.rollback()
