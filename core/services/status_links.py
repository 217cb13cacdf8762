"""The customer's status page (issue 18, item 6): what the case is doing in plain words, the
next step and the amount due, opened from a link without a sign-in.

The token is 32 random bytes (URL-safe); only its SHA-256 is stored (like the quote link,
W-4). A link expires after ``LINK_DAYS``; making a new link for a case revokes the earlier
ones, so the customer holds one working link at a time. A link shows only its own case, read
with the region scope set to the link's region.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.db import utcnow
from core.entities import CaseEvent, CaseHold, ServiceCase, StatusLink, User
from core.errors import NotFound
from core.i18n import LOCALES, N_
from core.security.auth import hash_token
from core.security.scope import set_scope
from core.services import payments, quotes
from core.services.holds import active_holds, hold_kinds

LINK_DAYS = 30

#: What the state means to a customer, in plain words.
PLAIN_STATE = {
    "registered": N_("We have received your unit and registered it."),
    "inspected": N_("A technician has inspected your unit."),
    "quoted": N_("We have sent you the costs of the repair and wait for your answer."),
    "confirmed": N_("You confirmed the costs; the repair is being planned."),
    "dispatched": N_("A technician has been assigned to your repair."),
    "in_repair": N_("Your unit is being repaired."),
    "repaired": N_("The repair is finished."),
    "returned": N_("Your unit has been handed back to you."),
    "closed": N_("This service case is closed."),
    "refused": N_("We could not accept this unit for service."),
    "cancelled": N_("This service case was cancelled."),
}
#: What happens next, from the customer's side.
NEXT_STEP = {
    "registered": N_("Next, a technician inspects the unit: the fault, the warranty status "
                     "and whether any costs arise."),
    "inspected": N_("Next, we tell you whether any costs arise."),
    "quoted": N_("Next, please confirm or decline the costs. We start the repair only after "
                 "you confirm."),
    "confirmed": N_("Next, a technician is assigned to the repair."),
    "dispatched": N_("Next, the repair starts."),
    "in_repair": N_("Next, the unit is tested; we tell you when it is ready."),
    "repaired": N_("Next, you collect the unit, or we ship it back to you."),
    "returned": N_("Nothing more to do. If something is not right, please contact us."),
    "closed": N_("Nothing more to do. If you have a question, please contact us."),
    "refused": N_("If you have a question, please contact us."),
    "cancelled": N_("If you have a question, please contact us."),
}


@dataclass(frozen=True)
class Status:
    case: ServiceCase
    link: StatusLink
    plain: str
    next_step: str
    holds: list[tuple[str, CaseHold]]
    due_cents: int
    total_cents: int
    paid_cents: int


def active_link(session: Session, case: ServiceCase) -> StatusLink | None:
    return session.scalars(select(StatusLink).where(
        StatusLink.case_id == case.id, StatusLink.revoked_at.is_(None),
        StatusLink.expires_at > utcnow()).order_by(StatusLink.id.desc())).first()


def create_link(session: Session, case: ServiceCase, actor: User | None, locale: str
                ) -> str:
    """A new link for ``case`` in ``locale`` (the customer's language); earlier links of the
    case stop working. Returns the token, which is never stored."""
    if locale not in LOCALES:
        settings = session.info.get("settings")
        locale = case.customer.language if case.customer.language in LOCALES \
            else (settings.default_locale if settings is not None else "zh_CN")
    now = utcnow()
    for old in session.scalars(select(StatusLink).where(StatusLink.case_id == case.id,
                                                        StatusLink.revoked_at.is_(None))):
        old.revoked_at = now
    token = secrets.token_urlsafe(32)
    link = StatusLink(case_id=case.id, region_id=case.region_id, token_hash=hash_token(token),
                      locale=locale, created_by_id=actor.id if actor else None,
                      expires_at=now + timedelta(days=LINK_DAYS))
    session.add(link)
    session.add(CaseEvent(case_id=case.id, user_id=actor.id if actor else None,
                          kind="status_link", note="",
                          data={"locale": locale, "days": LINK_DAYS}))
    session.flush()
    audit.record(session, "service_case", case.id, "status_link", after={
        "link_id": link.id, "locale": locale, "expires_at": link.expires_at.isoformat()},
        region_id=case.region_id)
    return token


def status_for(session: Session, token: str) -> Status:
    """The status behind ``token``; one 404 for unknown, expired and revoked links. The
    session's region scope is narrowed to the link's region before the case is read."""
    gone = NotFound(N_("This link is not valid any more. Please ask the service desk for a "
                       "new one."))
    if not token or len(token) > 100:
        raise gone
    link = session.scalars(select(StatusLink).where(
        StatusLink.token_hash == hash_token(token))).first()
    if link is None or link.revoked_at is not None or link.expires_at <= utcnow():
        raise gone
    set_scope(session, link.region_id)
    case = session.get(ServiceCase, link.case_id)
    if case is None:
        raise gone
    labels = {kind.id: kind.label for kind in hold_kinds(session).values()}
    holds = [(labels.get(h.kind, h.kind), h) for h in active_holds(session, case)]
    total = quotes.payable_total(session, case)
    paid = payments.paid_total(session, case)
    due = max(payments.outstanding(session, case), 0)  # the desk's own definition (money)
    return Status(case, link, PLAIN_STATE.get(case.state, case.state),
                  NEXT_STEP.get(case.state, ""), holds, due, total, paid)
