"""Customer messages delivered by the worker (issue 13): the ``send_message`` hook, SMTP to a
real local server, the log-file sender, retries and dead messages, opt-out, and the W-4 link,
"unit ready" and receipt messages written through the outbox and shown on the case."""

from __future__ import annotations

import email
import email.header
import email.policy
import json
import socket
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from core.entities import Customer, OutboxMessage, QueuedJob, ServiceCase, User
from core.services import intake, payments, quotes, workflow
from core.services.messages import queue_message
from core.services.queue import run_due
from tests.core.test_hooks import Install
from tests.support import Harness


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def open_case(h: Harness, n: int = 1, *, email_address: str = "", language: str = "",
              login: str = "hq-clerk", state: str = "registered") -> int:
    with h.session() as session:
        clerk = session.scalars(select(User).where(User.login == login)).one()
        tech = session.scalars(select(User).where(
            User.login == login.replace("clerk", "tech"))).one()
        pm = h.app.state.pm
        case = intake.intake(session, pm, actor=clerk, service_point=clerk.service_point,
                             today=date.today(), data={
                                 "body_code": f"MC58-250101-{n:05d}", "model_code": "",
                                 "customer": {"name": "Ms. Lin", "address": "2 Road",
                                              "phone": f"1380000{n:04d}",
                                              "email": email_address},
                                 "fault_description": "Hum", "channel": "walk_in"})
        case.customer.language = language
        if state != "registered":
            workflow.transition(session, pm, case, "inspected", tech,
                                {"fault_found": "Hum", "coverage_class": "B"})
            quotes.add_charge(session, pm, case, clerk, {
                "kind": "labour", "description": "Repair", "unit_price_cents": 9000})
            workflow.transition(session, pm, case, "quoted", clerk, {})
        session.commit()
        return case.id


def messages(h: Harness) -> list[OutboxMessage]:
    with h.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def queue_for(h: Harness, case_id: int, *, channel: str = "sms", essential: bool = True,
              recipient: str = "13800000000") -> int:
    with h.session() as session:
        case = session.get(ServiceCase, case_id)
        message = queue_message(session, kind="test.note", channel=channel,
                                recipient=recipient, subject="Note", body="Hello %(name)s",
                                params={"name": "Ms. Lin"}, case=case, essential=essential)
        session.commit()
        return message.id


def test_hook_send_message(install: Install, make_app: Callable[..., Harness]) -> None:
    """A region's SMS gateway takes the SMS; e-mail falls through to core's log sender."""
    sent: list[tuple[str, str]] = []

    def send_message(message: OutboxMessage, settings: Any) -> bool | None:
        if message.channel != "sms":
            return None
        sent.append((message.recipient, message.body))
        return True

    install("gateway", send_message=send_message)
    h = make_app(plugins=["gateway"])
    case_id = open_case(h)
    sms = queue_for(h, case_id)
    mail = queue_for(h, case_id, channel="email", recipient="lin@example.com")
    outcomes = run_due(h.app)
    assert sorted(o.state for o in outcomes) == ["done", "done"]
    assert sent == [("13800000000", "Hello Ms. Lin")]
    logged = [json.loads(line) for line in
              (h.settings.var_dir / "outbox.log").read_text(encoding="utf-8").splitlines()]
    assert [(entry["id"], entry["to"]) for entry in logged] == [(mail, "lin@example.com")]
    states = {m.id: (m.state, m.attempts) for m in messages(h)}
    assert states[sms] == ("sent", 1) and states[mail] == ("sent", 1)
    assert run_due(h.app) == []  # delivered once


def test_failed_delivery_retries_then_dies(install: Install,
                                           make_app: Callable[..., Harness]) -> None:
    def broken(message: OutboxMessage, settings: Any) -> bool:
        raise ConnectionError("gateway down")

    install("broken", send_message=broken)
    h = make_app(plugins=["broken"], jobs={"backoff_seconds": 0})
    message_id = queue_for(h, open_case(h))
    [first] = run_due(h.app, limit=1)
    assert first.state == "queued"
    [message] = messages(h)
    assert (message.state, message.attempts) == ("failed", 1)
    assert "ConnectionError: gateway down" in message.last_error
    for _ in range(5):
        run_due(h.app, limit=1)
    [message] = messages(h)
    assert (message.id, message.state, message.attempts) == (message_id, "dead", 6)
    with h.session() as session:
        assert session.scalars(select(QueuedJob.state)).one() == "dead"


def test_email_arrives_over_smtp_in_the_customers_language(
        make_app: Callable[..., Harness], smtp_server: tuple[Inbox, int],
        backend: str) -> None:
    inbox, port = smtp_server
    h = make_app(plugins=[], mail={"smtp_host": "127.0.0.1", "smtp_port": port,
                                   "sender": "service@example.com"})
    zh_case = open_case(h, 1, email_address="lin@example.com", language="zh_CN")
    en_case = open_case(h, 2, email_address="tom@example.com", language="en")
    with h.session() as session:
        tech = session.scalars(select(User).where(User.login == "hq-tech")).one()
        for case_id in (zh_case, en_case):
            case = session.get(ServiceCase, case_id)
            assert case is not None
            case.state = "in_repair"
            workflow.transition(session, h.app.state.pm, case, "repaired", tech,
                                {"note": "done"})
        session.commit()
    assert len(messages(h)) == 2 and inbox.messages == []  # written, not yet sent
    run_due(h.app)
    received = {str(m["To"]): m for m in inbox.messages}
    assert set(received) == {"lin@example.com", "tom@example.com"}
    zh, en = received["lin@example.com"], received["tom@example.com"]
    assert zh["Content-Language"] == "zh-CN" and en["Content-Language"] == "en"
    assert "您的设备已修好" in str(zh["Subject"]) and "SC-" in str(zh["Subject"])
    assert "已修好" in zh.get_content()
    assert str(en["Subject"]).startswith("Your unit is repaired")
    assert str(en["From"]) == "service@example.com"
    assert {m.state for m in messages(h)} == {"sent"}


def test_opted_out_customers_get_only_essential_messages(
        make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    case_id = open_case(h)
    with h.session() as session:
        case = session.get(ServiceCase, case_id)
        assert case is not None
        session.execute(update(Customer).where(Customer.id == case.customer_id)
                        .values(messages_opt_out=True))
        session.commit()
    survey = queue_for(h, case_id, essential=False)
    essential = queue_for(h, case_id, essential=True)
    run_due(h.app)
    states = {m.id: m.state for m in messages(h)}
    assert states == {survey: "suppressed", essential: "sent"}


def test_quote_link_and_receipt_go_through_the_outbox(make_app: Callable[..., Harness],
                                                      backend: str) -> None:
    h = make_app(plugins=[])
    case_id = open_case(h, email_address="lin@example.com", state="quoted")
    clerk = h.client("hq-clerk")
    page = clerk.form(f"/desk/cases/{case_id}/link", {"locale": "zh_CN"})
    assert page.status_code == 200
    [link] = messages(h)
    assert link.kind == "core.quote_link" and link.language == "zh_CN"
    assert link.channel == "email" and link.recipient == "lin@example.com"
    assert "/q/" in link.body and link.body.split("/q/")[1].split()[0] in page.text
    with h.session() as session:
        case = session.get(ServiceCase, case_id)
        clerk_user = session.scalars(select(User).where(User.login == "hq-clerk")).one()
        assert case is not None
        quotes.record_confirmation(session, h.app.state.pm, case, clerk_user,
                                   {"method": "phone", "customer_name": "Ms. Lin"})
        payments.record_payment(session, case, clerk_user,
                                {"amount_cents": 9000, "method": "cash"})
        session.commit()
    receipt = messages(h)[-1]
    assert receipt.kind == "core.receipt" and "¥90.00" in receipt.body  # money, in its locale
    run_due(h.app)
    # shown on the case with its state; another region's case answers 404
    panel = clerk.get(f"/desk/cases/{case_id}/messages")
    assert panel.status_code == 200
    assert f'data-message="{link.id}" data-message-state="sent"' in panel.text
    assert f'data-message="{receipt.id}" data-message-state="sent"' in panel.text
    assert 'id="panel-core-messages"' in clerk.get(f"/desk/cases/{case_id}").text
    assert h.client("east-supervisor").get(f"/desk/cases/{case_id}/messages").status_code \
        == 404


def test_customer_preferences_are_saved_from_the_case(make_app: Callable[..., Harness]
                                                      ) -> None:
    h = make_app(plugins=[])
    case_id = open_case(h)
    clerk = h.client("hq-clerk")
    saved = clerk.form(f"/desk/cases/{case_id}/messages/preferences",
                       {"language": "zh_CN", "messages_opt_out": "on"},
                       follow_redirects=False)
    assert saved.status_code == 303
    with h.session() as session:
        case = session.get(ServiceCase, case_id)
        assert case is not None
        assert (case.customer.language, case.customer.messages_opt_out) == ("zh_CN", True)
    east = h.client("east-clerk")
    assert east.form(f"/desk/cases/{case_id}/messages/preferences",
                     {"language": "en"}).status_code == 404
