"""Helpers for service-desk tests: API tokens and a case moved along the workflow."""

from __future__ import annotations

from typing import Any

from core.services.users import create_token
from tests.support import Harness

BODY_CODE = "PA2400-240315-00042"


def bearer(h: Harness, login: str) -> dict[str, str]:
    with h.session() as session:
        token, _ = create_token(session, login, "tests")
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def new_case(h: Harness, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body = {"body_code": BODY_CODE, "model_code": "PA2400", "own_product": True,
            "customer": {"name": "Pearl River Live House", "address": "1 Haizhu Road",
                         "phone": "020-8422-5566"},
            "purchase_date": "2024-04-01", "fault_description": "No sound on channel B",
            "channel": "walk_in", **overrides}
    response = h.client().post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def move(h: Harness, headers: dict[str, str], case_id: int, to: str, **payload: Any
         ) -> Any:
    return h.client().post(f"/api/v1/cases/{case_id}/transitions",
                           json={"to": to, **payload}, headers=headers)


def inspect(h: Harness, headers: dict[str, str], case_id: int, coverage: str = "B") -> Any:
    response = move(h, headers, case_id, "inspected", fault_found="Blown output stage",
                    coverage_class=coverage,
                    faults=[{"description": "Output transistor", "cause": "normal"}])
    assert response.status_code == 200, response.text
    return response.json()


def confirm_quote(h: Harness, case_id: int, region: str = "hq") -> None:
    """Class B and C reach dispatch only through a quote the customer confirmed (W-3/W-4):
    quote the case as it stands and record the customer's yes. Nothing for class A (the
    warranty plugin may class a case B whatever the inspector chose)."""
    clerk = bearer(h, f"{region}-clerk")
    case = h.client().get(f"/api/v1/cases/{case_id}", headers=clerk).json()
    if case["coverage_class"] not in ("B", "C") or case["state"] != "inspected":
        return
    assert move(h, clerk, case_id, "quoted").status_code == 200
    answer = h.client().post(f"/api/v1/cases/{case_id}/confirmations", headers=clerk,
                             json={"method": "phone", "customer_name": "Mr. Wu"})
    assert answer.status_code == 201, answer.text
