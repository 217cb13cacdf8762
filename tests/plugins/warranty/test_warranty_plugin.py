"""The warranty plugin through the API and the pages: coverage at inspection, pricing by
class, overrides with reasons, return and exchange requests, the cost report and the
``assess_coverage`` hook for product lines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.entities import AuditEvent, ServiceCase
from core.hooktypes import Coverage
from core.manifest import hookimpl
from plugins.warranty import policy
from plugins.warranty.texts import english
from tests.core.desk_helpers import bearer, move, new_case
from tests.support import Harness


@pytest.fixture
def w(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty"])


def _assess(h: Harness, **body: object) -> tuple[int, dict]:
    response = h.client().post("/api/v1/warranty/assess", json=body,
                               headers=bearer(h, "hq-clerk"))
    return response.status_code, response.json()


def _code(days_ago: int, model: str = "PA2400", seq: int = 1) -> str:
    made = date.today() - timedelta(days=days_ago)
    return f"{model}-{made:%y%m%d}-{seq:05d}"


def test_assess_contract_shape(w: Harness) -> None:
    status, body = _assess(w, body_code="PA2400-240315-00042", request="repair",
                           on="2025-01-10")
    assert status == 200
    assert set(body) == {"coverage_class", "factory_date", "warranty_end", "outcome",
                         "charged", "customer_pays_shipping", "clauses", "reason"}
    assert body["coverage_class"] == "A"
    assert body["factory_date"] == "2024-03-15" and body["warranty_end"] == "2026-03-15"
    assert body["outcome"] == "repair" and body["charged"] is False
    assert "W-2" in body["clauses"]


def test_assess_r8_exchange_or_depreciated_return(w: Harness) -> None:
    status, body = _assess(w, body_code="PA2400-250101-00001", request="return",
                           on="2025-01-20", used=False, well_kept=True)
    assert status == 200
    assert body["outcome"] == "exchange_or_depreciated_return"
    assert body["customer_pays_shipping"] is True and body["charged"] is False
    assert "R-8" in body["clauses"]


def test_assess_refuses_w1_and_defects(w: Harness) -> None:
    _, refused = _assess(w, body_code=None, request="return")
    assert refused["outcome"] == "refused" and refused["clauses"] == ["W-1"]
    assert refused["coverage_class"] is None
    _, dented = _assess(w, body_code="MC58-250101-00001", request="return",
                        on="2025-01-05", defects=["webhead"], used=False, well_kept=True)
    assert dented["outcome"] == "repair" and "R-2" in dented["clauses"]


@pytest.mark.parametrize(("body", "field"), [
    ({"body_code": "not a code", "request": "repair"}, "body_code"),
    ({"body_code": "PA2400-240231-00001", "request": "repair"}, "body_code"),
    ({"body_code": "PA2400-240301-00001", "request": "refund"}, "request"),
    ({"body_code": "PA2400-240301-00001", "request": "repair", "on": "tomorrow"}, "on"),
    ({"body_code": "PA2400-240301-00001", "request": "repair", "defects": ["scratch"]},
     "defects"),
    ({"body_code": "PA2400-240301-00001", "request": "repair", "used": "yes"}, "used"),
    ({"body_code": "PA2400-240301-00001", "request": "repair", "colour": "red"}, "colour"),
    ({"body_code": "PA2400-240301-00001", "request": "repair", "on": "2024-02-01"}, "on"),
])
def test_assess_bad_input_is_422_naming_the_field(w: Harness, body: dict, field: str) -> None:
    status, answer = _assess(w, **body)
    assert status == 422
    assert field in answer["error"]["fields"]


def test_assess_reason_in_chinese_for_chinese_users(w: Harness) -> None:
    response = w.client().post("/api/v1/warranty/assess", headers=bearer(w, "sw-clerk"),
                               json={"body_code": "PA2400-240315-00042", "request": "repair",
                                     "on": "2027-01-01"})
    body = response.json()
    assert body["coverage_class"] == "B"
    assert "保修" in body["reason"]


def test_inspection_gets_the_class_from_the_body_code(w: Harness) -> None:
    clerk, tech = bearer(w, "hq-clerk"), bearer(w, "hq-tech")
    fresh = new_case(w, clerk, body_code=_code(100))["id"]
    old = new_case(w, clerk, body_code=_code(900, seq=2))["id"]
    foreign = new_case(w, clerk, body_code="XYZ-123", own_product=False,
                       model_code="OTHER")["id"]
    classes = {}
    for cid in (fresh, old, foreign):
        response = move(w, tech, cid, "inspected", fault_found="Dead channel")
        assert response.status_code == 200, response.text
        classes[cid] = response.json()["coverage_class"]
    assert classes == {fresh: "A", old: "B", foreign: "C"}


def test_pricing_by_class_with_w_a_exclusions(w: Harness) -> None:
    clerk, tech = bearer(w, "hq-clerk"), bearer(w, "hq-tech")
    cid = new_case(w, clerk, body_code=_code(30))["id"]
    move(w, tech, cid, "inspected", fault_found="Channel B dead",
         faults=[{"description": "Output stage", "cause": "normal"}])

    def charge(**extra: object) -> dict:
        response = w.client().post(f"/api/v1/cases/{cid}/charges", headers=clerk, json={
            "kind": "part", "description": "Output transistor", "unit_price_cents": 6500,
            **extra})
        assert response.status_code == 201, response.text
        return response.json()["charges"][-1]

    free = charge(refurbished=True)
    assert free["waived"] is True and "W-A" in free["clause"] and "R-6" in free["clause"]
    assert "refurbished" in free["waive_reason"]
    excluded = charge(cause="improper_use")
    assert excluded["waived"] is False and "W-A" in excluded["clause"]
    case = w.client().get(f"/api/v1/cases/{cid}", headers=clerk).json()
    assert case["payable_cents"] == 6500
    old = new_case(w, clerk, body_code=_code(1000, seq=3))["id"]
    move(w, tech, old, "inspected", fault_found="x")
    labour = w.client().post(f"/api/v1/cases/{old}/charges", headers=clerk, json={
        "kind": "labour", "description": "Bench", "unit_price_cents": 10000}).json()
    assert labour["charges"][0]["waived"] is False
    assert "W-B" in labour["charges"][0]["clause"]


def test_class_override_needs_a_written_reason(w: Harness) -> None:
    clerk = bearer(w, "hq-clerk")
    cid = new_case(w, clerk, body_code=_code(30))["id"]
    move(w, bearer(w, "hq-tech"), cid, "inspected", fault_found="x")
    supervisor = w.client("hq-supervisor")
    missing = supervisor.form(f"/warranty/cases/{cid}/override", {"coverage_class": "B"},
                              follow_redirects=False)
    assert missing.status_code == 400
    with w.session() as session:
        assert session.get(ServiceCase, cid).coverage_class == "A"
    done = supervisor.form(f"/warranty/cases/{cid}/override",
                           {"coverage_class": "B", "reason": "Water damage seen inside"},
                           follow_redirects=False)
    assert done.status_code == 303
    with w.session() as session:
        case = session.get(ServiceCase, cid)
        assert case.coverage_class == "B" and "Water damage" in case.coverage_reason_text()
        entry = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "coverage_override")).one()
        assert entry.after["reason"] == "Water damage seen inside"
    panel = supervisor.get(f"/warranty/cases/{cid}/panel")
    assert "overridden" in panel.text and "Water damage" in panel.text
    assert w.client("hq-clerk").form(f"/warranty/cases/{cid}/override", {
        "coverage_class": "A", "reason": "x"}, follow_redirects=False).status_code == 403


def test_return_request_r8_refund_and_shipping(w: Harness) -> None:
    clerk = bearer(w, "hq-clerk")
    cid = new_case(w, clerk, body_code=_code(10))["id"]
    move(w, bearer(w, "hq-tech"), cid, "inspected", fault_found="none")
    client = w.client("hq-clerk")
    response = client.form(f"/warranty/cases/{cid}/requests", {
        "kind": "return", "used": "off", "well_kept": "on", "shipping_cents": "35.00"},
        follow_redirects=False)
    assert response.status_code == 303, response.text
    panel = client.get(f"/warranty/cases/{cid}/panel").text
    assert 'data-outcome="exchange_or_depreciated_return"' in panel and "R-8" in panel
    assert "Exchange, or return with depreciation" in panel
    case = w.client().get(f"/api/v1/cases/{cid}", headers=clerk).json()
    shipping = [c for c in case["charges"] if c["kind"] == "shipping"]
    assert shipping and shipping[0]["payable_cents"] == 3500
    refund = policy.refund_cents(4_980_00, 10)
    assert refund == 4_482_00
    assert "4,482.00" in panel


def test_exchange_for_a_dearer_model_charges_the_difference(w: Harness) -> None:
    clerk = bearer(w, "hq-clerk")
    cid = new_case(w, clerk, body_code=_code(10))["id"]
    move(w, bearer(w, "hq-tech"), cid, "inspected", fault_found="none")
    w.client("hq-clerk").form(f"/warranty/cases/{cid}/requests", {
        "kind": "exchange", "used": "off", "well_kept": "on", "exchange_model_code": "PA4800"},
        follow_redirects=False)
    case = w.client().get(f"/api/v1/cases/{cid}", headers=clerk).json()
    difference = [c for c in case["charges"] if c["description"].startswith("Price diff")]
    assert difference[0]["payable_cents"] == 8_800_00 - 4_980_00


def test_defect_refuses_return_with_its_clause(w: Harness) -> None:
    clerk = bearer(w, "hq-clerk")
    cid = new_case(w, clerk, body_code=_code(10))["id"]
    client = w.client("hq-clerk")
    client.form(f"/warranty/cases/{cid}/requests", {"kind": "return", "defect_chassis": "on",
                                                    "used": "off", "well_kept": "on"},
                follow_redirects=False)
    assert "R-3" in client.get(f"/warranty/cases/{cid}/panel").text


def test_warranty_panels_and_cost_report(w: Harness) -> None:
    clerk = bearer(w, "hq-clerk")
    code = _code(30)
    cid = new_case(w, clerk, body_code=code)["id"]
    move(w, bearer(w, "hq-tech"), cid, "inspected", fault_found="x")
    w.client().post(f"/api/v1/cases/{cid}/charges", headers=clerk, json={
        "kind": "labour", "description": "Bench", "unit_price_cents": 12000})
    panel = w.client("hq-clerk").get(f"/warranty/units/{code}/panel")
    assert panel.status_code == 200 and "Class" in panel.text
    manager = w.client("hq-manager")
    report = manager.get("/warranty/report")
    assert report.status_code == 200 and "PA2400" in report.text
    csv_text = manager.get("/warranty/report.csv").text
    assert csv_text.splitlines()[0].startswith("model,month,free_labour_yuan,free_parts_yuan")
    assert ",120.00," in csv_text and ",12000," not in csv_text  # issue 18: yuan, 2 decimals
    assert w.client("east-clerk").get("/warranty/report").status_code == 403


class LongWarrantyLine:
    """A product-line plugin: 36 months for MX24 mixers."""

    @hookimpl
    def assess_coverage(self, session, case):  # type: ignore[no-untyped-def]
        if case.unit is None or case.unit.model is None or case.unit.model.code != "MX24":
            return None
        found = policy.coverage_class(True, case.unit.factory_date, case.intake_on, 36)
        return Coverage(found.coverage_class or "B", found.clauses, english(found.reason),
                        found.warranty_end, months=36)


def test_assess_coverage_hook_lets_a_product_line_extend_warranty(w: Harness) -> None:
    w.app.state.pm.register(LongWarrantyLine(), name="long-warranty")
    code = _code(800, model="MX24", seq=9)  # 26 months old: B under 24 months, A under 36
    status, body = _assess(w, body_code=code, request="repair")
    assert status == 200 and body["coverage_class"] == "A"
    cid = new_case(w, bearer(w, "hq-clerk"), body_code=code, model_code="MX24")["id"]
    inspected = move(w, bearer(w, "hq-tech"), cid, "inspected", fault_found="x").json()
    assert inspected["coverage_class"] == "A"


def test_without_the_plugin_the_inspector_picks_by_hand(make_app: Callable[..., Harness]
                                                        ) -> None:
    h = make_app(plugins=[])
    cid = new_case(h, bearer(h, "hq-clerk"), body_code=_code(30))["id"]
    tech = bearer(h, "hq-tech")
    assert move(h, tech, cid, "inspected", fault_found="x").status_code == 409
    assert move(h, tech, cid, "inspected", fault_found="x",
                coverage_class="B").json()["coverage_class"] == "B"
    assert h.client().post("/api/v1/warranty/assess", json={},
                           headers=tech).status_code == 404


def test_intake_lookup_shows_warranty_status(w: Harness) -> None:
    client = w.client("hq-clerk")
    code = _code(100, seq=77)  # not on file yet: read from the code
    fragment = client.get(f"/desk/lookup?body_code={code}", headers={"HX-Request": "true"})
    assert f"/warranty/units/{code}/panel" in fragment.text
    panel = client.get(f"/warranty/units/{code}/panel", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert "Class A" in panel.text and "Days left" in panel.text
    assert panel.text.count("Class A") == 1  # issue 18: not "Class A Class A —"
    assert "<html" not in panel.text  # a fragment for htmx
    bad = client.get("/warranty/units/PA2400-241399-00001/panel")
    assert bad.status_code == 422
    from core.entities import Unit

    with w.session() as session:
        assert session.scalars(select(Unit).where(Unit.body_code == code)).first() is None
