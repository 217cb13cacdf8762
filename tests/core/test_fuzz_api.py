"""Issue 17, item 3: no 500 for any input on the API.

Schemathesis reads this instance's ``/api/v1/openapi.json`` (bearer token) and generates
requests for every operation, valid and invalid (positive and negative mode), sent in-process
to the ASGI app. Every answer must be below 500, and every 4xx must carry the JSON error
body ``{"error": {"code", "message", "fields"}}``. Bounded (a fixed number of examples per
operation, derandomized) so it runs in CI on both databases in well under a minute each.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from tests.core.desk_helpers import bearer, new_case
from tests.core.test_fuzz_forms import field_names
from tests.support import Harness

#: Per operation and pass (2 or 3 passes: 20-30 requests an operation);
#: AFTERSALES_FUZZ_EXAMPLES=50 for a deeper run.
EXAMPLES = int(os.environ.get("AFTERSALES_FUZZ_EXAMPLES", "10"))
#: The query parameters the API's list and lookup endpoints read (grep ``query_params``).
#: The document does not describe them, so the test adds them, as free strings, to every GET:
#: an endpoint ignores the ones it does not know.
FIELD_NAMES = [name for name in field_names() if "." not in name]
SCALAR = {"type": ["string", "integer", "number", "boolean", "null"]}
QUERY = ("page", "after", "sort", "q", "state", "status", "model", "region", "service_point",
         "technician", "from", "to", "due_by", "overdue", "late", "month", "kind",
         "body_code", "case_id", "part_id", "stock_id", "warehouse_id")


def _check(response: Any, label: str) -> None:
    status = response.status_code
    assert status < 500, f"{label}: {status} {response.text[:500]}"
    if 400 <= status < 500:
        try:
            body = json.loads(response.content)
        except ValueError:
            raise AssertionError(f"{label}: {status} without a JSON body: "
                                 f"{response.text[:300]!r}") from None
        assert isinstance(body, dict) and isinstance(body.get("error"), dict), (label, body)
        assert {"code", "message", "fields"} <= set(body["error"]), (label, body)


def test_schemathesis_no_500_and_json_errors(make_app: Callable[..., Harness],
                                             backend: str) -> None:
    h = make_app(backend=backend)
    headers = bearer(h, "hq-admin")
    case = new_case(h, headers)  # an existing case, so fixed-id passes reach the services
    known = {"case_id": case["id"], "body_code": case["body_code"]}
    document = h.client().get("/api/v1/openapi.json", headers=headers).json()
    for item in document["paths"].values():
        if "get" in item:
            item["get"]["parameters"] += [{"name": name, "in": "query", "required": False,
                                           "schema": {"type": "string"}} for name in QUERY]
        for method, operation in item.items():
            if method == "post" and "requestBody" not in operation:
                # a body the document does not describe (the plugins' operations): an object
                # with any of the field names the code reads, each any scalar
                operation["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": {"type": "object",
                               "properties": {name: SCALAR for name in FIELD_NAMES}}}}}
    schema = schemathesis.openapi.from_dict(document)
    schema.app = h.app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures: list[str] = []
    for operation in operations:
        names = {parameter.name for parameter in operation.path_parameters}
        passes: list[tuple[GenerationMode, dict[str, Any]]] = [
            (GenerationMode.POSITIVE, {}), (GenerationMode.NEGATIVE, {})]
        if names:  # and once more with the ids of records that exist (1 for the others)
            passes.append((GenerationMode.POSITIVE,
                           {name: known.get(name, 1) for name in names}))
        for mode, fixed in passes:
            try:
                _fuzz(operation, mode, headers, fixed)
            except AssertionError as error:
                failures.append(str(error).splitlines()[0][:600])
    assert not failures, "\n".join(failures)


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str],
          fixed: dict[str, Any]) -> None:
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed or None))
    def run(case: Any) -> None:
        response = case.call(headers={**(case.headers or {}), **headers})
        _check(response, f"{operation.label} [{mode.value}] "
                         f"{case.path_parameters} {case.query} {case.body!r:.300}")

    run()
