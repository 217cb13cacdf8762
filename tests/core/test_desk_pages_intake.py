"""The intake page (P-2): a case opened from the desk form, every field error shown beside its
field with nothing written, W-1 refusals on file, and the live body-code lookup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from core.entities import Customer, ServiceCase, Unit
from tests.support import Harness

CODE = "PA2400-240315-00042"
INTAKE = {
    "body_code": CODE.lower(), "model_code": "", "own_product": "on",
    "customer.name": "Pearl River Live House", "customer.company": "Pearl River AV Ltd.",
    "customer.address": "1 Haizhu Road, Guangzhou", "customer.phone": "020-8422-5566",
    "customer.email": "desk@pearl.example", "purchase_date": "2024-04-01",
    "fault_description": "No sound on channel B", "channel": "walk_in",
}


@pytest.fixture
def desk(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=[])


def _count(h: Harness, entity: Any) -> int:
    with h.session() as session:
        return int(session.scalar(select(func.count()).select_from(entity)) or 0)


def test_intake_opens_a_case_and_shows_it(desk: Harness) -> None:
    client = desk.client("hq-clerk")
    page = client.get("/desk/intake")
    assert page.status_code == 200
    assert 'hx-get="/desk/lookup"' in page.text and 'hx-trigger="keyup changed delay:300ms' \
        in page.text
    assert 'data-menu="core.desk.intake"' in page.text
    response = client.form("/desk/intake", {**INTAKE, "own_product": ["0", "on"]},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/desk/cases/")
    case_page = client.get(response.headers["location"])
    assert case_page.status_code == 200
    text = case_page.text
    assert "SC-000001 opened." in text
    for shown in ("Pearl River Live House", "Pearl River AV Ltd.", "1 Haizhu Road", CODE,
                  "No sound on channel B", "Walk-in", "Registered"):
        assert shown in text, shown
    with desk.session() as session:
        case = session.scalars(select(ServiceCase)).one()
        assert case.state == "registered" and case.body_code_text == CODE
        assert case.unit is not None and case.unit.factory_date.isoformat() == "2024-03-15"
        assert case.customer.email == "desk@pearl.example"
        assert case.service_point.code == "HQ-SC"


def test_field_errors_are_shown_beside_fields_and_nothing_is_written(desk: Harness) -> None:
    client = desk.client("hq-clerk")
    bad = {**INTAKE, "customer.name": "", "customer.phone": " ", "body_code": "PA2400/1",
           "purchase_date": "2099-01-01", "channel": "telepathy"}
    response = client.form("/desk/intake", bad)
    assert response.status_code == 400
    text = response.text
    for field in ("customer-name", "customer-phone", "body_code", "purchase_date", "channel"):
        assert f'id="{field}-error"' in text, field
    assert "MODEL-YYMMDD-SEQ" in text
    assert 'value="1 Haizhu Road, Guangzhou"' in text  # what was typed is kept
    assert 'value="PA2400/1"' in text
    assert _count(desk, ServiceCase) == _count(desk, Customer) == _count(desk, Unit) == 0


def test_our_product_without_body_code_is_refused_w1(desk: Harness) -> None:
    client = desk.client("hq-clerk")
    no_code = {**INTAKE, "body_code": "", "model_code": "PA2400"}
    # issue 18: first an explicit step that names W-1, with nothing written
    step = client.form("/desk/intake", no_code, follow_redirects=False)
    assert step.status_code == 200
    assert 'id="w1-step"' in step.text and "W-1" in step.text
    assert 'name="confirm_refusal" value="W-1"' in step.text
    assert 'value="Pearl River Live House"' in step.text  # what was typed is kept
    assert _count(desk, ServiceCase) == _count(desk, Customer) == 0
    response = client.form("/desk/intake", {**no_code, "confirm_refusal": "W-1"},
                           follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Refused — W-1" in page.text
    assert "gets no after-sales service" in page.text
    assert 'action="/desk/cases/1/transition"' not in page.text  # nothing to do with it
    with desk.session() as session:
        case = session.scalars(select(ServiceCase)).one()
        assert case.state == "refused" and case.refusal_clauses == "W-1"


def test_not_our_product_keeps_the_code_as_text(desk: Harness) -> None:
    client = desk.client("hq-clerk")
    response = client.form("/desk/intake", {**INTAKE, "body_code": "YAMAHA 123",
                                            "model_code": "", "own_product": "0"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    with desk.session() as session:
        case = session.scalars(select(ServiceCase)).one()
        assert case.state == "registered" and not case.own_product
        assert case.unit is not None and case.unit.factory_date is None


def test_lookup_fragment(desk: Harness) -> None:
    client = desk.client("hq-clerk")
    htmx = {"HX-Request": "true"}
    unknown = client.get("/desk/lookup", params={"body_code": CODE}, headers=htmx)
    assert unknown.status_code == 200 and "<html" not in unknown.text
    assert "Unknown unit" in unknown.text and "PA2400" in unknown.text
    assert "15 Mar 2024" in unknown.text
    malformed = client.get("/desk/lookup", params={"body_code": "hello"}, headers=htmx)
    assert "MODEL-YYMMDD-SEQ" in malformed.text and "field-error" in malformed.text
    impossible = client.get("/desk/lookup", params={"body_code": "PA2400-240230-00001"},
                            headers=htmx)
    assert "does not exist" in impossible.text
    client.form("/desk/intake", INTAKE)
    known = client.get("/desk/lookup", params={"body_code": CODE.lower()}, headers=htmx)
    assert f'href="/desk/units/{CODE}"' in known.text
    assert "SC-000001" in known.text and "Open cases for this unit" in known.text
    assert "PA-2400 two-channel power amplifier" in known.text
    # without htmx the same URL is a page of its own
    assert "<html" in client.get("/desk/lookup", params={"body_code": CODE}).text


def test_lookup_never_submits_the_form(desk: Harness) -> None:
    """issue 18: "Look up" and Enter in the body-code field are htmx GETs of the code alone;
    no button submits the intake form as a GET (CSRF token and customer in the URL)."""
    page = desk.client("hq-clerk").get("/desk/intake").text
    assert 'formmethod="get"' not in page
    assert 'id="lookup-button" class="small nowrap" hx-get="/desk/lookup" ' \
           'hx-include="#f-body_code"' in page
    assert 'type="button" id="lookup-button"' in page
    # Enter in the field looks up (aftersales.js, no inline script under the CSP)
    assert "data-enter-looks-up" in page and "hx-on" not in page


def test_lookup_without_javascript_keeps_the_form(desk: Harness) -> None:
    client = desk.client("hq-clerk")
    page = client.get("/desk/intake", params={"body_code": CODE, "customer.name": "Ms. Lin",
                                              "csrf_token": "x"})
    assert page.status_code == 200
    assert "Unknown unit" in page.text and 'value="Ms. Lin"' in page.text


def test_intake_needs_its_permission(desk: Harness) -> None:
    tech = desk.client("hq-tech")
    assert tech.get("/desk/intake").status_code == 403
    assert tech.form("/desk/intake", INTAKE).status_code == 403
    assert _count(desk, ServiceCase) == 0
    dashboard = tech.get("/").text
    assert 'data-menu="core.desk.cases"' in dashboard
    assert 'data-menu="core.desk.intake"' not in dashboard
    assert 'data-menu="core.desk.finance"' not in dashboard
    anonymous = desk.client().get("/desk/intake", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
