"""P-1 through the case transition API: no dispatch (nor on-site visit, P-7) to a technician
without a valid certificate covering the case's model; the veto is a 409 citing P-1 and
naming what is missing. Without the plugin the gate is gone and core dispatches as before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.entities import ServiceCase
from plugins.training import services
from plugins.training.models import Certification
from tests.plugins.training.helpers import bearer, certify, dispatch, inspected_case
from tests.support import Harness


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["training"])


def _veto(response: object) -> dict:
    assert response.status_code == 409, response.text  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "vetoed"
    [veto] = [v for v in error["vetoes"] if v["clause"] == "P-1"]
    return veto


def test_uncertified_technician_is_vetoed_p1(h: Harness) -> None:
    cid = inspected_case(h)
    veto = _veto(dispatch(h, cid, "hq-tech"))
    assert veto["plugin"] == "training"
    assert "Chen Jie is not certified for model PA2400" in veto["message"]
    assert "no certification at all" in veto["message"]
    with h.session() as session:
        case = session.get(ServiceCase, cid)
        assert case.state == "inspected" and case.technician_id is None


def test_certified_technician_is_dispatched(h: Harness) -> None:
    certify(h, "hq-tech")
    cid = inspected_case(h)
    response = dispatch(h, cid, "hq-tech")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "dispatched"
    read = h.client().get(f"/api/v1/cases/{cid}", headers=bearer(h, "hq-supervisor"))
    assert read.json()["technician"] == "hq-tech"


def test_gate_vanishes_when_the_plugin_is_disabled(make_app: Callable[..., Harness],
                                                   backend: str) -> None:
    bare = make_app(plugins=[])
    cid = inspected_case(bare)
    assert dispatch(bare, cid, "hq-tech").status_code == 200


def test_certificate_for_another_line_names_what_it_covers(h: Harness) -> None:
    certify(h, "hq-tech", code="MIX-101", line="mixer")
    veto = _veto(dispatch(h, inspected_case(h), "hq-tech"))
    # the product line by its label, in the reader's language (issue 18)
    assert "no certificate covers model PA2400 (certified for: Mixers" in veto["message"]


def test_certificate_naming_the_model_is_enough(h: Harness) -> None:
    certify(h, "hq-tech", code="PA-ONLY", line="", models="PA2400")
    assert dispatch(h, inspected_case(h), "hq-tech").status_code == 200
    other = inspected_case(h, body_code="PA1200-240101-00001", model_code="PA1200")
    veto = _veto(dispatch(h, other, "hq-tech"))
    assert "model PA1200" in veto["message"]


def test_expired_certificate_is_vetoed_with_its_date(h: Harness) -> None:
    cert = certify(h, "hq-tech", issued=date.today() - timedelta(days=400), months=12)
    veto = _veto(dispatch(h, inspected_case(h), "hq-tech"))
    assert f"certificate {cert.number} expired on {cert.expires_on.isoformat()}" \
        in veto["message"]


def test_last_day_of_validity_still_dispatches(h: Harness) -> None:
    cert = certify(h, "hq-tech", issued=date.today() - timedelta(days=400), months=12)
    with h.session() as session:
        row = session.get(Certification, cert.id)
        row.expires_on = services.local_today(session)
        session.commit()
    assert dispatch(h, inspected_case(h), "hq-tech").status_code == 200


def test_revoked_certificate_is_vetoed_with_the_reason(h: Harness) -> None:
    cert = certify(h, "hq-tech")
    with h.session() as session:
        services.revoke(session, session.get(Certification, cert.id), None,
                        "Exam irregularity")
        session.commit()
    veto = _veto(dispatch(h, inspected_case(h), "hq-tech"))
    assert f"certificate {cert.number} was revoked (Exam irregularity)" in veto["message"]


def test_on_site_visit_after_expiry_is_vetoed(h: Harness) -> None:
    cert = certify(h, "hq-tech", issued=date.today() - timedelta(days=20), months=1)
    cid = inspected_case(h, channel="on_site")
    visit = cert.expires_on + timedelta(days=3)
    veto = _veto(dispatch(h, cid, "hq-tech", onsite_from=f"{visit}T09:00",
                          onsite_to=f"{visit}T12:00"))
    assert f"expires on {cert.expires_on.isoformat()}, before {visit.isoformat()}" \
        in veto["message"]
    inside = cert.expires_on
    ok = dispatch(h, cid, "hq-tech", onsite_from=f"{inside}T09:00",
                  onsite_to=f"{inside}T12:00")
    assert ok.status_code == 200, ok.text


def test_p1_is_shown_with_core_vetoes(h: Harness) -> None:
    """A technician of another service point: core's P-3 and our P-1 together."""
    cid = inspected_case(h)
    response = dispatch(h, cid, "east-tech")
    assert response.status_code == 409
    clauses = {v["clause"] for v in response.json()["error"]["vetoes"]}
    assert clauses == {"P-3", "P-1"}


def test_redispatch_is_gated_too(h: Harness) -> None:
    cert = certify(h, "hq-tech")
    cid = inspected_case(h)
    assert dispatch(h, cid, "hq-tech").status_code == 200
    with h.session() as session:
        services.revoke(session, session.get(Certification, cert.id), None, "Left the job")
        session.commit()
    veto = _veto(dispatch(h, cid, "hq-tech"))  # dispatched -> dispatched again
    assert "was revoked (Left the job)" in veto["message"]
    with h.session() as session:
        assert session.scalars(select(ServiceCase.state)
                               .where(ServiceCase.id == cid)).one() == "dispatched"


def test_the_desk_page_shows_the_p1_veto(h: Harness) -> None:
    """The case page's own dispatch form: 409, the veto listed with its clause, the case
    unchanged; the training panel is on the page."""
    from tests.plugins.training.helpers import user_id

    cid = inspected_case(h)
    boss = h.client("hq-supervisor")
    page = boss.form(f"/desk/cases/{cid}/transition", {
        "to": "dispatched", "technician_id": str(user_id(h, "hq-tech")), "onsite": "0"})
    assert page.status_code == 409
    assert "P-1" in page.text and "Chen Jie is not certified for model PA2400" in page.text
    assert f"/training/cases/{cid}/technicians" in page.text
    certify(h, "hq-tech")
    done = boss.form(f"/desk/cases/{cid}/transition", {
        "to": "dispatched", "technician_id": str(user_id(h, "hq-tech")), "onsite": "0"},
        follow_redirects=False)
    assert done.status_code == 303
