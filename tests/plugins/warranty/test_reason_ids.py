"""Warranty's words as message ids with parameters (issue 12 item 4, issue 18 item 1): a
decision's reason, the case history line of a request and the refusals are stored as ids and
shown in each reader's language; reasons kept as sentences before (w0001) are converted by
the w0002 migration when their English matches a known reason, and kept as text otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from alembic import command
from sqlalchemy import select, text

from core import migrate
from core.entities import CaseEvent
from plugins.warranty.models import ReturnRequest
from tests.core.desk_helpers import bearer, move, new_case
from tests.support import Harness

R8_EN = ("Exchange for a product of the same type (equal value, or the price difference "
         "paid), or return with 10% depreciation deducted; the customer pays all shipping — "
         "within 1 month of leaving the factory on {made} (until {until}), no quality "
         "problem, unused and well kept (R-8)")
R8_ZH = ("可换同类产品（等值或补差价），或退货并扣除10%折旧；运费全部由客户承担——出厂（{made}）"
         "1个月内（至{until}），无质量问题，未使用且保存完好（R-8）")


@pytest.fixture
def w(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty"])


def _made(days_ago: int) -> date:
    return date.today() - timedelta(days=days_ago)


def _inspected(w: Harness, region: str, days_ago: int, seq: int) -> int:
    code = f"PA2400-{_made(days_ago):%y%m%d}-{seq:05d}"
    cid = new_case(w, bearer(w, f"{region}-clerk"), body_code=code)["id"]
    assert move(w, bearer(w, f"{region}-tech"), cid, "inspected",
                fault_found="none").status_code == 200
    return int(cid)


def _until(days_ago: int) -> str:
    from core.plugin_api import add_months

    return add_months(_made(days_ago), 1).isoformat()


def test_a_decision_reads_in_chinese_for_a_chinese_reader(w: Harness) -> None:
    cid = _inspected(w, "sw", 10, 501)
    clerk = w.client("sw-clerk")  # the south-west desk reads Chinese
    done = clerk.form(f"/warranty/cases/{cid}/requests", {
        "kind": "return", "used": "no", "well_kept": "yes"}, follow_redirects=True)
    assert done.status_code == 200, done.text
    made, until = _made(10).isoformat(), _until(10)
    # the flash on the case page, the case's history and the warranty panel, in Chinese
    assert R8_ZH.format(made=made, until=until) in done.text
    assert "客户要求退货：换货，或折旧后退货（R-8）" in done.text
    assert "Return requested" not in done.text
    panel = clerk.get(f"/warranty/cases/{cid}/panel")
    assert R8_ZH.format(made=made, until=until) in panel.text
    assert "depreciation deducted" not in panel.text
    # stored as an id with parameters, not as a sentence in either language
    with w.session() as session:
        row = session.scalars(select(ReturnRequest).where(ReturnRequest.case_id == cid)).one()
        assert row.reason_id.startswith("Exchange for a product of the same type")
        assert row.reason_params["made"] == made and row.reason_params["percent"] == 10
        event = session.scalars(select(CaseEvent).where(
            CaseEvent.case_id == cid, CaseEvent.kind == "warranty_request")).one()
        assert event.note == "%(kind)s requested: %(outcome)s (%(clauses)s)"
    # the same history line, in English, for the API (and an English reader)
    case = w.client().get(f"/api/v1/cases/{cid}", headers=bearer(w, "sw-clerk")).json()
    assert "Return requested: Exchange, or return with depreciation (R-8)" in [
        e["note"] for e in case["events"]]
    # the unit's timeline, in Chinese
    code = f"PA2400-{_made(10):%y%m%d}-00501"
    timeline = clerk.get(f"/desk/units/{code}")
    assert timeline.status_code == 200 and "退货申请" in timeline.text
    assert R8_ZH.format(made=made, until=until) in timeline.text


def test_refusals_are_in_the_readers_language(w: Harness) -> None:
    cid = _inspected(w, "sw", 10, 502)
    clerk = w.client("sw-clerk")
    unknown = clerk.form(f"/warranty/cases/{cid}/requests", {
        "kind": "exchange", "used": "no", "well_kept": "yes", "exchange_model_code": "NOPE9"})
    assert unknown.status_code == 400
    assert "未知型号 &#39;NOPE9&#39;。" in unknown.text or "未知型号 'NOPE9'。" in unknown.text
    api = w.client().post("/api/v1/warranty/assess", headers=bearer(w, "sw-clerk"), json={
        "body_code": "PA2400-240315-00042", "request": "repair", "on": "2024-01-01",
        "colour": "red"})
    assert api.status_code == 422
    fields = api.json()["error"]["fields"]
    assert fields["colour"] == "Unknown field 'colour'."  # the API's JSON stays English
    early = w.client().post("/api/v1/warranty/assess", headers=bearer(w, "sw-clerk"), json={
        "body_code": "PA2400-240315-00042", "request": "repair", "on": "2024-01-01"})
    assert early.status_code == 422
    assert early.json()["error"]["fields"]["on"] == (
        "The unit was made on 2024-03-15, after the date asked about (2024-01-01).")


def _downgrade_to_w0001(engine: object) -> None:
    with engine.begin() as connection:  # type: ignore[attr-defined]
        command.downgrade(migrate.alembic_config(connection), "w0001")


def test_the_migration_keeps_reasons_as_ids_or_as_text(w: Harness) -> None:
    r8 = _inspected(w, "hq", 10, 503)
    refused = _inspected(w, "hq", 10, 504)
    clerk = w.client("hq-clerk")
    assert clerk.form(f"/warranty/cases/{r8}/requests", {
        "kind": "return", "used": "no", "well_kept": "yes"},
        follow_redirects=False).status_code == 303
    assert clerk.form(f"/warranty/cases/{refused}/requests", {
        "kind": "exchange", "used": "yes", "well_kept": "no", "defect_chassis": "on"},
        follow_redirects=False).status_code == 303
    engine = w.app.state.engine
    _downgrade_to_w0001(engine)
    made, until = _made(10).isoformat(), _until(10)
    with engine.begin() as connection:
        rows = dict(connection.execute(text(
            "SELECT case_id, reason_zh FROM warranty_request")).all())
        assert rows[r8] == R8_ZH.format(made=made, until=until)
        assert rows[refused].startswith("仅可维修——不退不换：机箱前面板或侧面板有划痕")
        # a row from an older wording: no known reason matches it
        connection.execute(text(
            "INSERT INTO warranty_request (case_id, kind, decided_on, defects, "
            "performance_mismatch, human_factor, quality_problem, used, well_kept, outcome, "
            "coverage_class, charged, customer_pays_shipping, clauses, reason_en, reason_zh, "
            "exchange_model_code, created_at) VALUES (:case, 'return', :on, '', false, false, "
            "false, true, false, 'refused', 'A', false, false, 'R-8', :en, :zh, '', :at)"),
            {"case": r8, "on": date.today(), "en": "Refused by the old rules (R-8)",
             "zh": "旧规则拒绝（R-8）", "at": "2026-01-01 00:00:00+00:00"})
    assert migrate.upgrade(engine, ["warranty"]) == ["warranty"]
    with w.session() as session:
        found = {(r.case_id, r.reason_id): r for r in session.scalars(select(ReturnRequest))}
    assert len(found) == 3
    converted = [r for (cid, _), r in found.items() if cid == r8 and r.reason_params]
    assert converted and converted[0].reason_params == {
        "percent": 10, "window": {"$message": "%(count)s month", "params": {"count": 1}},
        "made": made, "until": until}
    legacy = found[(r8, "Refused by the old rules (R-8)")]
    assert legacy.reason_params is None
    assert next(r for (cid, _), r in found.items() if cid == refused).reason_id == (
        "%(first)s; %(rest)s")
    # each reads in the reader's language again; the legacy text as it was kept
    panel = w.client("hq-clerk").get(f"/warranty/cases/{r8}/panel").text
    assert R8_EN.format(made=made, until=until) in panel
    assert "Refused by the old rules (R-8)" in panel


def test_a_lines_warranty_reason_reads_in_chinese(w: Harness) -> None:
    """issue 18: "In warranty (class A): free" on a line was English on Chinese pages."""
    cid = _inspected(w, "sw", 30, 505)
    clerk = bearer(w, "sw-clerk")
    for extra in ({"refurbished": True}, {"cause": "improper_use"}, {}):
        answer = w.client().post(f"/api/v1/cases/{cid}/charges", headers=clerk, json={
            "kind": "part", "description": "Output transistor", "unit_price_cents": 6500,
            **extra})
        assert answer.status_code == 201, answer.text
    page = w.client("sw-clerk").get(f"/desk/cases/{cid}").text
    assert "保修期内（A类）：免费，使用翻新配件（R-6）" in page
    assert page.count("保修期内（A类）：免费") == 2  # the plain one and the refurbished one
    assert "In warranty (class A)" not in page
    reasons = [c["waive_reason"] for c in w.client().get(
        f"/api/v1/cases/{cid}", headers=clerk).json()["charges"]]
    assert "In warranty (class A): free, refurbished part (R-6)" in reasons  # API: English
