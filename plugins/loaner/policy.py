"""E-1, E-2 as pure rules: what may be lent, when it is due back, when a reminder is due,
and what a return costs. Values in, values out: no database, no web (the import contract
checks it), so each rule is tested without an app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.plugin_api import N_, DomainError

CLAUSE = "E-2"
UNIT_STATUSES = ("available", "reserved", "on_loan", "in_check", "retired")
LOAN_STATUSES = ("requested", "approved", "lent", "returned", "declined", "cancelled")
#: Loans still tying up a unit (the unit is reserved or out).
OPEN_LOAN_STATUSES = ("requested", "approved", "lent")
CONDITIONS = ("good", "fair", "damaged")
CONDITION_LABELS = {"good": N_("good"), "fair": N_("fair"), "damaged": N_("damaged")}
#: How a deposit is paid (core's payment methods), as people read them.
METHOD_LABELS = {"cash": N_("Cash"), "card": N_("Card"), "bank_transfer": N_("Bank transfer"),
                 "wechat_pay": N_("WeChat Pay"), "alipay": N_("Alipay")}
#: Case states a loan may be requested in: the repair is under way and not finished yet.
REQUEST_STATES = ("registered", "inspected", "quoted", "confirmed", "dispatched",
                  "in_repair")
#: Moves a case cannot make while its loaner is out (E-2: the loaner comes back first).
GUARDED_TARGETS = {"returned": N_("returned to the customer"), "closed": N_("closed")}


def split_accessories(text: str) -> list[str]:
    """An accessories list as typed: one per line or comma-separated, blanks dropped,
    duplicates kept once, order kept."""
    seen: list[str] = []
    for raw in text.replace(",", "\n").splitlines():
        item = raw.strip()
        if item and item.lower() not in (s.lower() for s in seen):
            seen.append(item[:80])
    return seen


def check_model(case_model: str, unit_model: str, other_model_reason: str) -> None:
    """E-2: a unit of the **same model**; another model only with a supervisor's written
    reason (the caller checks the permission)."""
    if case_model.upper() == unit_model.upper():
        return
    if not other_model_reason.strip():
        raise DomainError(N_("E-2 lends a unit of the same model (%(model)s); another "
                             "model needs a supervisor's written reason."),
                          params={"model": case_model or "-"}, field="other_model_reason")


def expected_return(ready_on: date, grace_days: int) -> date:
    """E-2: due back ``grace_days`` after the repaired unit is ready."""
    return ready_on + timedelta(days=grace_days)


def overdue_days(expected: date | None, today: date) -> int:
    """Whole days past the expected return (0 when not due yet or no date)."""
    if expected is None or today <= expected:
        return 0
    return (today - expected).days


def reminder_due(expected: date | None, last_reminder: date | None, today: date,
                 interval_days: int) -> bool:
    """A reminder on the first overdue day, then every ``interval_days``; at most one a
    day, whenever the job runs (late runs do not send a burst)."""
    if overdue_days(expected, today) == 0:
        return False
    if last_reminder is None:
        return True
    return (today - last_reminder).days >= interval_days


def due_reminder_due(expected: date | None, sent_on: date | None, today: date,
                     days_before: int) -> bool:
    """One reminder before the due date: from ``days_before`` days ahead up to the due day
    itself (a late job run still sends it), never twice, never once overdue."""
    if expected is None or sent_on is not None or days_before <= 0:
        return False
    return expected - timedelta(days=days_before) <= today <= expected


@dataclass(frozen=True)
class ReturnLine:
    item: str
    price_cents: int
    reason: str  # "missing" | "damaged"


def settle(deposit_cents: int, lines: list[ReturnLine]) -> tuple[int, int, int]:
    """What a return costs: ``(charges, kept from the deposit, refunded)``. The deposit pays
    the charges first; whatever is left is refunded; charges beyond it stay payable."""
    charges = sum(line.price_cents for line in lines)
    kept = min(deposit_cents, charges)
    return charges, kept, deposit_cents - kept
