"""Delivering the customer outbox (issue 13): the worker's side of ``queue_message``.

``queue_message`` enqueues a ``core.deliver_message`` job with the message's id in the same
transaction that writes the message, so every committed message is delivered, once per
successful attempt, by whichever worker claims the job. Delivery asks the ``send_message``
hook (a region's SMS gateway); core answers last: e-mail over SMTP when ``[mail] smtp_host``
is set, otherwise a line in the log file under ``var_dir`` (the demo needs nothing).

The message row keeps its own state for the case page: ``sent``, ``failed`` (an attempt
failed, another will follow), ``dead`` (gave up) or ``suppressed`` (the customer opted out
of non-essential messages).
"""

from __future__ import annotations

import json
import smtplib
import threading
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlalchemy.orm import Session

from core.db import utcnow
from core.entities import Customer, OutboxMessage
from core.services.locking import lock_row
from core.settings import Settings

KIND = "core.deliver_message"
_log_lock = threading.Lock()


def deliver(session: Session, payload: dict[str, Any], settings: Settings) -> str:
    """The job: send message ``payload['message_id']`` unless it is already settled."""
    message = lock_row(session, OutboxMessage, int(payload["message_id"]))
    if message is None:
        return "no such message"
    if message.state in ("sent", "suppressed", "dead"):
        return f"already {message.state}"
    customer = session.get(Customer, message.customer_id) if message.customer_id else None
    message.attempts += 1
    if not message.essential and customer is not None and customer.messages_opt_out:
        message.state = "suppressed"
        return "suppressed: the customer opted out of non-essential messages"
    pm = session.info["pm"]
    sent = pm.hook.send_message(message=message, settings=settings)
    if not sent:
        raise RuntimeError(f"nobody delivers {message.channel} messages")
    message.state, message.sent_at, message.last_error = "sent", utcnow(), ""
    return f"sent {message.channel} to {message.recipient}"


def delivery_failed(session: Session, payload: dict[str, Any], error: str, dead: bool) -> None:
    """Keep the failed attempt on the message, for the case page."""
    message = lock_row(session, OutboxMessage, int(payload["message_id"]))
    if message is None or message.state in ("sent", "suppressed"):
        return
    message.attempts += 1
    message.state = "dead" if dead else "failed"
    message.last_error = error[:400]


def send_default(message: OutboxMessage, settings: Settings) -> bool:
    """Core's sender (asked last): SMTP for e-mail when configured, else the log file."""
    if message.channel == "email" and settings.mail.smtp_host:
        send_smtp(message, settings)
    else:
        write_log(message, settings)
    return True


def send_smtp(message: OutboxMessage, settings: Settings) -> None:
    mail = settings.mail
    email = EmailMessage()
    email["From"] = mail.sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    email.set_content(message.body)  # clears Content-* headers: Content-Language after it
    email["Content-Language"] = message.language.replace("_", "-")
    with smtplib.SMTP(mail.smtp_host, mail.smtp_port,
                      timeout=mail.smtp_timeout_seconds) as smtp:
        if mail.smtp_starttls:
            smtp.starttls()
        if mail.smtp_user:
            smtp.login(mail.smtp_user, mail.smtp_password)
        smtp.send_message(email)


def write_log(message: OutboxMessage, settings: Settings) -> None:
    """One JSON line per message: what would have gone out, readable and greppable."""
    path = settings.var_dir / settings.mail.log_file
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"at": utcnow().isoformat(), "id": message.id, "kind": message.kind,
                       "channel": message.channel, "to": message.recipient,
                       "language": message.language, "subject": message.subject,
                       "body": message.body}, ensure_ascii=False)
    with _log_lock, path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
