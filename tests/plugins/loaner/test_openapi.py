"""The loaner API in ``/api/v1/openapi.json`` (``RouteSpec.request_schema``): every POST has
a request body schema, and a body valid per that schema (checked with a JSON Schema
validator) is accepted, step by step through the whole loan: add a unit, set the model's
terms, request, decide, lend, return."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema_rs  # schemathesis' validator (a test dependency through it)
import pytest

from tests.plugins.loaner.helpers import bearer, case_id, point_id, second_hq_point
from tests.support import Harness

POSTS = {
    "/api/v1/loaner/units": "loaner.api.unit_create",
    "/api/v1/loaner/loans": "loaner.api.request",
    "/api/v1/loaner/loans/{loan_id}/decision": "loaner.api.decide",
    "/api/v1/loaner/loans/{loan_id}/lend": "loaner.api.lend",
    "/api/v1/loaner/loans/{loan_id}/return": "loaner.api.return",
    "/api/v1/loaner/terms": "loaner.api.terms_save",
}


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty", "loaner"])


def _schemas(h: Harness) -> dict[str, dict[str, Any]]:
    document = h.client().get("/api/v1/openapi.json", headers=bearer(h, "hq-admin")).json()
    found = {}
    for path, operation_id in POSTS.items():
        operation = document["paths"][path]["post"]
        assert operation["operationId"] == operation_id
        found[path] = operation["requestBody"]["content"]["application/json"]["schema"]
        assert found[path]["type"] == "object" and found[path]["properties"], path
    return found


def test_loaner_posts_have_body_schemas_core_ones_unchanged(h: Harness) -> None:
    schemas = _schemas(h)
    assert schemas["/api/v1/loaner/loans"]["required"] == ["case_id", "unit_id", "reason"]
    assert "ok" in schemas["/api/v1/loaner/loans/{loan_id}/return"]["properties"][
        "accessories"]["additionalProperties"]["enum"]
    document = h.client().get("/api/v1/openapi.json", headers=bearer(h, "hq-admin")).json()
    # a GET never gets a body; core's hand-written bodies are still there
    assert "requestBody" not in document["paths"]["/api/v1/loaner/loans"]["get"]
    assert "requestBody" in document["paths"]["/api/v1/cases"]["post"]


def test_bodies_valid_per_the_schema_are_accepted(h: Harness) -> None:
    schemas = _schemas(h)
    c = h.client()

    def post(path: str, login: str, body: dict[str, Any], **ids: int) -> dict[str, Any]:
        assert jsonschema_rs.validator_for(schemas[path]).is_valid(body), (path, body)
        answer = c.post(path.format(**ids), headers=bearer(h, login), json=body)
        assert answer.status_code in (200, 201), (path, answer.text)
        return dict(answer.json())

    second_hq_point(h)
    unit = post("/api/v1/loaner/units", "hq-supervisor", {
        "body_code": "PA2400-230101-00009", "service_point_id": point_id(h, "HQ-BJ"),
        "accessories": ["Power cord", "Rack ears"], "condition": "good", "notes": "new"})
    post("/api/v1/loaner/terms", "hq-manager", {
        "model_code": "PA2400", "deposit_cents": 20000, "prices": {"Rack ears": 7000}})
    loan = post("/api/v1/loaner/loans", "hq-clerk", {
        "case_id": case_id(h), "unit_id": unit["id"], "reason": "Festival",
        "needed_by": "2099-01-01", "other_model_reason": ""})
    assert loan["status"] == "requested"
    post("/api/v1/loaner/loans/{loan_id}/decision", "hq-supervisor",
         {"accept": True, "note": "ok"}, loan_id=loan["id"])
    lent = post("/api/v1/loaner/loans/{loan_id}/lend", "hq-clerk", {
        "condition": "good", "signed_by": "Mr. Huang", "language": "en",
        "accessories": ["Power cord", "Rack ears"], "deposit_method": "cash"},
        loan_id=loan["id"])
    assert lent["deposit_cents"] == 20000
    back = post("/api/v1/loaner/loans/{loan_id}/return", "hq-clerk", {
        "condition": "good", "accessories": {"Rack ears": "missing"}}, loan_id=loan["id"])
    assert back["charges_cents"] == 7000 and back["refund_cents"] == 13000
