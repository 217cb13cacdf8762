"""The training API: recording results (a pass issues a certificate with a unique number,
the models covered and its expiry) and a technician's certifications; field errors, 409s,
permissions and region scope."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from plugins.training import policy
from tests.plugins.training.helpers import bearer, certify, course, session_of, user_id
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["training"])


def _post(h: Harness, body: object, login: str = "hq-manager") -> object:
    return h.client().post("/api/v1/training/results", json=body, headers=bearer(h, login))


def test_results_issue_certificates_for_passes(h: Harness) -> None:
    sid = session_of(h, course(h, "AMP-101", pass_mark=70), date.today() - timedelta(days=2))
    response = _post(h, {"session_id": sid, "results": [
        {"technician_id": user_id(h, "hq-tech"), "score": 70},
        {"login": "east-tech", "score": 69},
        {"login": "sw-tech", "score": 95}]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["session_id"] == sid
    by_login = {r["login"]: r for r in body["results"]}
    assert by_login["hq-tech"]["passed"] is True and by_login["hq-tech"]["pass_mark"] == 70
    assert by_login["east-tech"]["passed"] is False
    assert by_login["east-tech"]["certification"] is None
    cert = by_login["hq-tech"]["certification"]
    assert re.fullmatch(r"TC-HQ-\d{6}", cert["number"])
    assert cert["number"] != by_login["sw-tech"]["certification"]["number"]
    issued = date.today() - timedelta(days=2)
    assert cert["issued_on"] == issued.isoformat()
    assert cert["expires_on"] == policy.expiry_date(issued, 24).isoformat()
    assert cert["product_line"] == "amplifier" and "PA2400" in cert["model_codes"]
    assert cert["valid"] is True and cert["status"] == "valid"


def test_course_validity_overrides_the_setting(make_app: Callable[..., Harness]) -> None:
    h = make_app(plugins=["training"], plugin={"training": {"certification_validity_months": 36}})
    sid = session_of(h, course(h, "MIX-101", line="mixer"))
    default = _post(h, {"session_id": sid, "login": "hq-tech", "score": 90}).json()
    issued = date.fromisoformat(default["results"][0]["certification"]["issued_on"])
    assert default["results"][0]["certification"]["expires_on"] == \
        policy.expiry_date(issued, 36).isoformat()
    short = session_of(h, course(h, "MIC-101", line="microphone", months=6))
    own = _post(h, {"session_id": short, "login": "hq-tech", "score": 90}).json()
    assert own["results"][0]["certification"]["expires_on"] == \
        policy.expiry_date(issued, 6).isoformat()


def test_certifications_of_a_technician(h: Harness) -> None:
    cert = certify(h, "hq-tech")
    old = certify(h, "hq-tech", code="MIX-101", line="mixer",
                  issued=date.today() - timedelta(days=800))
    response = h.client().get(
        f"/api/v1/training/technicians/{user_id(h, 'hq-tech')}/certifications",
        headers=bearer(h, "hq-supervisor"))
    assert response.status_code == 200
    body = response.json()
    assert body["technician"]["login"] == "hq-tech" and body["on_post"] is True
    numbers = [c["number"] for c in body["certifications"]]
    assert numbers == [cert.number, old.number]
    assert body["certifications"][1]["valid"] is False
    assert body["certifications"][1]["status"] == "expired"
    assert body["renew"] == [{"course": "MIX-101", "number": old.number,
                              "expires_on": old.expires_on.isoformat(), "expired": True}]
    assert set(body["certifications"][0]) >= {"number", "course", "model_codes", "issued_on",
                                              "expires_on", "valid", "revoked_reason"}


def test_a_technician_without_certificates_is_not_on_post(h: Harness) -> None:
    body = h.client().get(
        f"/api/v1/training/technicians/{user_id(h, 'hq-tech')}/certifications",
        headers=bearer(h, "hq-tech")).json()
    assert body == {**body, "on_post": False, "certifications": [], "renew": []}


@pytest.mark.parametrize(("body", "field"), [
    ({"results": [{"login": "hq-tech", "score": 80}]}, "session_id"),
    ({"session_id": 999999, "results": [{"login": "hq-tech", "score": 80}]}, "session_id"),
    ({"session_id": "SID", "results": []}, "results"),
    ({"session_id": "SID", "results": [{"login": "nobody", "score": 80}]},
     "results.0.technician_id"),
    ({"session_id": "SID", "results": [{"login": "hq-tech", "score": 101}]},
     "results.0.score"),
    ({"session_id": "SID", "results": [{"login": "hq-tech", "score": "high"}]},
     "results.0.score"),
    ({"session_id": "SID", "results": [{"score": 50}]}, "results.0.technician_id"),
    ({"session_id": "SID", "results": ["hq-tech"]}, "results.0"),
])
def test_bad_results_are_422_naming_the_field_and_record_nothing(h: Harness, body: dict,
                                                                 field: str) -> None:
    sid = session_of(h, course(h))
    body = {k: (sid if v == "SID" else v) for k, v in body.items()}
    response = _post(h, body)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]
    listed = h.client().get(
        f"/api/v1/training/technicians/{user_id(h, 'hq-tech')}/certifications",
        headers=bearer(h, "hq-manager")).json()
    assert listed["certifications"] == []


def test_a_result_is_final_and_needs_a_started_session(h: Harness) -> None:
    sid = session_of(h, course(h))
    assert _post(h, {"session_id": sid, "login": "hq-tech", "score": 40}).status_code == 201
    again = _post(h, {"session_id": sid, "login": "hq-tech", "score": 90})
    assert again.status_code == 409 and "already has a result" in again.text
    future = session_of(h, course(h), date.today() + timedelta(days=7))
    early = _post(h, {"session_id": future, "login": "hq-tech", "score": 90})
    assert early.status_code == 409


def test_results_need_training_manage(h: Harness) -> None:
    sid = session_of(h, course(h))
    assert _post(h, {"session_id": sid, "login": "hq-tech", "score": 90},
                 login="hq-supervisor").status_code == 403
    assert _post(h, {"session_id": sid, "login": "hq-tech", "score": 90},
                 login="hq-clerk").status_code == 403


def test_another_regions_technician_is_404(h: Harness) -> None:
    certify(h, "sw-tech")
    url = f"/api/v1/training/technicians/{user_id(h, 'sw-tech')}/certifications"
    assert h.client().get(url, headers=bearer(h, "east-supervisor")).status_code == 404
    own = h.client().get(url, headers=bearer(h, "sw-supervisor"))
    assert own.status_code == 200 and len(own.json()["certifications"]) == 1
    assert h.client().get(url, headers=bearer(h, "hq-manager")).status_code == 200
