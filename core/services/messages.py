"""Queueing messages to customers (the outbox, DESIGN.md).

``queue_message`` renders a message template in the customer's language and writes it to the
outbox in the caller's transaction: the message exists exactly when its cause was committed.
Delivery (e-mail over SMTP, SMS through the ``send_message`` hook, retries) is the worker's
business and reads only the outbox row, so a message reads the same whenever it goes out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.entities import Customer, OutboxMessage, ServiceCase
from core.entities.messages import CHANNELS
from core.errors import DomainError, render
from core.i18n import LOCALES, N_, translations


def render_in(language: str, session: Session, template: str,
              params: Mapping[str, object] | None = None) -> str:
    """``template`` (an ``N_`` message id) translated into ``language`` and formatted, with
    the enabled plugins' catalogues consulted before core's."""
    dirs = tuple(session.info.get("locale_dirs", ()))
    return render(template, params, translations(language, dirs).gettext)


def queue_message(
    session: Session,
    *,
    kind: str,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    params: Mapping[str, object] | None = None,
    language: str | None = None,
    case: ServiceCase | None = None,
    customer: Customer | None = None,
    essential: bool = True,
    source: str = "core",
    due_at: datetime | None = None,
    region_id: int | None = None,
) -> OutboxMessage:
    """Write one message to the outbox, rendered now in ``language`` (the instance's default
    locale when not given).

    ``subject`` and ``body`` are message ids marked with ``N_`` and formatted with ``params``;
    ``essential=False`` marks a message a customer may opt out of (reminders, surveys).
    Raises ``DomainError`` for an unknown channel or an empty recipient.
    """
    if channel not in CHANNELS:
        raise DomainError(N_("Unknown message channel %(channel)r."), params={"channel": channel},
                          field="channel")
    recipient = (recipient or "").strip()
    if not recipient:
        raise DomainError(N_("The customer has no address for %(channel)s messages."),
                          params={"channel": channel}, field="recipient")
    settings = session.info.get("settings")
    if language not in LOCALES:  # issue 13: the customer's own language when known
        known = customer or (case.customer if case is not None else None)
        language = getattr(known, "language", "") or language
    if language not in LOCALES:
        language = settings.default_locale if settings is not None else "en"
    assert language is not None
    if region_id is None:
        owner = case or customer
        if owner is None:
            raise DomainError(N_("A message needs a case, a customer or a region."))
        region_id = owner.region_id
    message = OutboxMessage(
        kind=kind, channel=channel, recipient=recipient[:160], language=language,
        subject=render_in(language, session, subject, params)[:200],
        body=render_in(language, session, body, params),
        essential=essential, source=source,
        case_id=case.id if case is not None else None,
        customer_id=(customer.id if customer is not None
                     else case.customer_id if case is not None else None),
        region_id=region_id, due_at=due_at or utcnow(),
        data={k: v if isinstance(v, str | int | float | bool) else str(v)
              for k, v in (params or {}).items()},
    )
    session.add(message)
    session.flush()
    _enqueue_delivery(session, message)  # issue 13
    return message


def _enqueue_delivery(session: Session, message: OutboxMessage) -> None:
    """The worker delivers it (``core.services.delivery``), in this same transaction."""
    from core.services.queue import enqueue

    enqueue(session, "core.deliver_message", {"message_id": message.id},
            due=message.due_at)


def case_messages(session: Session, case: ServiceCase) -> list[OutboxMessage]:
    """The messages written for a case, newest first (shown on the case with their state)."""
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)
                                .order_by(OutboxMessage.id.desc())))
