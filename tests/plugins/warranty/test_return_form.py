"""The return/exchange form as a clerk uses it (issue 18 item 5): no pre-ticked answers (an
unanswered R-8 question is a form error, not a refusal), an exchange model picked from the
unit's type (R-8: "a product of the same type"; the API checks the same), and the decision
showing every amount it made: the unit's price, the refund, the price difference either way
and the shipping entered."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.entities import CaseEvent
from plugins.warranty.models import ReturnRequest
from tests.core.desk_helpers import bearer, move, new_case
from tests.live import fire
from tests.support import Harness


@pytest.fixture
def w(make_app: Callable[..., Harness], backend: str) -> Harness:
    return make_app(plugins=["warranty"])


def _case(w: Harness, region: str, seq: int, model: str = "PA2400") -> int:
    code = f"{model}-{date.today() - timedelta(days=10):%y%m%d}-{seq:05d}"
    cid = new_case(w, bearer(w, f"{region}-clerk"), body_code=code, model_code=model)["id"]
    assert move(w, bearer(w, f"{region}-tech"), cid, "inspected",
                fault_found="none").status_code == 200
    return int(cid)


def _requests(w: Harness, cid: int) -> tuple[int, int]:
    with w.session() as session:
        rows = session.scalar(select(func.count()).select_from(ReturnRequest).where(
            ReturnRequest.case_id == cid))
        events = session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == cid, CaseEvent.kind == "warranty_request"))
    return int(rows or 0), int(events or 0)


def _amounts(panel: str) -> dict[str, str]:
    """The decision's amounts by their class on the page (the last request's)."""
    found: dict[str, str] = {}
    for name, value in re.findall(r'<dd class="(\w+)">([^<]*)</dd>', panel):
        found[name] = value
    return found


def test_the_form_asks_without_pre_ticked_answers_and_picks_a_model_of_the_same_type(
        w: Harness) -> None:
    cid = _case(w, "hq", 601)
    panel = w.client("hq-clerk").get(f"/warranty/cases/{cid}/panel").text
    for name in ("used", "well_kept"):
        radios = re.findall(rf'<input type="radio" name="{name}" value="(\w+)"([^>]*)>', panel)
        assert [value for value, _ in radios] == ["yes", "no"]
        assert not any("checked" in rest for _, rest in radios), name
    assert 'type="checkbox" name="used"' not in panel
    # a picker of the amplifiers (the unit is a PA2400), not free text
    select_html = panel[panel.index('<select id="rq-model"'):]
    select_html = select_html[:select_html.index("</select>")]
    options = re.findall(r'<option value="([^"]*)"', select_html)
    assert options[0] == "" and {"PA1200", "PA2400", "PA4800", "XA9000"} <= set(options)
    assert not {"MX12", "DM32", "MC58"} & set(options)
    assert '<input id="rq-model"' not in panel
    assert "CN¥8,800.00" in select_html or "8,800.00" in select_html  # the price to compare


def test_an_unanswered_question_is_a_form_error_not_a_refusal(w: Harness) -> None:
    cid = _case(w, "hq", 602)
    clerk = w.client("hq-clerk")
    answer = clerk.form(f"/warranty/cases/{cid}/requests", {
        "kind": "return", "well_kept": "yes"}, follow_redirects=False)
    assert answer.status_code == 400
    assert "Say whether the unit has been used." in answer.text
    assert "Say whether the unit has been well kept." not in answer.text
    assert 'value="yes" checked' in answer.text  # the answer given is kept
    assert _requests(w, cid) == (0, 0)  # nothing written, no refusal recorded
    both = clerk.form(f"/warranty/cases/{cid}/requests", {"kind": "exchange"},
                      follow_redirects=False)
    assert both.status_code == 400 and "Say whether the unit has been well kept." in both.text
    # answered: decided, the same case
    done = clerk.form(f"/warranty/cases/{cid}/requests", {
        "kind": "return", "used": "no", "well_kept": "yes"}, follow_redirects=False)
    assert done.status_code == 303
    assert _requests(w, cid) == (1, 1)
    # a request an earlier rule decides needs no answer (a defect: repair only, R-3)
    defect = clerk.form(f"/warranty/cases/{cid}/requests", {
        "kind": "return", "defect_chassis": "on"}, follow_redirects=False)
    assert defect.status_code == 303 and _requests(w, cid) == (2, 2)


def test_a_chinese_clerk_reads_the_form_error_in_chinese(w: Harness) -> None:
    cid = _case(w, "sw", 603)
    answer = w.client("sw-clerk").form(f"/warranty/cases/{cid}/requests", {
        "kind": "return", "used": "no"}, follow_redirects=False)
    assert answer.status_code == 400
    assert "请说明该机器是否保存完好。" in answer.text and "该机器是否已使用？" in answer.text
    assert "Say whether" not in answer.text
    mixer = w.client("sw-clerk").form(f"/warranty/cases/{cid}/requests", {
        "kind": "exchange", "used": "no", "well_kept": "yes", "exchange_model_code": "MX12"},
        follow_redirects=False)
    assert mixer.status_code == 400
    assert "MX12 与该机器不是同类产品（功率放大器）：只能换同类产品（R-8）。" in mixer.text


def test_an_exchange_model_of_another_type_is_refused_on_the_form_and_in_the_api(
        w: Harness) -> None:
    cid = _case(w, "hq", 604)
    form = w.client("hq-clerk").form(f"/warranty/cases/{cid}/requests", {
        "kind": "exchange", "used": "no", "well_kept": "yes", "exchange_model_code": "MX12"},
        follow_redirects=False)
    assert form.status_code == 400
    assert ("MX12 is not of the unit&#39;s type (Amplifiers): an exchange is for a product of "
            "the same type (R-8).") in form.text
    api = w.client().post(f"/api/v1/warranty/cases/{cid}/requests",
                          headers=bearer(w, "hq-clerk"), json={
                              "kind": "exchange", "used": False, "well_kept": True,
                              "exchange_model_code": "MC58"})
    assert api.status_code == 422, api.text
    assert api.json()["error"]["fields"]["exchange_model_code"] == (
        "MC58 is not of the unit's type (Amplifiers): an exchange is for a product of the "
        "same type (R-8).")
    unknown = w.client().post(f"/api/v1/warranty/cases/{cid}/requests",
                              headers=bearer(w, "hq-clerk"), json={
                                  "kind": "exchange", "used": False, "well_kept": True,
                                  "exchange_model_code": "NOPE"})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["fields"]["exchange_model_code"] == "Unknown model 'NOPE'."
    assert _requests(w, cid) == (0, 0)


def test_the_api_records_a_request_with_its_amounts(w: Harness) -> None:
    cid = _case(w, "hq", 605)
    clerk = bearer(w, "hq-clerk")
    url = f"/api/v1/warranty/cases/{cid}/requests"
    missing = w.client().post(url, headers=clerk, json={"kind": "return", "well_kept": True})
    assert missing.status_code == 422
    assert set(missing.json()["error"]["fields"]) == {"used"}
    bad = w.client().post(url, headers=clerk, json={"kind": "return", "used": "no",
                                                    "colour": "red", "defects": ["dent"]})
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"used", "colour", "defects"}
    assert _requests(w, cid) == (0, 0)
    done = w.client().post(url, headers=clerk, json={
        "kind": "return", "used": False, "well_kept": True, "shipping_cents": 3500})
    assert done.status_code == 201, done.text
    body = done.json()
    assert (body["outcome"], body["clauses"]) == ("exchange_or_depreciated_return", ["R-8"])
    assert (body["price_cents"], body["refund_cents"], body["shipping_cents"],
            body["price_difference_cents"]) == (4_980_00, 4_482_00, 35_00, None)
    assert "10% depreciation" in body["reason"]
    other = w.client().post(f"/api/v1/warranty/cases/{cid}/requests",
                            headers=bearer(w, "east-clerk"), json={"kind": "repair"})
    assert other.status_code == 404  # another region's case is not there at all


def test_the_decision_shows_every_amount(w: Harness) -> None:
    clerk = w.client("hq-clerk")
    ret = _case(w, "hq", 606)
    assert clerk.form(f"/warranty/cases/{ret}/requests", {
        "kind": "return", "used": "no", "well_kept": "yes", "shipping_cents": "35.00"},
        follow_redirects=False).status_code == 303
    amounts = _amounts(clerk.get(f"/warranty/cases/{ret}/panel").text)
    assert {k: v.replace("CN¥", "").replace("¥", "") for k, v in amounts.items()} == {
        "price": "4,980.00", "refund": "4,482.00", "shipping": "35.00", "net": "4,447.00"}

    dearer = _case(w, "hq", 607)
    assert clerk.form(f"/warranty/cases/{dearer}/requests", {
        "kind": "exchange", "used": "no", "well_kept": "yes", "exchange_model_code": "PA4800",
        "shipping_cents": "20.00"}, follow_redirects=False).status_code == 303
    panel = clerk.get(f"/warranty/cases/{dearer}/panel").text
    assert "Price difference to pay" in panel
    assert {k: v.replace("CN¥", "").replace("¥", "") for k, v in _amounts(panel).items()} == {
        "price": "4,980.00", "difference": "3,820.00", "shipping": "20.00"}

    cheaper = _case(w, "hq", 608)
    assert clerk.form(f"/warranty/cases/{cheaper}/requests", {
        "kind": "exchange", "used": "no", "well_kept": "yes", "exchange_model_code": "PA1200"},
        follow_redirects=False).status_code == 303
    panel = clerk.get(f"/warranty/cases/{cheaper}/panel").text
    assert "Price difference paid back to the customer" in panel
    assert _amounts(panel)["difference"].endswith("2,000.00")

    same = _case(w, "hq", 609)
    assert clerk.form(f"/warranty/cases/{same}/requests", {
        "kind": "exchange", "used": "no", "well_kept": "yes"},
        follow_redirects=False).status_code == 303
    panel = clerk.get(f"/warranty/cases/{same}/panel").text
    assert "none (equal value)" in panel and "<dd>PA2400</dd>" in panel


def test_a_chinese_clerk_reads_the_amounts_in_chinese(w: Harness) -> None:
    cid = _case(w, "sw", 610)
    clerk = w.client("sw-clerk")
    assert clerk.form(f"/warranty/cases/{cid}/requests", {
        "kind": "return", "used": "no", "well_kept": "yes", "shipping_cents": "35.00"},
        follow_redirects=False).status_code == 303
    panel = clerk.get(f"/warranty/cases/{cid}/panel").text
    for label in ("机器价格", "扣除折旧后的退款", "客户承担的运费", "扣除运费后的退款"):
        assert label in panel, label
    assert "Refund less shipping" not in panel


def test_parallel_returns_through_the_api_grant_the_refund_once(
        w: Harness, live_app: Callable[..., tuple[Harness, str]]) -> None:
    """Two clerks record the same R-8 return at once: both requests are kept, the refund is
    owed once (the case lock; one API token per client)."""
    cid = _case(w, "hq", 611)
    tokens = [bearer(w, "hq-clerk") for _ in range(2)]
    _, base = live_app(w)
    answers = fire(2, lambda c, i: c.post(
        f"/api/v1/warranty/cases/{cid}/requests", headers=tokens[i],
        json={"kind": "return", "used": False, "well_kept": True}), base)
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    case = w.client().get(f"/api/v1/cases/{cid}", headers=tokens[0]).json()
    assert [(c["kind"], c["amount_cents"]) for c in case["credits"]] == [("refund", 4_482_00)]
    assert _requests(w, cid) == (2, 2)
