"""A request sent twice takes effect once (issue 10): ``Idempotency-Key`` on the API and the
``idempotency_key`` field aftersales.js adds to forms (``core/web/idempotency.py``).

Locks refuse the second of two identical *moves*; these tests cover what a lock cannot tell
apart, a retried *creation*: a case, a charge, a partial payment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from core.entities import Charge, IdempotencyKey, ServiceCase
from tests.core.desk_helpers import bearer, inspect, new_case
from tests.core.test_desk_pages_intake import INTAKE
from tests.live import fire
from tests.support import Harness

CASE = {"body_code": "PA2400-240315-00042", "model_code": "PA2400", "own_product": True,
        "customer": {"name": "Pearl River Live House", "address": "1 Haizhu Road",
                     "phone": "020-8422-5566"},
        "purchase_date": "2024-04-01", "fault_description": "No sound on channel B",
        "channel": "walk_in"}


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def _count(h: Harness, model: Any, *where: Any) -> int:
    with h.session() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_retried_api_creation_answers_the_first_result(desk: Harness) -> None:
    clerk = {**bearer(desk, "hq-clerk"), "Idempotency-Key": "intake-2026-12-01-0001"}
    first = desk.client().post("/api/v1/cases", json=CASE, headers=clerk)
    again = desk.client().post("/api/v1/cases", json=CASE, headers=clerk)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(desk, ServiceCase) == 1
    # without a key, or with another key, it is a new request
    other = {**bearer(desk, "hq-clerk"), "Idempotency-Key": "intake-2026-12-01-0002"}
    assert desk.client().post("/api/v1/cases", json=CASE, headers=other).status_code == 201
    assert _count(desk, ServiceCase) == 2


def test_a_key_is_per_user(desk: Harness) -> None:
    key = {"Idempotency-Key": "same-key"}
    for login in ("hq-clerk", "hq-supervisor"):
        answer = desk.client().post("/api/v1/cases", json=CASE,
                                    headers={**bearer(desk, login), **key})
        assert answer.status_code == 201 and "Idempotent-Replayed" not in answer.headers
    assert _count(desk, ServiceCase) == 2


def test_a_key_reused_for_another_request_is_refused(desk: Harness) -> None:
    clerk = {**bearer(desk, "hq-clerk"), "Idempotency-Key": "k-1"}
    assert desk.client().post("/api/v1/cases", json=CASE, headers=clerk).status_code == 201
    changed = desk.client().post("/api/v1/cases", headers=clerk,
                                 json={**CASE, "fault_description": "Hum on both channels"})
    assert changed.status_code == 422
    assert changed.json()["error"]["code"] == "idempotency_key_reused"
    assert _count(desk, ServiceCase) == 1


def test_a_failed_request_keeps_no_key(desk: Harness) -> None:
    """An answer is kept only when the request took effect: fixing the input and sending
    it again under the same key works."""
    clerk = {**bearer(desk, "hq-clerk"), "Idempotency-Key": "k-2"}
    bad = desk.client().post("/api/v1/cases", json={**CASE, "channel": "pigeon"},
                             headers=clerk)
    assert bad.status_code == 422
    assert _count(desk, IdempotencyKey) == 0
    assert desk.client().post("/api/v1/cases", json=CASE, headers=clerk).status_code == 201


@pytest.mark.parametrize("key", ["x" * 129, "tab\there"])
def test_a_malformed_key_is_a_clear_422(desk: Harness, key: str) -> None:
    answer = desk.client().post("/api/v1/cases", json=CASE,
                                headers={**bearer(desk, "hq-clerk"), "Idempotency-Key": key})
    assert answer.status_code == 422
    assert "idempotency_key" in answer.json()["error"]["fields"]
    assert _count(desk, ServiceCase) == 0


def test_a_double_submitted_form_acts_once(desk: Harness) -> None:
    client = desk.client("hq-clerk")
    form = {**INTAKE, "idempotency_key": "f3a9c2d4e5b6a7980112233445566778"}
    first = client.form("/desk/intake", form, follow_redirects=False)
    again = client.form("/desk/intake", form, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert _count(desk, ServiceCase) == 1


def test_parallel_retries_of_one_charge_add_it_once(
        live_app: Callable[..., tuple[Harness, str]], backend: str) -> None:
    """Five copies of one request with one key, at once, on a live server: one charge, and
    every copy answers with it. On PostgreSQL the copies wait at the key's unique index."""
    h, base_url = live_app(plugins=[])
    cid = int(new_case(h, bearer(h, "hq-clerk"))["id"])
    inspect(h, bearer(h, "hq-tech"), cid, "B")
    desks = [{**bearer(h, "hq-clerk"), "Idempotency-Key": "charge-0001"} for _ in range(5)]
    body = {"kind": "labour", "description": "Bench repair", "unit_price_cents": 18000}
    answers = fire(5, lambda client, i: client.post(f"/api/v1/cases/{cid}/charges",
                                                    json=body, headers=desks[i]), base_url)
    assert [a.status_code for a in answers] == [201] * 5, [a.text for a in answers]
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 4
    assert len({a.text for a in answers}) == 1
    assert _count(h, Charge, Charge.case_id == cid) == 1
