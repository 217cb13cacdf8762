"""The warranty rules of POLICY.md, clause by clause and boundary by boundary (W-*, R-*)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date
from typing import Any

import pytest

from core import hooktypes
from core.errors import DomainError, Message
from plugins.warranty.policy import (
    CAUSES,
    Coverage,
    Decision,
    Request,
    WarrantyParams,
    add_months,
    charge_for_fault,
    coverage_class,
    decide_request,
    price_difference_cents,
    refund_cents,
    return_window_end,
    warranty_end,
    within_return_window,
)
from plugins.warranty.settings import WarrantySettings
from plugins.warranty.texts import english as en
from plugins.warranty.texts import text_in


def zh(message: Message) -> str:
    return text_in(message, "zh_CN")


PARAMS = WarrantyParams()
MADE = date(2024, 3, 15)  # PA2400-240315-00042
END = date(2026, 3, 15)  # MADE + 24 months: the last day covered (W-2)
WINDOW_END = date(2024, 4, 15)  # MADE + 1 month: the last day of R-8's window


def ask(**changes: Any) -> Request:
    """A return request for our unit made on MADE, asked on the day it was made, that no
    clause grants unless ``changes`` say so (used and not shown to be well kept)."""
    values: dict[str, Any] = {
        "request": "return", "on": MADE, "own_product": True, "body_code_present": True,
        "factory_date": MADE,
    }
    values.update(changes)
    return Request(**values)


def decide(**changes: Any) -> Decision:
    return decide_request(ask(**changes), PARAMS)


PRISTINE = {"used": False, "well_kept": True}  # R-8's unit: unused and well kept


# --- parameters ---------------------------------------------------------------------------


def test_defaults_mirror_the_policy_parameters_table() -> None:
    defaults = WarrantyParams()
    assert (defaults.warranty_months, defaults.return_window_months,
            defaults.return_depreciation_percent) == (24, 1, 10)
    assert WarrantyParams.from_settings(WarrantySettings()) == defaults


def test_params_come_from_the_instance_settings() -> None:
    settings = WarrantySettings(warranty_months=36, return_window_months=2,
                                return_depreciation_percent=15)
    assert WarrantyParams.from_settings(settings) == WarrantyParams(36, 2, 15)


def test_a_product_model_may_override_the_warranty_months() -> None:  # W-2
    assert PARAMS.for_model(None) is PARAMS
    assert PARAMS.for_model(12) == WarrantyParams(12, 1, 10)


@pytest.mark.parametrize("bad", [{"warranty_months": -1}, {"return_window_months": -1},
                                 {"return_depreciation_percent": 101},
                                 {"return_depreciation_percent": -1}])
def test_impossible_params_are_a_bug(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        WarrantyParams(**bad)


def test_values_are_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        PARAMS.warranty_months = 12  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        decide().outcome = "repair"  # type: ignore[misc]


# --- month arithmetic (W-2) ---------------------------------------------------------------


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2024, 2, 29), 24, date(2026, 2, 28)),  # POLICY.md's example
    (date(2024, 2, 29), 48, date(2028, 2, 29)),  # a leap year again
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),  # month end, leap February
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 1, 31), 2, date(2024, 3, 31)),  # no carry-over of an earlier clamp
    (date(2024, 3, 31), 1, date(2024, 4, 30)),
    (date(2024, 8, 31), 1, date(2024, 9, 30)),
    (date(2024, 12, 31), 1, date(2025, 1, 31)),  # over the year end
    (date(2024, 11, 15), 2, date(2025, 1, 15)),
    (date(2024, 3, 15), 24, date(2026, 3, 15)),
    (date(2024, 3, 15), 0, date(2024, 3, 15)),
    (date(2024, 3, 31), -1, date(2024, 2, 29)),  # backwards clamps too
    (date(2024, 1, 15), -1, date(2023, 12, 15)),
])
def test_add_months_clamps_to_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(("made", "months", "end"), [
    (date(2024, 2, 29), 24, date(2026, 2, 28)),  # W-2's example
    (date(2024, 3, 15), 24, date(2026, 3, 15)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2024, 3, 15), 12, date(2025, 3, 15)),  # a model's own warranty months
])
def test_warranty_end_is_the_last_day_covered(made: date, months: int, end: date) -> None:
    assert warranty_end(made, months) == end


def test_the_return_window_includes_its_last_day() -> None:
    assert return_window_end(MADE, 1) == WINDOW_END
    assert within_return_window(MADE, WINDOW_END, 1)
    assert not within_return_window(MADE, date(2024, 4, 16), 1)
    assert within_return_window(date(2024, 1, 31), date(2024, 2, 29), 1)
    assert not within_return_window(date(2024, 1, 31), date(2024, 3, 1), 1)


# --- coverage class (W-1, W-2, W-A, W-B, W-C) ---------------------------------------------


@pytest.mark.parametrize(("made", "on", "expected"), [
    (MADE, MADE, "A"),
    (MADE, date(2026, 3, 14), "A"),  # the day before the warranty end
    (MADE, END, "A"),  # the last day is covered
    (MADE, date(2026, 3, 16), "B"),  # the day after
    (date(2024, 2, 29), date(2026, 2, 27), "A"),
    (date(2024, 2, 29), date(2026, 2, 28), "A"),  # clamped end, still covered
    (date(2024, 2, 29), date(2026, 3, 1), "B"),
    (date(2024, 1, 31), date(2026, 1, 31), "A"),
    (date(2024, 1, 31), date(2026, 2, 1), "B"),
])
def test_class_a_until_the_warranty_end_then_b(made: date, on: date, expected: str) -> None:
    coverage = coverage_class(True, made, on, 24)
    assert coverage.coverage_class == expected
    assert coverage.warranty_end == warranty_end(made, 24)
    assert coverage.clauses == ("W-2", "W-A" if expected == "A" else "W-B")


def test_coverage_reasons_name_the_date_and_clauses() -> None:
    b = coverage_class(True, MADE, date(2026, 3, 16), 24)
    assert en(b.reason) == "Class B — warranty expired on 2026-03-15 (W-2, W-B)"
    assert zh(b.reason) == "B类——保修已于2026-03-15到期（W-2、W-B）"
    assert b.reason.template == "Class B — warranty expired on %(end)s (W-2, W-B)"
    assert b.reason.params == {"end": "2026-03-15"}  # an id and parameters, no sentence
    a = coverage_class(True, MADE, END, 24)
    assert en(a.reason) == "Class A — in warranty until 2026-03-15 (W-2, W-A)"
    assert zh(a.reason) == "A类——保修期至2026-03-15（W-2、W-A）"


def test_not_our_product_is_class_c_whatever_its_date() -> None:  # W-C
    coverage = coverage_class(False, MADE, MADE, 24)
    assert (coverage.coverage_class, coverage.warranty_end, coverage.clauses) == (
        "C", None, ("W-C",))
    assert "(W-C)" in en(coverage.reason) and "（W-C）" in zh(coverage.reason)


def test_our_product_without_body_code_has_no_class() -> None:  # W-1
    coverage = coverage_class(True, None, MADE, 24)
    assert (coverage.coverage_class, coverage.warranty_end, coverage.clauses) == (
        None, None, ("W-1",))
    assert coverage.as_hook_coverage(en) is None


def test_a_model_override_moves_the_warranty_end() -> None:  # W-2
    assert coverage_class(True, MADE, date(2025, 3, 16), 12).coverage_class == "B"
    assert coverage_class(True, MADE, date(2025, 3, 16), 24).coverage_class == "A"


def test_coverage_as_the_assess_coverage_hook_answers_it() -> None:
    coverage = coverage_class(True, MADE, date(2026, 3, 16), 24)
    assert coverage.as_hook_coverage(zh) == hooktypes.Coverage(
        coverage_class="B", clauses=("W-2", "W-B"),
        reason="B类——保修已于2026-03-15到期（W-2、W-B）", warranty_end=END)
    assert coverage.as_hook_coverage(en, months=24).months == 24  # type: ignore[union-attr]
    not_ours = coverage_class(False, None, MADE, 24).as_hook_coverage(en, months=24)
    assert not_ours is not None and not_ours.months is None  # no warranty length used
    assert isinstance(coverage, Coverage)


# --- deciding a request: the eight steps --------------------------------------------------


# (name, request changes, outcome, class, charged, customer pays shipping, clauses)
STEPS: list[tuple[str, dict[str, Any], str, str | None, bool, bool, tuple[str, ...]]] = [
    # Step 1 — W-1, whatever else is true, for every kind of request
    ("no body code", {"body_code_present": False, "factory_date": None, **PRISTINE},
     "refused", None, False, False, ("W-1",)),
    ("no body code, repair", {"request": "repair", "body_code_present": False,
                              "factory_date": None}, "refused", None, False, False, ("W-1",)),
    ("no body code, OEM, mismatch", {"body_code_present": False, "factory_date": None,
                                     "oem": True, "performance_mismatch": True},
     "refused", None, False, False, ("W-1",)),
    # Step 2 — W-C: repair, everything charged, shipping too
    ("not ours", {"own_product": False, "factory_date": None, **PRISTINE},
     "repair", "C", True, True, ("W-C",)),
    ("not ours, body code text", {"own_product": False, "body_code_present": True,
                                  "factory_date": MADE, "performance_mismatch": True},
     "repair", "C", True, True, ("W-C",)),
    ("not ours, no code", {"own_product": False, "body_code_present": False,
                           "factory_date": None}, "repair", "C", True, True, ("W-C",)),
    ("not ours, repair", {"own_product": False, "request": "repair", "factory_date": None},
     "repair", "C", True, True, ("W-C",)),
    ("not ours, OEM", {"own_product": False, "oem": True, "factory_date": None},
     "repair", "C", True, True, ("W-C",)),
    # Step 3 — R-9: OEM is repair only, charged by class
    ("OEM in warranty", {"oem": True, **PRISTINE},
     "repair", "A", False, False, ("R-9", "W-2", "W-A")),
    ("OEM out of warranty", {"oem": True, "on": date(2026, 3, 16), "quality_problem": True},
     "repair", "B", True, False, ("R-9", "W-2", "W-B")),
    ("OEM, mismatch", {"oem": True, "performance_mismatch": True, "request": "exchange"},
     "repair", "A", False, False, ("R-9", "W-2", "W-A")),
    ("OEM, defect", {"oem": True, "defects": frozenset({"chassis"})},
     "repair", "A", False, False, ("R-9", "W-2", "W-A")),
    ("OEM, repair", {"oem": True, "request": "repair"},
     "repair", "A", False, False, ("R-9", "W-2", "W-A")),
    # A plain repair request stops after step 3: a repair by class
    ("repair in warranty", {"request": "repair", "on": END, **PRISTINE},
     "repair", "A", False, False, ("W-2", "W-A")),
    ("repair out of warranty", {"request": "repair", "on": date(2026, 3, 16)},
     "repair", "B", True, False, ("W-2", "W-B")),
    ("repair, mismatch and defect", {"request": "repair", "performance_mismatch": True,
                                     "defects": frozenset({"webhead"}),
                                     "quality_problem": True},
     "repair", "A", False, False, ("W-2", "W-A")),
    # Step 4 — R-2 … R-5: each defect found, repair by class
    ("webhead", {"defects": frozenset({"webhead"}), **PRISTINE},
     "repair", "A", False, False, ("R-2", "W-2", "W-A")),
    ("chassis", {"defects": frozenset({"chassis"}), **PRISTINE},
     "repair", "A", False, False, ("R-3", "W-2", "W-A")),
    ("controls", {"defects": frozenset({"controls"}), **PRISTINE},
     "repair", "A", False, False, ("R-4", "W-2", "W-A")),
    ("internal", {"defects": frozenset({"internal"}), **PRISTINE},
     "repair", "A", False, False, ("R-5", "W-2", "W-A")),
    ("every defect", {"defects": frozenset({"internal", "webhead", "controls", "chassis"})},
     "repair", "A", False, False, ("R-2", "R-3", "R-4", "R-5", "W-2", "W-A")),
    ("defect beats mismatch", {"defects": frozenset({"controls"}),
                               "performance_mismatch": True, "request": "exchange"},
     "repair", "A", False, False, ("R-4", "W-2", "W-A")),
    ("defect out of warranty", {"defects": frozenset({"chassis"}), "on": date(2026, 3, 16),
                                "quality_problem": True},
     "repair", "B", True, False, ("R-3", "W-2", "W-B")),
    # Step 5 — R-1: mismatch not caused by human factors, at any age
    ("mismatch", {"performance_mismatch": True},
     "return_or_exchange", "A", False, False, ("R-1",)),
    ("mismatch, exchange", {"performance_mismatch": True, "request": "exchange"},
     "return_or_exchange", "A", False, False, ("R-1",)),
    ("mismatch beats R-8", {"performance_mismatch": True, **PRISTINE},
     "return_or_exchange", "A", False, False, ("R-1",)),
    ("mismatch out of warranty", {"performance_mismatch": True, "on": date(2026, 3, 16)},
     "return_or_exchange", "B", False, False, ("R-1",)),
    ("mismatch by human factors, R-8 met", {"performance_mismatch": True,
                                           "human_factor": True, **PRISTINE},
     "exchange_or_depreciated_return", "A", False, True, ("R-8",)),
    ("mismatch by human factors", {"performance_mismatch": True, "human_factor": True,
                                   "on": date(2024, 6, 1)},
     "refused", "A", False, False, ("R-8", "R-7", "R-1")),
    ("mismatch by human factors, quality", {"performance_mismatch": True,
                                           "human_factor": True, "quality_problem": True},
     "repair", "A", False, False, ("R-7", "R-6", "W-2", "W-A")),
    # Step 6 — R-8: within the window, no quality problem, unused, well kept
    ("R-8 on the factory day", {**PRISTINE},
     "exchange_or_depreciated_return", "A", False, True, ("R-8",)),
    ("R-8 exchange", {"request": "exchange", **PRISTINE},
     "exchange_or_depreciated_return", "A", False, True, ("R-8",)),
    ("R-8 on the window's last day", {"on": WINDOW_END, **PRISTINE},
     "exchange_or_depreciated_return", "A", False, True, ("R-8",)),
    ("R-8 the day after the window", {"on": date(2024, 4, 16), **PRISTINE},
     "refused", "A", False, False, ("R-8", "R-7", "R-1")),
    ("R-8 used", {"used": True, "well_kept": True},
     "refused", "A", False, False, ("R-8", "R-7", "R-1")),
    ("R-8 not well kept", {"used": False, "well_kept": False},
     "refused", "A", False, False, ("R-8", "R-7", "R-1")),
    ("R-8 with a quality problem", {"quality_problem": True, **PRISTINE},
     "repair", "A", False, False, ("R-7", "R-6", "W-2", "W-A")),
    ("R-8 window from 31 January", {"factory_date": date(2024, 1, 31),
                                    "on": date(2024, 2, 29), **PRISTINE},
     "exchange_or_depreciated_return", "A", False, True, ("R-8",)),
    ("R-8 window from 31 January, day after", {"factory_date": date(2024, 1, 31),
                                               "on": date(2024, 3, 1), **PRISTINE},
     "refused", "A", False, False, ("R-8", "R-7", "R-1")),
    ("R-8 from 29 February", {"factory_date": date(2024, 2, 29), "on": date(2024, 3, 29),
                              **PRISTINE},
     "exchange_or_depreciated_return", "A", False, True, ("R-8",)),
    ("R-8 from 29 February, day after", {"factory_date": date(2024, 2, 29),
                                         "on": date(2024, 3, 30), **PRISTINE},
     "refused", "A", False, False, ("R-8", "R-7", "R-1")),
    # Step 7 —: a quality problem at any age is a repair
    ("quality within the month", {"quality_problem": True, "on": WINDOW_END},
     "repair", "A", False, False, ("R-7", "R-6", "W-2", "W-A")),
    ("quality after the month", {"quality_problem": True, "on": date(2024, 4, 16)},
     "repair", "A", False, False, ("R-7", "R-6", "W-2", "W-A")),
    ("quality on the warranty end", {"quality_problem": True, "on": END},
     "repair", "A", False, False, ("R-7", "R-6", "W-2", "W-A")),
    ("quality the day after", {"quality_problem": True, "on": date(2026, 3, 16)},
     "repair", "B", True, False, ("W-2", "W-B", "R-6")),
    ("quality, exchange, 29 February", {"request": "exchange", "quality_problem": True,
                                        "factory_date": date(2024, 2, 29),
                                        "on": date(2026, 2, 28)},
     "repair", "A", False, False, ("R-7", "R-6", "W-2", "W-A")),
    ("quality, 29 February, day after", {"quality_problem": True,
                                         "factory_date": date(2024, 2, 29),
                                         "on": date(2026, 3, 1)},
     "repair", "B", True, False, ("W-2", "W-B", "R-6")),
    # Step 8 — nothing allows it
    ("nothing allows it", {"on": date(2025, 1, 1)},
     "refused", "A", False, False, ("R-8", "R-7", "R-1")),
    ("nothing allows it, out of warranty", {"request": "exchange", "on": date(2027, 1, 1)},
     "refused", "B", False, False, ("R-8", "R-7", "R-1")),
]


@pytest.mark.parametrize(
    ("changes", "outcome", "klass", "charged", "shipping", "clauses"),
    [case[1:] for case in STEPS], ids=[case[0] for case in STEPS],
)
def test_decide_request_in_policy_order(
    changes: dict[str, Any], outcome: str, klass: str | None, charged: bool, shipping: bool,
    clauses: tuple[str, ...],
) -> None:
    decision = decide(**changes)
    assert (decision.outcome, decision.coverage_class, decision.charged,
            decision.customer_pays_shipping, decision.clauses) == (
        outcome, klass, charged, shipping, clauses)
    # Every clause decided is named in both reasons.
    for clause in clauses:
        assert clause in en(decision.reason) and clause in zh(decision.reason)


def test_a_decision_carries_the_dates_it_used() -> None:
    decision = decide(quality_problem=True, on=date(2026, 3, 16))
    assert (decision.factory_date, decision.warranty_end) == (MADE, END)
    assert en(decision.reason) == (
        "Class B — warranty expired on 2026-03-15 (W-2, W-B); repair, not exchange — the "
        "faulty components or accessories are replaced, parts and service fee charged (R-6)")


def test_refusal_without_body_code_carries_no_dates() -> None:  # W-1
    decision = decide(body_code_present=False, factory_date=None)
    assert (decision.coverage_class, decision.factory_date, decision.warranty_end) == (
        None, None, None)
    assert en(decision.reason) == ("Refused — a product of ours without a body code gets no "
                                  "after-sales service (W-1)")
    assert zh(decision.reason) == "拒绝——本公司产品无机身码，不提供售后服务（W-1）"


def test_a_body_code_of_a_product_not_ours_is_not_decoded() -> None:  # W-C
    decision = decide(own_product=False, factory_date=MADE, on=date(2030, 1, 1))
    assert (decision.coverage_class, decision.factory_date, decision.warranty_end) == (
        "C", None, None)


def test_r8_reason_names_the_window_and_the_depreciation() -> None:
    decision = decide(**PRISTINE)
    assert "10% depreciation" in en(decision.reason)
    assert "until 2024-04-15" in en(decision.reason)
    assert "10%折旧" in zh(decision.reason)


def test_refusal_at_step_8_says_which_conditions_failed() -> None:
    late = decide(on=date(2024, 4, 16), **PRISTINE)
    assert "more than 1 month since leaving the factory on 2024-03-15" in en(late.reason)
    assert "used" not in en(late.reason).split("(R-8)")[0].split(":")[1]
    used = decide(used=True, well_kept=True)
    assert ": used (R-8)" in en(used.reason)
    human = decide(performance_mismatch=True, human_factor=True, on=date(2024, 6, 1))
    assert "caused by human factors (R-1)" in en(human.reason)
    assert en(decide().reason).startswith("Refused — no clause allows this return:")
    assert zh(decide(request="exchange").reason).startswith("拒绝——没有条款允许此换货")


def test_settings_change_the_decision() -> None:
    request = ask(on=date(2024, 5, 15), quality_problem=False, **PRISTINE)
    assert decide_request(request, PARAMS).outcome == "refused"
    two_months = WarrantyParams(return_window_months=2)
    assert decide_request(request, two_months).outcome == "exchange_or_depreciated_return"
    assert "2 months" in en(decide_request(request, two_months).reason)
    short = PARAMS.for_model(1)  # a model with one month of warranty (W-2)
    late = ask(request="repair", on=date(2024, 4, 16))
    assert decide_request(late, short).coverage_class == "B"
    assert decide_request(late, short).charged
    no_window = WarrantyParams(return_window_months=0)
    assert decide_request(ask(**PRISTINE), no_window).outcome == "exchange_or_depreciated_return"
    assert decide_request(ask(on=date(2024, 3, 16), **PRISTINE), no_window).outcome == "refused"


def test_silence_grants_nothing() -> None:
    """R-8's conditions are met only when stated: the defaults are used, not well kept."""
    request = Request(request="return", on=MADE, own_product=True, body_code_present=True,
                      factory_date=MADE)
    assert decide_request(request, PARAMS).outcome == "refused"


@pytest.mark.parametrize(("changes", "field"), [
    ({"request": "refund"}, "request"),
    ({"defects": frozenset({"knob"})}, "defects"),
])
def test_unknown_request_values_are_field_errors(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(DomainError) as caught:
        ask(**changes)
    assert field in caught.value.fields


def test_defects_may_be_any_iterable() -> None:
    assert ask(defects=["webhead", "webhead"]).defects == frozenset({"webhead"})  # type: ignore[arg-type]


@pytest.mark.parametrize("changes", [
    {"body_code_present": True, "factory_date": None},  # not decoded by the caller
    {"body_code_present": False, "factory_date": MADE},  # a date without a code
])
def test_inconsistent_body_code_inputs_are_a_bug(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ask(**changes)


# --- money (R-8) --------------------------------------------------------------------------


@pytest.mark.parametrize(("price", "percent", "refund"), [
    (100_000, 10, 90_000),
    (12_345, 10, 11_111),  # 11110.5 rounds half up
    (12_344, 10, 11_110),  # 11109.6
    (12_346, 10, 11_111),  # 11111.4
    (5, 10, 5),  # 4.5 → 5
    (1, 50, 1),  # 0.5 → 1
    (3, 50, 2),  # 1.5 → 2
    (0, 10, 0),
    (99_999, 0, 99_999),
    (99_999, 100, 0),
])
def test_refund_is_the_price_less_depreciation(price: int, percent: int, refund: int) -> None:
    assert refund_cents(price, percent) == refund


@pytest.mark.parametrize(("price", "percent"), [(-1, 10), (100, -1), (100, 101)])
def test_impossible_refund_inputs_are_a_bug(price: int, percent: int) -> None:
    with pytest.raises(ValueError):
        refund_cents(price, percent)


@pytest.mark.parametrize(("old", "new", "difference"), [
    (100_000, 100_000, 0),  # equal value
    (100_000, 120_050, 20_050),  # the customer pays the difference
    (100_000, 80_000, 0),  # cheaper: nothing paid, nothing refunded
])
def test_exchange_price_difference(old: int, new: int, difference: int) -> None:
    assert price_difference_cents(old, new) == difference


def test_negative_prices_are_a_bug() -> None:
    with pytest.raises(ValueError):
        price_difference_cents(-1, 100)


# --- fault lines at inspection (W-A, W-B, W-C, R-6) ---------------------------------------


@pytest.mark.parametrize(("klass", "cause", "charged", "clauses"), [
    ("A", "normal", False, ("W-A",)),
    ("A", "improper_use", True, ("W-A",)),
    ("A", "improper_maintenance", True, ("W-A",)),
    ("A", "improper_storage", True, ("W-A",)),
    ("A", "force_majeure", True, ("W-A",)),
    *[("B", cause, True, ("W-B", "R-6")) for cause in CAUSES],
    *[("C", cause, True, ("W-C",)) for cause in CAUSES],
])
def test_charge_for_fault(klass: Any, cause: Any, charged: bool,
                          clauses: tuple[str, ...]) -> None:
    result = charge_for_fault(klass, cause)
    assert result == (charged, clauses)
    assert (result.charged, result.clauses) == (charged, clauses)


def test_charge_for_fault_rejects_unknown_causes_and_classes() -> None:
    with pytest.raises(DomainError) as caught:
        charge_for_fault("A", "wear")  # type: ignore[arg-type]
    assert "cause" in caught.value.fields
    with pytest.raises(ValueError):
        charge_for_fault(None, "normal")  # type: ignore[arg-type]


def test_settlement_is_signed_either_direction() -> None:
    from plugins.warranty.policy import settlement_cents

    assert settlement_cents(4_980_00, 8_800_00) == 3_820_00   # the customer pays
    assert settlement_cents(8_800_00, 4_980_00) == -3_820_00  # the company pays back
    assert settlement_cents(4_980_00, 4_980_00) == 0
    with pytest.raises(ValueError):
        settlement_cents(-1, 0)
