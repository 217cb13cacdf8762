"""What the desk's views share: labels and localized errors. The form conventions
(``has``, ``require``, ``see_other``, ``form_status``, ``undo``) live in ``core.web.forms``
and are re-exported here for the desk views."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from core.errors import DomainError
from core.i18n import N_
from core.services.timeline import STATE_TITLES
from core.web.forms import form_status, has, require, see_other, undo
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
#: How a case's class was set (issue 18: shown as a word, not the stored key).
COVERAGE_SOURCES = {
    "assessed": N_("assessed by the warranty rules"),
    "override": N_("overridden"),
    "manual": N_("chosen at inspection"),
}
EVENT_KINDS = {
    "intake": N_("Intake"),
    "transition": N_("Status change"),
    "quote_changed": N_("Quote changed"),
    "confirmation": N_("Confirmed by the customer"),
    "declined": N_("Declined by the customer"),
    "confirmation_void": N_("Confirmation void"),
    "link_sent": N_("Confirmation link sent"),
    "status_link": N_("Status link made for the customer"),  # issue 18
    "payment": N_("Payment"),
    "transfer": N_("Moved to another service point"),
    "hold": N_("Put on hold"),
    "resume": N_("Resumed"),
}

LABELS = {
    "states": STATE_TITLES,
    "channels": CHANNELS,
    "causes": FAULT_CAUSES,
    "kinds": CHARGE_KINDS,
    "methods": PAYMENT_METHODS,
    "confirmation_methods": CONFIRMATION_METHODS,
    "coverage": COVERAGE,
    "coverage_sources": COVERAGE_SOURCES,
    "events": EVENT_KINDS,
}










def error_context(request: Request, error: DomainError) -> dict[str, Any]:
    """``errors`` and ``form_error`` for the page, in the user's language."""
    return localized_error_context(request, error)


__all__ = ["error_context", "form_status", "has", "require", "see_other", "undo"]
