"""The audit log's record types, actions and field names as words in the reader's language
(issue 18: an auditor reading Chinese sees 金额, not ``amount_cents``).

Entries keep their stored keys (they are the audit trail and the filters use them); only the
page shows labels. Core's keys have labels here. A plugin labels its own keys in its catalogue
with the message id ``audit:<key>`` (``msgid "audit:loaner_loan"`` → ``msgstr "借用单"``,
declared with ``N_`` in its code so extraction keeps it); a key with no label reads as words
(``loaner_loan`` → "Loaner loan").
"""

from __future__ import annotations

from collections.abc import Callable

from core.i18n import N_
from core.services.quotes import CHARGE_KIND_LABELS, CONFIRMATION_LABELS
from core.services.timeline import STATE_TITLES

ENTITIES = {
    "api_token": N_("API token"),
    "attachment": N_("Attachment"),
    "case_credit": N_("Credit owed to the customer"),
    "charge": N_("Quote line"),
    "confirmation": N_("Customer's confirmation"),
    "credit_note": N_("Credit note"),
    "customer": N_("Customer"),
    "handover": N_("Cash handover"),
    "payment": N_("Payment"),
    "product_model": N_("Product model"),
    "region": N_("Region"),
    "role": N_("Role"),
    "service_case": N_("Service case"),
    "service_point": N_("Service point"),
    "unit": N_("Unit"),
    "unit_swap": N_("Unit exchange"),
    "user": N_("User"),
}
ACTIONS = {
    "anonymise": N_("anonymised"),
    "confirm": N_("confirmed"),
    "create": N_("created"),
    "export": N_("exported"),
    "hold": N_("put on hold"),
    "intake": N_("taken in"),
    "merge": N_("merged"),
    "password_set": N_("password set"),
    "password_changed": N_("password changed"),
    "reactivate": N_("reactivated"),
    "deactivate": N_("deactivated"),
    "reprice": N_("priced again"),
    "resume": N_("resumed"),
    "revoke": N_("revoked"),
    "sign_in": N_("signed in"),
    "sign_out": N_("signed out"),
    "sign_in_refused": N_("sign-in refused"),
    "status_link": N_("status link made"),
    "transfer": N_("moved to another service point"),
    "update": N_("changed"),
    "void": N_("removed"),
}
FIELDS = {
    "accepted": N_("Accepted"),
    "active": N_("Active"),
    "address": N_("Address"),
    "amount_cents": N_("Amount"),
    "body_code": N_("Body code"),
    "by": N_("By"),
    "case_id": N_("Case"),
    "clause": N_("Clause"),
    "clauses": N_("Clauses"),
    "code": N_("Code"),
    "company": N_("Company"),
    "count": N_("Count"),
    "coverage_class": N_("Warranty class"),
    "customer": N_("Customer"),
    "declared_cents": N_("Declared amount"),
    "difference_cents": N_("Difference"),
    "display_name": N_("Name"),
    "email": N_("Email"),
    "hold_id": N_("Hold"),
    "is_hq": N_("Headquarters"),
    "kind": N_("Kind"),
    "locale": N_("Language"),
    "login": N_("Login"),
    "method": N_("Method"),
    "model": N_("Model"),
    "name": N_("Name"),
    "name_zh": N_("Chinese name"),
    "note": N_("Note"),
    "number": N_("Number"),
    "own_product": N_("Our product"),
    "phone": N_("Phone"),
    "product_line": N_("Product line"),
    "list_price_cents": N_("List price"),
    "warranty_months": N_("Warranty (months)"),
    "oem": N_("OEM"),
    "reason": N_("Reason"),
    "receipt": N_("Receipt"),
    "received_cents": N_("Received"),
    "paid_out_cents": N_("Paid out"),
    "region_id": N_("Region"),
    "roles": N_("Roles"),
    "service_point": N_("Service point"),
    "service_point_id": N_("Service point"),
    "state": N_("Status"),
    "technician_id": N_("Technician"),
    "total_cents": N_("Total"),
    "user": N_("User"),
    "waived": N_("Waived"),
    "waybill": N_("Waybill"),
    "why": N_("Why"),
}
#: Fields whose values are case states (shown by their titles).
STATE_FIELDS = {"state"}
#: Stored values of a record's field that have words: (record type, field) -> labels.
VALUES = {("charge", "kind"): CHARGE_KIND_LABELS,
          ("confirmation", "method"): CONFIRMATION_LABELS}
TRANSITION = "transition:"


def _label(table: dict[str, str], key: str, gettext: Callable[[str], str]) -> str:
    if key in table:
        return gettext(table[key])
    own = f"audit:{key}"
    translated = gettext(own)
    return key.replace("_", " ").capitalize() if translated == own else translated


def entity_label(key: str, gettext: Callable[[str], str]) -> str:
    return _label(ENTITIES, key, gettext)


def field_label(key: str, gettext: Callable[[str], str]) -> str:
    return _label(FIELDS, key, gettext)


def action_label(key: str, gettext: Callable[[str], str]) -> str:
    """``transition:quoted`` reads "status → Quoted"."""
    if key.startswith(TRANSITION):
        state = key[len(TRANSITION):]
        return gettext(N_("status → %(state)s")) % {
            "state": gettext(STATE_TITLES.get(state, state))}
    return _label(ACTIONS, key, gettext)


def value_label(entity: str, field: str, value: str, gettext: Callable[[str], str]) -> str:
    if field in STATE_FIELDS and value in STATE_TITLES:
        return gettext(STATE_TITLES[value])
    labels = VALUES.get((entity, field), {})
    if value in labels:
        return gettext(labels[value])
    if isinstance(value, str) and "." in value and " " not in value:
        # a plugin's key stored in a core record (a hold's kind, loaner.waiting_for_loaner):
        # the plugin labels it in its catalogue as ``audit:<key>`` like its own fields
        own = f"audit:{value}"
        translated = gettext(own)
        return value if translated == own else translated
    return value
