"""Placing and releasing holds on a case (DESIGN.md "Holds").

A hold never changes the case's state: a case in repair stays ``in_repair`` while it waits for
parts. Each change runs under the case lock, so two clerks placing the same hold at once put
it on once, and a release is never applied twice. One open hold per kind per case; several
kinds may be open together (waiting for parts *and* for a loaner).
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core import audit
from core.db import utcnow
from core.entities import CaseEvent, CaseHold, ServiceCase, User
from core.entities.cases import OPEN_STATES
from core.errors import Conflict, DomainError, NotFound
from core.hooktypes import HoldKind
from core.i18n import N_
from core.services.locking import lock_case


def hold_kinds(session: Session) -> dict[str, HoldKind]:
    """The kinds core and the enabled plugins declared (``register_hold_kinds``)."""
    registry = session.info.get("registry")
    if registry is not None:
        return dict(registry.holds)
    pm = session.info["pm"]
    kinds: dict[str, HoldKind] = {}
    for found in pm.hook.register_hold_kinds():
        for kind in found or []:
            kinds.setdefault(kind.id, kind)
    return kinds


#: Built once: the case page and the case answer run it on every load (issue 11).
_ACTIVE = select(CaseHold).where(CaseHold.case_id == bindparam("case_id"),
                                 CaseHold.released_at.is_(None)).order_by(CaseHold.id)


def active_holds(session: Session, case: ServiceCase | int) -> list[CaseHold]:
    case_id = case if isinstance(case, int) else case.id
    return list(session.scalars(_ACTIVE, {"case_id": case_id}))


def place_hold(session: Session, case: ServiceCase | int, kind: str, reason: str,
               actor: User | None) -> CaseHold:
    """Put ``case`` on hold for ``kind`` (declared by core or a plugin) with a reason.

    Raises ``DomainError`` for an unknown kind or an empty reason, ``Conflict`` when the case
    is not open or already on hold for that kind.
    """
    kinds = hold_kinds(session)
    if kind not in kinds:
        raise DomainError(N_("Unknown kind of hold %(kind)r."), params={"kind": kind},
                          field="kind")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(N_("Say why the case is on hold."), field="reason")
    if len(reason) > 400:
        raise DomainError(N_("At most %(max)d characters."), params={"max": 400},
                          field="reason")
    locked = lock_case(session, case)
    if locked.state not in OPEN_STATES:
        raise Conflict(N_("Only an open case can be put on hold."), code="case_not_open")
    if any(h.kind == kind for h in active_holds(session, locked)):
        raise Conflict(N_("The case is already on hold for this reason."),
                       code="already_on_hold", field="kind")
    hold = CaseHold(case_id=locked.id, kind=kind, reason=reason,
                    placed_by_id=actor.id if actor else None)
    session.add(hold)
    session.add(CaseEvent(case_id=locked.id, user_id=actor.id if actor else None,
                          kind="hold", note=reason, data={"hold": kind}))
    session.flush()
    audit.record(session, "service_case", locked.id, "hold", after={"kind": kind,
                 "reason": reason, "hold_id": hold.id}, region_id=locked.region_id)
    return hold


def release_hold(session: Session, case: ServiceCase | int, kind: str, actor: User | None,
                 note: str = "") -> CaseHold:
    """End the open hold of ``kind`` on ``case``; ``Conflict`` when there is none (already
    released by someone else, for instance)."""
    locked = lock_case(session, case)
    open_hold = next((h for h in active_holds(session, locked) if h.kind == kind), None)
    if open_hold is None:
        raise Conflict(N_("The case is not on hold for this reason."), code="not_on_hold",
                       field="kind")
    open_hold.released_at = utcnow()
    open_hold.released_by_id = actor.id if actor else None
    open_hold.release_note = (note or "").strip()[:400]
    session.add(CaseEvent(case_id=locked.id, user_id=actor.id if actor else None,
                          kind="resume", note=open_hold.release_note,
                          data={"hold": kind}))
    session.flush()
    audit.record(session, "service_case", locked.id, "resume", after={"kind": kind,
                 "hold_id": open_hold.id}, region_id=locked.region_id)
    return open_hold


def get_hold(session: Session, hold_id: int) -> CaseHold:
    hold = session.get(CaseHold, hold_id)
    if hold is None or session.get(ServiceCase, hold.case_id) is None:  # region scope
        raise NotFound(N_("No such hold."))
    return hold
