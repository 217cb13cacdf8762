"""The primitives the case spine and plugins build on: the case lock, holds and the outbox."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from core.entities import CaseEvent, CaseHold, OutboxMessage, ServiceCase, User
from core.errors import Conflict, DomainError, NotFound
from core.services.holds import active_holds, place_hold, release_hold
from core.services.locking import lock_case
from core.services.messages import queue_message
from tests.core.desk_helpers import bearer, new_case
from tests.support import Harness


def _case_id(h: Harness) -> int:
    return int(new_case(h, bearer(h, "east-clerk"))["id"])


def test_lock_case_waits_for_the_first_writer_and_reads_its_result(
        make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app(plugins=[])
    case_id = _case_id(h)
    first_locked = threading.Event()
    seen: list[str] = []

    def first() -> None:
        with h.app.state.sessionmaker() as session:
            case = lock_case(session, case_id)
            first_locked.set()
            time.sleep(0.5)  # the second writer must wait here, not read the old state
            case.reason = "written by the first"
            session.commit()

    def second() -> None:
        first_locked.wait(5)
        with h.app.state.sessionmaker() as session:
            case = lock_case(session, case_id)
            seen.append(case.reason)
            session.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert seen == ["written by the first"]


def test_lock_case_of_a_missing_case_is_not_found(harness: Harness) -> None:
    with harness.session() as session, pytest.raises(NotFound):
        lock_case(session, 987654)


def test_hold_placed_once_released_once(make_app: Callable[..., Harness], backend: str) -> None:
    h = make_app(plugins=[])
    case_id = _case_id(h)
    with h.session() as session:
        clerk = session.scalars(select(User).where(User.login == "east-clerk")).one()
        hold = place_hold(session, case_id, "waiting_for_customer", "Customer abroad", clerk)
        session.commit()
        assert hold.released_at is None
        with pytest.raises(Conflict, match="already on hold"):
            place_hold(session, case_id, "waiting_for_customer", "Again", clerk)
        session.rollback()
        with pytest.raises(DomainError, match="Unknown kind"):
            place_hold(session, case_id, "waiting_for_godot", "No", clerk)
        session.rollback()
        with pytest.raises(DomainError, match="Say why"):
            place_hold(session, case_id, "other", "  ", clerk)
        session.rollback()
        release_hold(session, case_id, "waiting_for_customer", clerk, "Back home")
        session.commit()
        assert active_holds(session, case_id) == []
        with pytest.raises(Conflict, match="not on hold"):
            release_hold(session, case_id, "waiting_for_customer", clerk)
        session.rollback()
        kinds = [e.kind for e in session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == case_id).order_by(CaseEvent.id))]
        assert kinds[-2:] == ["hold", "resume"]


def test_parallel_holds_of_one_kind_take_effect_once(make_app: Callable[..., Harness],
                                                     backend: str) -> None:
    h = make_app(plugins=[])
    case_id = _case_id(h)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        with h.app.state.sessionmaker() as session:
            barrier.wait(5)
            try:
                place_hold(session, case_id, "waiting_for_parts", "Output stage", None)
                session.commit()
                outcomes.append("placed")
            except Conflict:
                session.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict"] * 3 + ["placed"]
    with h.session() as session:
        assert session.scalar(select(func.count()).select_from(CaseHold)
                              .where(CaseHold.case_id == case_id)) == 1


def test_queued_message_is_rendered_in_the_customers_language(harness: Harness) -> None:
    case_id = _case_id(harness)
    with harness.session() as session:
        case = session.get(ServiceCase, case_id)
        assert case is not None
        message = queue_message(session, kind="test.hello", channel="sms",
                                recipient="+8613900001111",
                                subject="Only an open case can be put on hold.",
                                body="Say why the case is on hold.", language="zh_CN",
                                case=case, essential=False)
        session.commit()
        stored: Any = session.get(OutboxMessage, message.id)
        assert stored.state == "queued" and stored.customer_id == case.customer_id
        assert stored.region_id == case.region_id and not stored.essential
        assert stored.body != "Say why the case is on hold."  # translated
        with pytest.raises(DomainError):
            queue_message(session, kind="x", channel="pigeon", recipient="a", subject="s",
                          body="b", case=case)
