"""The case workflow (DESIGN.md): one ``transition`` function moves every case.

It checks the move is allowed, collects vetoes from every plugin's ``validate_transition``
(core's own W-3, W-4 and P-3 checks are vetoes too, so all are shown together), applies the
change, records a case event and an audit entry, and calls ``after_transition`` — all in the
caller's transaction, so a failure anywhere leaves nothing half-written.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

import pluggy
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from core import audit
from core.db import utcnow
from core.entities import FaultLine, ServiceCase, User
from core.entities.cases import FAULT_CAUSES, STATES
from core.errors import Conflict, DomainError, Message
from core.hooktypes import Veto, WorkflowMove
from core.i18n import N_
from core.plugins import call_each
from core.services.case_events import record_case_event
from core.services.locking import lock_case
from core.services.validation import Problems


def _on_site(case: ServiceCase) -> bool:
    """P-7: an on-site case may be dispatched before inspection."""
    return case.channel == "on_site"


def _on_site_not_inspected(case: ServiceCase) -> bool:
    """P-7: the technician sent on site records the inspection there."""
    return case.channel == "on_site" and not case.coverage_class


def _on_site_with_technician(case: ServiceCase) -> bool:
    """P-7: the technician who inspected on site may start the repair there."""
    return case.channel == "on_site" and case.technician_id is not None


#: One move of the workflow (``core.hooktypes.WorkflowMove``; plugins add theirs through
#: ``register_moves``).
Move = WorkflowMove


#: The workflow, declared once: every state, every move and the permission it needs. The
#: API's permission check, the case page's buttons and ``transition()`` all read this.
#: Closing and cancelling end a case; reopening (back to registered) needs a reason, as does
#: cancelling. A declined quote (W-4) ends "returned unrepaired": declined -> returned -> closed.
WORKFLOW: tuple[Move, ...] = (
    Move("registered", "inspected", "case.inspect", note="W-3"),
    Move("registered", "dispatched", "case.dispatch", _on_site, "P-7"),
    Move("registered", "cancelled", "case.cancel"),
    Move("inspected", "quoted", "case.quote", note="W-4"),
    Move("inspected", "dispatched", "case.dispatch",
         note="P-3; class B/C only through a confirmed quote (W-4)"),
    Move("inspected", "in_repair", "case.repair", _on_site_with_technician, "P-7, W-4"),
    Move("inspected", "cancelled", "case.cancel"),
    Move("quoted", "confirmed", "case.quote", note="W-4: reached by recording a confirmation"),
    Move("quoted", "declined", "case.quote", note="W-4: the customer refused the quote"),
    Move("quoted", "cancelled", "case.cancel"),
    Move("confirmed", "dispatched", "case.dispatch", note="P-3"),
    Move("confirmed", "in_repair", "case.repair", _on_site_with_technician, "P-7, W-4"),
    Move("confirmed", "quoted", "case.quote", note="W-4: the quote changed"),
    Move("confirmed", "declined", "case.quote", note="W-4"),
    Move("confirmed", "cancelled", "case.cancel"),
    Move("dispatched", "inspected", "case.inspect", _on_site_not_inspected, "P-7, W-3"),
    Move("dispatched", "in_repair", "case.repair", note="W-4"),
    Move("dispatched", "dispatched", "case.dispatch", note="P-3: another technician"),
    Move("dispatched", "cancelled", "case.cancel"),
    Move("in_repair", "repaired", "case.repair"),
    Move("repaired", "returned", "case.return", note="W-4"),
    Move("declined", "returned", "case.return", note="W-4: returned unrepaired"),
    Move("returned", "closed", "case.return"),
    Move("closed", "registered", "case.cancel"),
    Move("cancelled", "registered", "case.cancel"),
)
WORKFLOW_STATES: tuple[str, ...] = STATES

#: Every move by source state, guards not applied (``allowed_targets`` applies them).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    state: tuple(m.target for m in WORKFLOW if m.source == state) for state in STATES}
NEEDS_REASON = {"cancelled", "registered"}
TECHNICIAN_ROLE = "technician"


def moves(session: Session | None = None) -> tuple[WorkflowMove, ...]:
    """Every move of this instance: core's ``WORKFLOW`` and the enabled plugins' guarded
    moves (``register_moves``), as collected at startup into the registry."""
    registry = session.info.get("registry") if session is not None else None
    if registry is not None and registry.moves:
        return tuple(registry.moves.values())
    return WORKFLOW


def find_move(source: str, target: str, session: Session | None = None) -> WorkflowMove | None:
    return next((m for m in moves(session) if m.source == source and m.target == target),
                None)


def permission_for(source: str, target: str, session: Session | None = None) -> str | None:
    """The permission the move ``source -> target`` needs; for a move the workflow does not
    have, the permission of any move into ``target`` (so a user without it gets 403 before
    learning the move is invalid), or ``None`` for an unknown state."""
    move = find_move(source, target, session) or next(
        (m for m in moves(session) if m.target == target), None)
    return move.permission if move else None


def target_permissions() -> dict[str, str]:
    """``{target: permission}``: what ``TRANSITION_PERMISSIONS`` always published."""
    found: dict[str, str] = {}
    for move in WORKFLOW:
        found.setdefault(move.target, move.permission)
    return found


class Vetoed(Conflict):
    """A transition refused by policy: 409 with every veto and its clause."""

    code = "vetoed"

    def __init__(self, vetoes: list[Veto]) -> None:
        message = " ".join(f"{v.text} ({v.clause})" for v in vetoes)
        super().__init__(message, extra={"vetoes": [
            {"clause": v.clause, "message": v.text, "plugin": v.plugin} for v in vetoes]})
        self.vetoes = vetoes


def allowed_targets(case: ServiceCase) -> tuple[str, ...]:
    """The moves the workflow offers this case now (guards applied, vetoes not asked)."""
    return tuple(m.target for m in moves(object_session(case))
                 if m.source == case.state and (m.guard is None or m.guard(case)))


def _parse_payload(session: Session, case: ServiceCase, to: str,
                   payload: dict[str, Any], tz: tzinfo) -> dict[str, Any]:
    """Field errors in what the user typed (422), before any policy question (409)."""
    problems = Problems()
    clean: dict[str, Any] = {}
    if to in NEEDS_REASON:
        clean["reason"] = problems.text(payload, "reason", max_length=400, label=N_("Reason"))
    if to == "inspected":
        clean["fault_found"] = problems.text(payload, "fault_found", max_length=4000,
                                             label=N_("Fault found"))
        faults = payload.get("faults") or []
        if not isinstance(faults, list):
            problems.add("faults", N_("Faults must be a list of {description, cause}."))
            faults = []
        clean["faults"] = []
        for index, item in enumerate(faults):
            if not isinstance(item, dict):
                problems.add(f"faults.{index}", N_("Each fault is {description, cause}."))
                continue
            line = Problems()
            description = line.text(item, "description", max_length=400,
                                    label=N_("Description"))
            cause = line.choice(item, "cause", FAULT_CAUSES)
            problems.extend(line, f"faults.{index}.")
            clean["faults"].append((description, cause))
        clean["coverage_class"] = problems.choice(payload, "coverage_class", ("A", "B", "C"),
                                                  required=False)
    if to == "dispatched":
        clean["technician_id"] = problems.integer(payload, "technician_id")
        clean["onsite"] = problems.boolean(payload, "onsite", case.channel == "on_site")
        if clean["onsite"]:  # P-7
            clean["onsite_address"] = problems.text(
                {"onsite_address": payload.get("onsite_address") or case.address},
                "onsite_address", label=N_("On-site address"))
            start = _timestamp(problems, payload, "onsite_from", tz)
            end = _timestamp(problems, payload, "onsite_to", tz)
            if start and end and end <= start:
                problems.add("onsite_to", N_("The time window must end after it starts."))
            clean["onsite_from"], clean["onsite_to"] = start, end
    note = payload.get("note")  # core's own notes come as a message id with parameters
    clean["note"] = note if isinstance(note, Message) else problems.text(
        payload, "note", required=False, max_length=2000)
    problems.raise_if_any()
    return clean


def _timestamp(problems: Problems, payload: dict[str, Any], field: str,
               tz: tzinfo = UTC) -> datetime | None:
    """A local date-time from a form (instance time zone) or an ISO value with an offset."""
    value = payload.get(field)
    if value in (None, ""):
        problems.add(field, N_("A date and time is required (YYYY-MM-DDTHH:MM)."))
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        problems.add(field, N_("%(value)r is not a date and time (YYYY-MM-DDTHH:MM)."),
                     value=value)
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def core_vetoes(session: Session, case: ServiceCase, to: str, clean: dict[str, Any],
                pm: pluggy.PluginManager) -> list[Veto]:
    """Core's own policy checks: W-3, W-4, P-3 and P-4 (no close with money outstanding)."""
    from core.services.quotes import confirmation_is_valid, payable_total

    vetoes: list[Veto] = []
    if to == "inspected" and not clean.get("coverage_class") and not clean.get("_coverage"):
        vetoes.append(Veto("W-3", N_("Inspection needs a coverage class A, B or C.")))
    if case.state == "inspected" and to in ("quoted", "dispatched") and not case.coverage_class:
        vetoes.append(Veto("W-3", N_("The case has no coverage class yet.")))
    if to == "declined":  # W-4: only the customer's recorded refusal declines a quote
        from core.services.quotes import current_confirmation

        answer = current_confirmation(session, case)
        if answer is None or answer.accepted:
            vetoes.append(Veto("W-4", N_("Record the customer's refusal of the quote first.")))
    if to == "confirmed" and payable_total(session, case) > 0 \
            and not confirmation_is_valid(session, case):
        vetoes.append(Veto("W-4", N_("Record the customer's confirmation of the quote first.")))
    confirmed = confirmation_is_valid(session, case)
    charged_class = case.coverage_class in ("B", "C")  # W-3/W-4: quoted and confirmed first
    if to == "dispatched" and charged_class and not confirmed:
        vetoes.append(Veto("W-4", N_("A class B or C case goes to repair only through a quote "
                                     "the customer confirmed.")))
    if to in ("in_repair", "returned") and not confirmed \
            and (payable_total(session, case) > 0 or (to == "in_repair" and charged_class)):
        vetoes.append(Veto("W-4", N_("Repair cannot start before the customer confirms the "
                                     "quote.") if to == "in_repair"
                           else N_("The unit cannot be shipped back before the customer "
                                   "confirms the quote.")))
    if to == "closed":  # P-4: money is never silently short
        from core.i18n import format_money
        from core.services.payments import outstanding

        owed = outstanding(session, case)
        if owed > 0:
            vetoes.append(Veto("P-4", N_("%(amount)s is still outstanding: take the payment, or "
                                         "a supervisor writes it off with a reason, before the "
                                         "case closes."),
                               # with its currency, the same in both languages
                               params={"amount": format_money(owed, "en")}))
    if to == "dispatched" and clean.get("technician_id") is not None:
        technician = session.get(User, clean["technician_id"])
        if technician is None or not technician.active:
            vetoes.append(Veto("P-3", N_("Choose an active technician.")))
        elif technician.service_point_id != case.service_point_id:
            vetoes.append(Veto("P-3", N_("%(name)s is not a technician of %(place)s."),
                               params={"name": technician.display_name,
                                       "place": case.service_point.name}))
        elif TECHNICIAN_ROLE not in technician.role_ids:
            vetoes.append(Veto("P-3", N_("%(name)s is not a technician."),
                               params={"name": technician.display_name}))
    return vetoes


def _apply(session: Session, case: ServiceCase, to: str, clean: dict[str, Any]) -> None:
    now = utcnow()
    if to == "inspected":
        coverage = clean.get("_coverage")
        if coverage is not None:
            case.coverage_class = coverage.coverage_class
            case.coverage_source = "assessed"
            case.coverage_reason = coverage.reason[:400]
        else:
            case.coverage_class = clean["coverage_class"]
            case.coverage_source = "manual"
            case.coverage_reason = "Chosen by the inspector."
        case.fault_found = clean["fault_found"]
        for description, cause in clean["faults"]:
            session.add(FaultLine(case_id=case.id, description=description, cause=cause))
    elif to == "dispatched":
        case.technician = session.get(User, clean["technician_id"])
        case.dispatched_at = case.dispatched_at or now
        if clean.get("onsite"):
            case.onsite_address = clean["onsite_address"]
            case.onsite_from = clean["onsite_from"]
            case.onsite_to = clean["onsite_to"]
    elif to == "declined":  # W-4: the unit goes back unrepaired
        from core.services.quotes import decline_quote

        case.outcome = "unrepaired"
        decline_quote(session, case, clean.get("_actor"))
    elif to == "repaired":
        case.repaired_at = now
    elif to == "returned":
        case.returned_at = now
        case.outcome = case.outcome or "repaired"
    elif to == "closed":
        case.closed_at = now
    elif to == "registered":
        case.outcome = ""
    if to in NEEDS_REASON:
        case.reason = clean["reason"]


def plugin_vetoes(session: Session, pm: pluggy.PluginManager, case: ServiceCase, to: str,
                  actor: User | None, payload: dict[str, Any]) -> list[Veto]:
    """Every plugin's objections to moving ``case`` to ``to``, each named by its plugin."""
    vetoes: list[Veto] = []
    for owner, answers in call_each(pm, "validate_transition", session=session, case=case,
                                    to=to, actor=actor, payload=payload):
        for found in answers:
            vetoes.extend(Veto(v.clause, v.message, owner, v.params) for v in found or [])
    return vetoes


def dispatch_candidates(session: Session, pm: pluggy.PluginManager, case: ServiceCase,
                        actor: User | None) -> list[tuple[User, list[Veto]]]:
    """The service point's technicians with what a dispatch to each would meet now (a dry
    run of ``validate_transition``: P-1 certification, for instance), eligible first, so
    the dispatch form can offer the right people and say why the others cannot go."""
    candidates = [(tech, plugin_vetoes(session, pm, case, "dispatched", actor,
                                       {"technician_id": tech.id, "onsite": False}))
                  for tech in technicians_for(session, case)]
    return sorted(candidates, key=lambda pair: (bool(pair[1]), pair[0].display_name))


def transition(
    session: Session, pm: pluggy.PluginManager, case: ServiceCase, to: str,
    actor: User | None, payload: dict[str, Any] | None = None, tz: tzinfo = UTC,
) -> ServiceCase:
    """Move ``case`` to ``to``; raises ``DomainError`` (422) for bad input, ``Conflict``
    (409) for a move the workflow does not allow and ``Vetoed`` (409) for policy vetoes.

    The case's row lock comes first and the state is read under it: of two identical moves
    sent at once, the second sees the first's result and is refused (issue 10)."""
    case = lock_case(session, case)
    payload = dict(payload or {})
    if to not in STATES:
        raise DomainError(N_("Unknown state %(state)r."), params={"state": to}, field="to")
    if to not in allowed_targets(case):
        allowed = ", ".join(allowed_targets(case)) or "none"
        raise Conflict(N_("A case in state %(state)r cannot move to %(to)r "
                          "(allowed: %(allowed)s)."),
                       params={"state": case.state, "to": to, "allowed": allowed},
                       code="invalid_transition", field="to")
    if to == "dispatched" and case.state != "dispatched" \
            and payload.get("technician_id") in (None, "") \
            and case.technician_id is not None:  # P-7: the technician sent on site goes on
        payload["technician_id"] = case.technician_id
    clean = _parse_payload(session, case, to, payload, tz)
    clean["_actor"] = actor
    if to == "inspected":
        clean["_coverage"] = pm.hook.assess_coverage(session=session, case=case)
    plugin_payload = {**payload, **{k: v for k, v in clean.items() if not k.startswith("_")}}
    vetoes = core_vetoes(session, case, to, clean, pm)
    vetoes.extend(plugin_vetoes(session, pm, case, to, actor, plugin_payload))
    if vetoes:
        raise Vetoed(vetoes)
    from_state = case.state
    before = {"state": from_state, "technician_id": case.technician_id,
              "coverage_class": case.coverage_class}
    _apply(session, case, to, clean)
    case.state = to
    record_case_event(session, case.id, actor, "transition",
                      clean.get("reason") or clean.get("note") or "",
                      {k: str(v) for k, v in plugin_payload.items()
                       if k in ("technician_id", "coverage_class", "onsite_from", "onsite_to")},
                      from_state=from_state, to_state=to)
    session.flush()
    audit.record(session, "service_case", case.id, f"transition:{to}", before=before,
                 after={"state": to, "technician_id": case.technician_id,
                        "coverage_class": case.coverage_class}, region_id=case.region_id)
    if to == "quoted":  # after the state changed, so the new lines do not move it again
        from core.services.quotes import add_proposed_charges

        add_proposed_charges(session, pm, case, actor)
    pm.hook.after_transition(session=session, case=case, from_state=from_state, actor=actor,
                             payload=plugin_payload)
    return case


def technicians_for(session: Session, case: ServiceCase) -> list[User]:
    users = session.scalars(select(User).where(User.service_point_id == case.service_point_id,
                                               User.active.is_(True)).order_by(User.display_name))
    return [u for u in users if TECHNICIAN_ROLE in u.role_ids]
