"""Loaner pages through HTTP: empty states, add and import, pagination, confirmation before
retiring or declining, the case panel request, lending and returning by form, the widget,
numbers and CSV; the migration matches the models; the instance works without the plugin."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from core import migrate
from plugins.loaner.models import Loan, LoanerUnit
from tests.core.desk_helpers import bearer, inspect, move, new_case
from tests.plugins.loaner.helpers import add_unit, case_id, point_id
from tests.support import Harness


def _form(h: Harness, url: str, data: dict[str, str] | None = None, *, login: str,
          **kwargs: object) -> object:
    kwargs.setdefault("follow_redirects", False)
    return h.client(login).form(url, data, **kwargs)


@pytest.fixture
def h(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty", "loaner"])


def test_migration_matches_the_models(h: Harness) -> None:
    modules = [(p.name, p.module.__name__) for p in h.app.state.plugins]
    assert migrate.model_differences(h.app.state.engine, modules) == []


def test_pool_empty_add_import_and_pages(h: Harness) -> None:
    web = h.client("hq-supervisor")
    assert "No loaner units here yet" in web.get("/loaner").text
    bad = _form(h, "/loaner/units", {"body_code": "nonsense", "service_point_id":
                                   str(point_id(h, "HQ-SC"))}, login="hq-supervisor")
    assert bad.status_code == 400 and "not a body code" in bad.text
    added = _form(h, "/loaner/units", {"body_code": "PA2400-230101-00001",
                                     "service_point_id": str(point_id(h, "HQ-SC")),
                                     "accessories": "Power cord\nRack ears"},
                   login="hq-supervisor")
    assert added.status_code == 303
    csv_rows = "body_code,service_point,accessories,condition\n" + "".join(
        f"PA2400-230101-{n:05d},HQ-SC,Power cord;Rack ears,good\n" for n in range(10, 40))
    imported = _form(h, "/loaner/units/import", files={"file": ("u.csv", csv_rows.encode())},
                      login="hq-supervisor")
    assert imported.status_code == 303, imported.text
    bad_csv = _form(h, "/loaner/units/import", files={"file": (
        "u.csv", b"PA2400-230101-00090,HQ-SC\nPA2400-230101-00091,NOWHERE\n")},
        login="hq-supervisor")
    assert bad_csv.status_code == 400 and "NOWHERE" in bad_csv.text
    with h.session() as session:
        assert session.scalar(select(func.count()).select_from(LoanerUnit)) == 31
    first = web.get("/loaner")
    assert 'rel="next"' in first.text and "Page 1 of 2" in first.text
    assert "PA2400-230101-00039" in web.get("/loaner?page=2").text
    assert web.get("/loaner?status=on_loan").text.count('data-code="') == 0
    assert web.get("/loaner", headers={"HX-Request": "true"}).status_code == 200
    assert h.client("hq-tech").get("/loaner").status_code == 403


def test_retire_needs_a_reason_and_a_confirmation(h: Harness) -> None:
    uid = add_unit(h)
    unconfirmed = _form(h, f"/loaner/units/{uid}/retire", {"reason": "Dropped"},
                         login="hq-supervisor")
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
    with h.session() as session:
        assert session.get(LoanerUnit, uid).status == "available"
    done = _form(h, f"/loaner/units/{uid}/retire", {"reason": "Dropped", "confirm": "on"},
                  login="hq-supervisor")
    assert done.status_code == 303
    page = h.client("hq-supervisor").get(f"/loaner/units/{uid}").text
    assert "Dropped" in page and 'data-kind="retired"' in page


def test_case_panel_request_lend_and_return_by_form(h: Harness) -> None:
    uid = add_unit(h)
    cid = case_id(h)
    web = h.client("hq-clerk")
    panel = web.get(f"/loaner/cases/{cid}/panel").text
    assert "PA2400-230101-00001" in panel and "Request this loaner" in panel
    missing = _form(h, f"/loaner/cases/{cid}/request", {"unit_id": str(uid), "reason": ""},
                     login="hq-clerk")
    assert missing.status_code == 400
    asked = _form(h, f"/loaner/cases/{cid}/request", {"unit_id": str(uid),
                                                    "reason": "Touring"}, login="hq-clerk")
    assert asked.status_code == 303
    with h.session() as session:
        lid = session.scalars(select(Loan.id)).one()
    assert "Lend: what goes out" in web.get(f"/loaner/loans/{lid}").text
    lent = _form(h, f"/loaner/loans/{lid}/lend", {"out_0": "on", "condition": "good",
                                                "deposit_cents": "300.00",
                                                "deposit_method": "cash", "signed_by": "Huang",
                                                "language": "zh_CN"}, login="hq-clerk")
    assert lent.status_code == 303, lent.text
    with h.session() as session:
        loan = session.get(Loan, lid)
        assert loan.accessories_out == ["Power cord"] and loan.deposit_cents == 30000
        assert "借" in loan.agreement_text or "协议" in loan.agreement_text
    assert "Huang" in web.get(f"/loaner/loans/{lid}/agreement").text
    back = _form(h, f"/loaner/loans/{lid}/return", {"back_0": "missing", "condition": "good"},
                  login="hq-clerk")
    assert back.status_code == 303
    page = web.get(f"/loaner/loans/{lid}").text
    assert "missing" in page and 'class="refund"' in page
    checked = _form(h, f"/loaner/units/{uid}/check", {"condition": "good"},
                     login="hq-supervisor")
    assert checked.status_code == 303
    with h.session() as session:
        assert session.get(LoanerUnit, uid).status == "available"
    assert h.client("hq-supervisor").get("/loaner/numbers.csv").text.count("HQ-SC") == 1


def test_decline_asks_for_confirmation(h: Harness) -> None:
    from tests.plugins.loaner.helpers import second_hq_point

    second_hq_point(h)
    uid = add_unit(h, 4, point="HQ-BJ")
    cid = case_id(h)
    lid = h.client().post("/api/v1/loaner/loans", headers=bearer(h, "hq-clerk"), json={
        "case_id": cid, "unit_id": uid, "reason": "r"}).json()["id"]
    queue = h.client("hq-supervisor").get("/loaner/approvals").text
    assert f'data-loan="{lid}"' in queue
    unconfirmed = _form(h, f"/loaner/loans/{lid}/decide", {"decision": "decline",
                                                         "note": "Ours"}, login="hq-supervisor")
    assert unconfirmed.status_code == 400
    declined = _form(h, f"/loaner/loans/{lid}/decide", {"decision": "decline", "note": "Ours",
                                                      "confirm": "on"}, login="hq-supervisor")
    assert declined.status_code == 303
    with h.session() as session:
        assert session.get(Loan, lid).status == "declined"


def test_widget_and_dashboard(h: Harness) -> None:
    web = h.client("hq-clerk")
    assert "No loaner is overdue" in web.get("/loaner/widgets/overdue").text
    assert "/loaner/widgets/overdue" in web.get("/").text


def test_without_the_plugin_the_desk_works(make_app: Callable[..., Harness],
                                           backend: str) -> None:
    h = make_app(plugins=["warranty"])
    clerk = bearer(h, "hq-clerk")
    cid = new_case(h, clerk)["id"]
    inspect(h, bearer(h, "hq-tech"), cid, "A")
    assert move(h, clerk, cid, "cancelled", reason="Withdrawn").status_code == 200
    web = h.client("hq-clerk")
    assert web.get("/loaner").status_code == 404
    assert "/loaner" not in web.get("/").text
    assert "Loaner (E-2)" not in web.get(f"/desk/cases/{cid}").text
