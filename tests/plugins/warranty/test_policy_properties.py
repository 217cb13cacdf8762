"""Properties of the warranty rules that must hold for every input, not just the examples."""

from __future__ import annotations

import calendar
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from core.errors import Message
from plugins.warranty.policy import (
    CAUSES,
    DEFECT_CLAUSES,
    OUTCOMES,
    Decision,
    Request,
    WarrantyParams,
    add_months,
    charge_for_fault,
    coverage_class,
    decide_request,
    price_difference_cents,
    refund_cents,
    warranty_end,
)
from plugins.warranty.texts import english as en
from plugins.warranty.texts import text_in


def zh(message: Message) -> str:
    return text_in(message, "zh_CN")


GRANTS = ("return_or_exchange", "exchange_or_depreciated_return")
KNOWN_CLAUSES = {"W-1", "W-2", "W-A", "W-B", "W-C", "R-1", "R-2", "R-3", "R-4", "R-5", "R-6",
                 "R-7", "R-8", "R-9"}

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
# Month-end days and 29 February are where month arithmetic goes wrong: draw them often.
month_ends = st.builds(
    lambda y, m: date(y, m, calendar.monthrange(y, m)[1]),
    st.integers(2000, 2099), st.integers(1, 12),
)
leap_days = st.sampled_from([date(y, 2, 29) for y in range(2000, 2100, 4)])
factory_dates = st.one_of(dates, month_ends, leap_days)
params = st.builds(
    WarrantyParams,
    warranty_months=st.integers(0, 240),
    return_window_months=st.integers(0, 24),
    return_depreciation_percent=st.integers(0, 100),
)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    """Any request the API could send, including ones close to the policy's boundaries."""
    own = draw(st.booleans())
    present = draw(st.booleans())
    made = draw(factory_dates)
    offset = draw(st.one_of(st.integers(-2, 2), st.integers(0, 60 * 31)))
    on = draw(st.sampled_from([
        made, add_months(made, 1), add_months(made, 24),
    ])).toordinal() + offset
    return Request(
        request=draw(st.sampled_from(["return", "exchange", "repair"])),
        on=date.fromordinal(max(1, on)),
        own_product=own,
        body_code_present=present,
        factory_date=made if present or not own else None,
        oem=draw(st.booleans()),
        defects=draw(st.frozensets(st.sampled_from(sorted(DEFECT_CLAUSES)))),
        performance_mismatch=draw(st.booleans()),
        human_factor=draw(st.booleans()),
        quality_problem=draw(st.booleans()),
        used=draw(st.booleans()),
        well_kept=draw(st.booleans()),
    )


# --- month arithmetic (W-2) ---------------------------------------------------------------


@given(factory_dates, st.integers(-600, 600))
def test_add_months_keeps_the_day_or_clamps_to_month_end(d: date, months: int) -> None:
    result = add_months(d, months)
    index = d.year * 12 + d.month - 1 + months
    assert (result.year * 12 + result.month - 1) == index
    assert result.day <= d.day
    if result.day < d.day:  # clamped: the last day of the target month
        assert result.day == calendar.monthrange(result.year, result.month)[1]


@given(factory_dates, factory_dates, st.integers(0, 240))
def test_add_months_keeps_the_order_of_dates(a: date, b: date, months: int) -> None:
    if a <= b:
        assert add_months(a, months) <= add_months(b, months)


@given(factory_dates, st.integers(0, 240))
def test_warranty_end_is_never_before_the_factory_date(made: date, months: int) -> None:
    assert warranty_end(made, months) >= made


# --- coverage class -----------------------------------------------------------------------


@given(factory_dates, dates, st.integers(0, 240))
def test_class_a_exactly_when_on_or_before_the_warranty_end(
    made: date, on: date, months: int
) -> None:  # W-2
    coverage = coverage_class(True, made, on, months)
    assert coverage.warranty_end == warranty_end(made, months)
    assert (coverage.coverage_class == "A") == (on <= warranty_end(made, months))
    assert coverage.coverage_class in ("A", "B")
    assert coverage.clauses[0] == "W-2"


@given(st.booleans(), st.one_of(st.none(), factory_dates), dates, st.integers(0, 240))
def test_no_class_only_for_our_product_without_body_code(
    own: bool, made: date | None, on: date, months: int
) -> None:  # W-1, W-C
    coverage = coverage_class(own, made, on, months)
    assert (coverage.coverage_class is None) == (own and made is None)
    assert (coverage.coverage_class == "C") == (not own)
    assert coverage.clauses and en(coverage.reason) and zh(coverage.reason)


# --- deciding a request -------------------------------------------------------------------


@given(requests(), params)
def test_every_decision_cites_a_known_clause_and_explains_itself(
    req: Request, p: WarrantyParams
) -> None:
    decision = decide_request(req, p)
    assert decision.outcome in OUTCOMES
    assert decision.clauses
    assert set(decision.clauses) <= KNOWN_CLAUSES
    assert len(set(decision.clauses)) == len(decision.clauses)
    for clause in decision.clauses:
        assert clause in en(decision.reason) and clause in zh(decision.reason)


@given(requests(), params)
def test_no_return_or_exchange_with_a_condition_defect(req: Request, p: WarrantyParams) -> None:
    if req.defects:  # R-2 … R-5
        assert decide_request(req, p).outcome not in GRANTS


@given(requests(), params)
def test_oem_never_returns(req: Request, p: WarrantyParams) -> None:
    if req.oem:
        assert decide_request(req, p).outcome not in GRANTS


@given(requests(), params)
def test_w1_refusal_iff_our_product_without_body_code(req: Request, p: WarrantyParams) -> None:
    decision = decide_request(req, p)
    no_code = req.own_product and not req.body_code_present
    assert (decision.clauses == ("W-1",)) == no_code
    assert (decision.coverage_class is None) == no_code
    if no_code:
        assert decision.outcome == "refused"


@given(requests(), params)
def test_repair_requests_are_repairs_unless_refused_by_w1(
    req: Request, p: WarrantyParams
) -> None:
    if req.request == "repair" and not (req.own_product and not req.body_code_present):
        assert decide_request(req, p).outcome == "repair"


@given(requests(), params)
def test_charges_and_shipping_follow_the_answer(req: Request, p: WarrantyParams) -> None:
    decision: Decision = decide_request(req, p)
    if decision.outcome == "repair":
        assert decision.charged == (decision.coverage_class in ("B", "C"))
    else:
        assert not decision.charged  # and refusals are never charged
    assert decision.customer_pays_shipping == (
        decision.outcome == "exchange_or_depreciated_return" or decision.coverage_class == "C")


@given(requests(), params)
def test_the_dates_reported_are_the_dates_used(req: Request, p: WarrantyParams) -> None:
    decision = decide_request(req, p)
    if req.own_product and req.body_code_present:
        assert decision.factory_date == req.factory_date
        assert req.factory_date is not None
        assert decision.warranty_end == warranty_end(req.factory_date, p.warranty_months)
        assert decision.coverage_class == (
            "A" if req.on <= decision.warranty_end else "B")
    else:  # W-1, or not ours: the body code is not decoded
        assert (decision.factory_date, decision.warranty_end) == (None, None)
    if "W-2" in decision.clauses:
        assert decision.warranty_end is not None
        assert decision.warranty_end.isoformat() in en(decision.reason)


@given(requests(), params)
def test_r8_only_within_the_window_unused_well_kept_without_quality_problem(
    req: Request, p: WarrantyParams
) -> None:
    if decide_request(req, p).outcome == "exchange_or_depreciated_return":
        assert req.factory_date is not None
        assert req.on <= add_months(req.factory_date, p.return_window_months)
        assert not req.used and req.well_kept and not req.quality_problem
        assert not req.oem and not req.defects and req.own_product


# --- money and fault lines ----------------------------------------------------------------


@given(st.integers(0, 10**12), st.integers(0, 100))
def test_refund_is_never_negative_nor_above_the_price(price: int, percent: int) -> None:
    refund = refund_cents(price, percent)
    assert 0 <= refund <= price
    # Within half a cent of the exact amount, rounding half up.
    assert abs(refund * 100 - price * (100 - percent)) <= 50


@given(st.integers(0, 10**12), st.integers(0, 10**12))
def test_price_difference_is_never_negative(old: int, new: int) -> None:
    difference = price_difference_cents(old, new)
    assert difference >= 0
    assert old + difference >= new


@given(st.sampled_from(["A", "B", "C"]), st.sampled_from(CAUSES))
def test_only_class_a_normal_faults_are_free(klass: str, cause: str) -> None:  # W-A
    charged, clauses = charge_for_fault(klass, cause)  # type: ignore[arg-type]
    assert charged == (klass != "A" or cause != "normal")
    assert clauses
