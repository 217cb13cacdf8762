"""P-4: receipt numbers sequential per service point with no gaps or repeats, even when
collected at the same moment; the cash handover to finance records any difference."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import select

from core.entities import Payment, ServiceCase, User
from core.errors import Conflict
from core.services import payments, quotes, workflow
from tests.core.desk_helpers import bearer, inspect, new_case
from tests.support import Harness


def _confirmed_case(h: Harness, n: int, amount: int = 10000) -> int:
    clerk = bearer(h, "hq-clerk")
    cid = new_case(h, clerk, body_code=f"MC58-250101-{n:05d}", model_code="MC58")["id"]
    inspect(h, bearer(h, "hq-tech"), cid, "B")
    with h.session() as session:
        case = session.get(ServiceCase, cid)
        actor = session.scalars(select(User).where(User.login == "hq-clerk")).one()
        quotes.add_charge(session, h.app.state.pm, case, actor, {
            "kind": "labour", "description": "Repair", "unit_price_cents": amount})
        workflow.transition(session, h.app.state.pm, case, "quoted", actor, {})
        quotes.record_confirmation(session, h.app.state.pm, case, actor, {
            "method": "phone", "customer_name": "Ms. Lin"})
        session.commit()
    return cid


def test_concurrent_payments_get_gapless_unique_receipts(make_app: Callable[..., Harness],
                                                        backend: str) -> None:
    h = make_app(plugins=[])
    case_ids = [_confirmed_case(h, n) for n in range(6)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(case_ids))

    def pay(cid: int) -> None:
        try:
            barrier.wait()
            with h.session() as session:
                case = session.get(ServiceCase, cid)
                tech = session.scalars(select(User).where(User.login == "hq-tech")).one()
                payments.record_payment(session, case, tech,
                                        {"amount_cents": 4000, "method": "cash"})
                session.commit()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=pay, args=(cid,)) for cid in case_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with h.session() as session:
        numbers = sorted(session.scalars(select(Payment.receipt_number)))
    assert numbers == list(range(1, len(case_ids) + 1))


def test_handover_and_finance_confirmation_with_difference(make_app: Callable[..., Harness]
                                                           ) -> None:
    h = make_app(plugins=[])
    cids = [_confirmed_case(h, n, amount=15000) for n in range(2)]
    with h.session() as session:
        tech = session.scalars(select(User).where(User.login == "hq-tech")).one()
        finance = session.scalars(select(User).where(User.login == "hq-finance")).one()
        for cid in cids:
            payments.record_payment(session, session.get(ServiceCase, cid), tech,
                                    {"amount_cents": 15000, "method": "cash"})
        session.commit()
        assert len(payments.not_handed_over(session, tech.id)) == 2
        handover = payments.create_handover(session, tech)
        assert handover.declared_cents == 30000
        session.commit()
        assert payments.not_handed_over(session, tech.id) == []
        try:
            payments.create_handover(session, tech)
        except Conflict as exc:
            assert exc.code == "nothing_to_hand_over"
        confirmed = payments.confirm_handover(session, handover.id, finance,
                                              {"received_cents": "299.50", "note": "short"})
        assert confirmed.difference_cents == -50
        session.commit()


def test_payment_before_confirmation_is_refused(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=[])
    clerk = bearer(h, "hq-clerk")
    cid = new_case(h, clerk)["id"]
    response = h.client().post(f"/api/v1/cases/{cid}/payments", headers=bearer(h, "hq-tech"),
                               json={"amount_cents": 100, "method": "cash"})
    assert response.status_code == 409
