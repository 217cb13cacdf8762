"""Issue 11: how many SQL statements the hot paths run, with technicians on the rows.

Authentication is one statement: the user row (with service point and region), its session or
token and the permissions version; the permission ids come from the process's cache while that
version holds; the case list loads only what it prints; the filter choices are reused.
Each bound fails on the code before issue 11 (roles and permissions through ``selectin``,
a ten-way joined load per case, three filter queries per load).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.entities import Region, ServiceCase, User
from core.services import payments, quotes, refunds, workflow
from tests.core.desk_helpers import bearer
from tests.core.test_desk_pages_cases import open_cases
from tests.support import Harness, QueryCounter


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    h = make_app(plugins=[])
    ids = open_cases(h, 4)
    with h.session() as session:  # technicians on rows: their roles must not load
        tech = session.scalars(select(User).where(User.login == "hq-tech")).one()
        for cid in ids[:2]:
            case = session.get(ServiceCase, cid)
            workflow.transition(session, h.app.state.pm, case, "inspected", tech, {
                "fault_found": "x", "coverage_class": "A"})
            workflow.transition(session, h.app.state.pm, case, "dispatched", tech,
                                {"technician_id": tech.id})
        session.commit()
    return h


def _statements(h: Harness, get: Callable[[], int]) -> list[str]:
    assert get() == 200  # warm up
    with QueryCounter(h.app.state.engine) as counter:
        assert get() == 200
    return [s for s in counter.statements if s.strip().upper() != "BEGIN"]


def test_case_list_page_statements(desk: Harness) -> None:
    client = desk.client("hq-supervisor")
    statements = _statements(desk, lambda: client.get("/desk/cases").status_code)
    # user with its browser session row and the permissions version (the permission ids
    # come from the process's cache), the page of cases, the open holds of the page's cases
    # (one IN query, issue 10's badges); the shell's region choices are reused (issue 11)
    assert len(statements) <= 3, statements
    assert not any("FROM role_permission" in s for s in statements), statements
    assert sum("FROM case_hold" in s for s in statements) <= 1, statements
    assert not any("role_permission.role_id IN" in s for s in statements), statements
    assert sum("service_point" in s.split("FROM", 1)[-1].split("WHERE")[0]
               for s in statements if s.lstrip().upper().startswith("SELECT")) <= 3
    # the rows are the printed columns, not whole cases, units and customers (issue 11)
    listed = [s for s in statements if "FROM service_case" in s]
    assert len(listed) == 1 and "fault_description" not in listed[0], listed
    assert "list_customer.address" not in listed[0] and "list_unit.factory_date" not in listed[0]


def test_api_case_list_with_token_statements(desk: Harness) -> None:
    client = desk.client()
    headers = bearer(desk, "hq-supervisor")
    statements = _statements(
        desk, lambda: client.get("/api/v1/cases", headers=headers).status_code)
    # token with its user and the permissions version, the page of cases
    assert len(statements) <= 2, statements


def test_permissions_are_the_roles_permissions(desk: Harness) -> None:
    """The one-statement permission lookup gives what the roles give."""
    client = desk.client()
    headers = bearer(desk, "hq-supervisor")
    body = client.get("/api/v1/me", headers=headers).json()
    with desk.session() as session:
        user = session.scalars(select(User).where(User.login == "hq-supervisor")).one()
        expected = sorted({p for role in user.roles for p in role.permission_ids})
        roles = sorted(user.role_ids)
    assert body["permissions"] == expected
    assert body["roles"] == roles


def test_unit_lookup_loads_only_the_cases_columns(desk: Harness) -> None:
    """The lookup prints four columns of the unit's cases: no joins for them."""
    client = desk.client()
    headers = bearer(desk, "hq-supervisor")
    url = "/api/v1/units/MC58-250101-00000"
    statements = _statements(desk, lambda: client.get(url, headers=headers).status_code)
    [cases] = [s for s in statements if "FROM service_case" in s]
    assert "JOIN" not in cases.upper(), cases
    assert len(statements) <= 3, statements  # token+user+version, unit, its cases
    assert [c["state"] for c in client.get(url, headers=headers).json()["cases"]] \
        == ["dispatched"]


def test_case_page_history_loads_only_who(desk: Harness) -> None:
    """The case page's history prints each event's person; their service point and region
    are not joined in, and neither the case's technician's roles nor the event people's are
    loaded (issue 11)."""
    client = desk.client("hq-supervisor")
    with desk.session() as session:
        case_id = session.scalars(select(ServiceCase.id).where(
            ServiceCase.state == "dispatched").order_by(ServiceCase.id)).first()
    statements = _statements(desk, lambda: client.get(f"/desk/cases/{case_id}").status_code)
    [events] = [s for s in statements if "FROM case_event" in s]
    assert "JOIN user_account" in events and "JOIN service_point" not in events, events
    # 19 before: the technician's and each event person's roles and permissions (selectin)
    assert len(statements) <= 15, statements


def test_api_case_detail_statements(desk: Harness) -> None:
    """The case answer sums its money over the rows it prints (issue 11): 18 statements
    before (four aggregate queries, the payments and the active charges loaded twice, the
    current confirmation again), and the sums still equal the services' own."""
    client = desk.client()
    headers = bearer(desk, "hq-supervisor")
    with desk.session() as session:
        case = session.scalars(select(ServiceCase).where(
            ServiceCase.state == "dispatched").order_by(ServiceCase.id)).first()
        assert case is not None
        tech = session.scalars(select(User).where(User.login == "hq-tech")).one()
        quotes.add_charge(session, desk.app.state.pm, case, tech, {
            "kind": "labour", "description": "Bench work", "quantity": 1,
            "unit_price_cents": 5000})
        payments.record_payment(session, case, tech, {"amount_cents": 1000, "method": "cash"})
        session.commit()
        case_id = case.id
    url = f"/api/v1/cases/{case_id}"
    statements = _statements(desk, lambda: client.get(url, headers=headers).status_code)
    # token+user+version, case, charges, confirmations, payments, events, unit swap,
    # credit notes, credits, open holds; no roles of the collector or the event people
    assert len(statements) <= 10, "\n".join(s[:120] for s in statements)
    assert not any("sum(" in s.lower() for s in statements), statements
    assert not any("FROM role_permission" in s for s in statements), statements
    body = client.get(url, headers=headers).json()
    with desk.session() as session:
        case = session.get(ServiceCase, case_id)
        assert case is not None
        assert body["balance_cents"] == refunds.balance(session, case) != 0
        assert body["refunded_cents"] == refunds.refunded_total(session, case)
        assert body["confirmed"] == quotes.confirmation_is_valid(session, case)


def test_api_case_money_equals_the_services_with_credits_deposits_and_refunds(
        desk: Harness) -> None:
    """The case answer's own sums (issue 11) agree with ``refunds.balance`` on every kind of
    money row: a voided line, a credit, a deposit held and given back, a refund paid out."""
    client = desk.client()
    headers = bearer(desk, "hq-supervisor")
    with desk.session() as session:
        case = session.scalars(select(ServiceCase).where(
            ServiceCase.state == "dispatched").order_by(ServiceCase.id)).first()
        assert case is not None
        tech = session.scalars(select(User).where(User.login == "hq-tech")).one()
        kept = quotes.add_charge(session, desk.app.state.pm, case, tech, {
            "kind": "labour", "description": "Bench work", "quantity": 1,
            "unit_price_cents": 5000})
        voided = quotes.add_charge(session, desk.app.state.pm, case, tech, {
            "kind": "other", "description": "Cleaning", "quantity": 1,
            "unit_price_cents": 700})
        quotes.void_charge(session, case, voided.id, tech, "Not needed", desk.app.state.pm)
        payments.record_payment(session, case, tech, {"amount_cents": 5000, "method": "cash"})
        refunds.grant_credit(session, case, tech, kind="refund", amount_cents=1200,
                             description="Goodwill")
        refunds.grant_credit(session, case, tech, kind="deposit", amount_cents=30000,
                             description="Loaner deposit")
        refunds.record_refund(session, case, tech, {"amount_cents": 800, "method": "cash"})
        refunds.record_refund(session, case, tech, {"amount_cents": 10000, "method": "cash",
                                                    "kind": "deposit"})
        session.commit()
        case_id, kept_id = case.id, kept.id
    body = client.get(f"/api/v1/cases/{case_id}", headers=headers).json()
    with desk.session() as session:
        case = session.get(ServiceCase, case_id)
        assert case is not None
        assert body["balance_cents"] == refunds.balance(session, case) == -400
        assert body["refunded_cents"] == refunds.refunded_total(session, case) == 800
        assert body["refundable_cents"] == refunds.refundable(session, case) == 400
        assert body["payable_cents"] == 5000 and kept_id


def test_region_selector_is_reused_and_forgets_a_changed_region(desk: Harness) -> None:
    """Issue 11: HQ's region selector on every page is read once per half minute, not per
    page; a region added or renamed through this process shows on the next page."""
    from core.services import org

    client = desk.client("hq-supervisor")
    statements = _statements(desk, lambda: client.get("/desk/cases").status_code)
    assert not any("FROM region" in s for s in statements), statements
    with desk.session() as session:
        org.create_region(session, code="NORTH", name="North region", name_zh="北区")
        session.commit()
    assert "North region" in client.get("/desk/cases").text
    with desk.session() as session:
        north = session.scalars(select(Region).where(Region.code == "NORTH")).one()
        org.update_region(session, north, code="NORTH", name="Northern region",
                          name_zh="北区", is_hq=False)
        session.commit()
    page = client.get("/desk/cases").text
    assert "Northern region" in page and "North region<" not in page


def test_a_token_loads_the_user_with_the_place_every_page_prints(desk: Harness) -> None:
    """One statement for a bearer token: the user, the service point and region the page
    shell prints (``contains_eager`` from the statement's joins), the token's last use and
    the permissions version; no ``api_token`` object, no second load for the service point
    (issue 11: leaving it lazy cost the dashboard a statement)."""
    client = desk.client()
    headers = bearer(desk, "hq-supervisor")
    statements = _statements(desk, lambda: client.get("/", headers=headers).status_code)
    assert len(statements) == 1, statements
    assert "FROM user_account" in statements[0] and "region.is_hq" in statements[0]
    assert "api_token.name" not in statements[0]  # the token's columns, not the object
    looked_up = _statements(desk, lambda: client.get("/api/v1/units/nope", headers=headers)
                            .status_code + 200 - 404)
    assert len(looked_up) == 2, looked_up  # the token, the unit (none: no case query)
