"""The customer messages core itself sends (issue 13), all through the outbox.

Each is queued in the transaction of its cause: the W-4 confirmation link when a clerk makes
it, "your unit is repaired and ready" when a case reaches ``repaired``, and a receipt by
e-mail when a payment is recorded. E-mail when the customer has an address, else SMS to the
case's contact phone; in the customer's language when known.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.entities import OutboxMessage, Payment, ServiceCase
from core.i18n import N_, format_money
from core.services.messages import queue_message


def _address(case: ServiceCase, email_only: bool = False) -> tuple[str, str] | None:
    customer = case.customer
    if customer is not None and customer.email:
        return "email", customer.email
    if email_only:
        return None
    phone = case.contact_phone or (customer.phone if customer is not None else "")
    return ("sms", phone) if phone else None


def _language(case: ServiceCase, fallback: str | None = None) -> str | None:
    customer = case.customer
    return (customer.language if customer is not None and customer.language else None) \
        or fallback


def quote_link(session: Session, case: ServiceCase, url: str,
               locale: str | None) -> OutboxMessage | None:
    """W-4: the single-use link to confirm or refuse the quote, in the link's language."""
    target = _address(case)
    if target is None:
        return None
    return queue_message(
        session, kind="core.quote_link", channel=target[0], recipient=target[1],
        subject=N_("Please confirm the quote for service case %(number)s"),
        body=N_("Hello %(name)s,\n\nThe quote for your service case %(number)s is ready. "
                "Please confirm or refuse it here (the link can be used once):\n%(url)s\n"),
        params={"name": case.contact_name, "number": case.reference, "url": url},
        language=locale or _language(case), case=case, essential=True)


def unit_ready(session: Session, case: ServiceCase) -> OutboxMessage | None:
    """Your unit is repaired and ready to collect."""
    target = _address(case)
    if target is None:
        return None
    return queue_message(
        session, kind="core.unit_ready", channel=target[0], recipient=target[1],
        subject=N_("Your unit is repaired (service case %(number)s)"),
        body=N_("Hello %(name)s,\n\nYour unit of service case %(number)s is repaired and "
                "ready to be collected.\n"),
        params={"name": case.contact_name, "number": case.reference},
        language=_language(case), case=case, essential=True)


def receipt(session: Session, case: ServiceCase, payment: Payment) -> OutboxMessage | None:
    """A receipt by e-mail for a payment (only when the customer gave an e-mail address)."""
    target = _address(case, email_only=True)
    if target is None:
        return None
    return queue_message(
        session, kind="core.receipt", channel=target[0], recipient=target[1],
        subject=N_("Receipt %(receipt)s for service case %(number)s"),
        body=N_("Hello %(name)s,\n\nWe received %(amount)s for service case %(number)s. "
                "Receipt number: %(receipt)s.\n"),
        params={"name": case.contact_name, "number": case.reference,
                "amount": format_money(payment.amount_cents, _language(case)),
                "receipt": f"{payment.receipt_number:06d}"},
        language=_language(case), case=case, essential=True)
