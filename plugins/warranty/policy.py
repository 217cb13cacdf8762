"""The warranty rules of POLICY.md as pure functions (W-*, R-*).

Why pure: every answer the warranty plugin gives (a coverage class, a return or exchange
decision, whether a fault line is charged) must be explainable and testable without a
database. These functions take plain values and a ``WarrantyParams`` built from the
instance settings, and return small frozen dataclasses carrying the clause ids they applied
and a reason in English and Simplified Chinese. Services apply them; views only show them.

Dates here are calendar dates of policy (factory date, warranty end, decision date) in the
instance time zone; money is integer cents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal, NamedTuple

from core.plugin_api import FAULT_CAUSES, DomainError, PolicySettings, add_months
from core.plugin_api import Coverage as CoverageAnswer

CoverageClass = Literal["A", "B", "C"]
RequestKind = Literal["return", "exchange", "repair"]
Outcome = Literal["refused", "repair", "return_or_exchange", "exchange_or_depreciated_return"]
Defect = Literal["webhead", "chassis", "controls", "internal"]
Cause = Literal[
    "normal", "improper_use", "improper_maintenance", "improper_storage", "force_majeure"
]

REQUEST_KINDS: tuple[str, ...] = ("return", "exchange", "repair")
OUTCOMES: tuple[str, ...] = (
    "refused", "repair", "return_or_exchange", "exchange_or_depreciated_return"
)

#: R-2 … R-5: a condition defect found on the unit, and the clause that refuses a return for it.
#: The order is the order the clauses are cited in.
DEFECT_CLAUSES: dict[str, str] = {
    "webhead": "R-2",
    "chassis": "R-3",
    "controls": "R-4",
    "internal": "R-5",
}
_DEFECT_TEXT: dict[str, tuple[str, str]] = {
    "webhead": ("webhead severely deformed or rusted", "网头严重变形或生锈"),
    "chassis": (
        "chassis front or side panel scratched, rusted, peeling, discoloured or deformed",
        "机箱前面板或侧面板有划痕、生锈、掉漆、变色或变形",
    ),
    "controls": (
        "knobs, buttons, pushers or panel plugs discoloured, aged or oxidised",
        "旋钮、按键、推子或面板插座变色、老化或氧化",
    ),
    "internal": (
        "circuit board discoloured or oxidised, or potentiometers damaged by oxidation",
        "电路板变色或氧化，或电位器氧化损坏",
    ),
}

#: W-A: the causes a fault line is recorded with; all but "normal" are the four exclusions.
CAUSES: tuple[str, ...] = FAULT_CAUSES
EXCLUDED_CAUSES: frozenset[str] = frozenset(CAUSES[1:])  # W-A


# --- parameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WarrantyParams:
    """The parameters of POLICY.md that these rules use; the defaults mirror its table.

    Built from the instance settings with ``from_settings``; a product model's own warranty
    length (W-2 "per product model override") is applied with ``for_model``.
    """

    warranty_months: int = 24  # W-2
    return_window_months: int = 1
    return_depreciation_percent: int = 10

    def __post_init__(self) -> None:
        # Settings validate these already; a bad value here is a bug in the caller.
        if self.warranty_months < 0:
            raise ValueError(f"warranty_months must be >= 0, not {self.warranty_months}")
        if self.return_window_months < 0:
            raise ValueError(
                f"return_window_months must be >= 0, not {self.return_window_months}"
            )
        if not 0 <= self.return_depreciation_percent <= 100:
            raise ValueError(
                "return_depreciation_percent must be within 0..100, "
                f"not {self.return_depreciation_percent}"
            )

    @classmethod
    def from_settings(cls, policy: PolicySettings) -> WarrantyParams:
        """The instance's parameters (``Settings.policy``), HQ's or a region's."""
        return cls(
            warranty_months=policy.warranty_months,
            return_window_months=policy.return_window_months,
            return_depreciation_percent=policy.return_depreciation_percent,
        )

    def for_model(self, model_warranty_months: int | None) -> WarrantyParams:
        """These parameters with a product model's warranty length, if it has one (W-2).

        ``None`` (``ProductModel.warranty_months`` unset) keeps the instance setting.
        """
        if model_warranty_months is None:
            return self
        return replace(self, warranty_months=model_warranty_months)


# --- dates --------------------------------------------------------------------------------


def warranty_end(factory_date: date, months: int) -> date:
    """The last day the free warranty covers (W-2).

    It is the factory date moved by ``months`` with month-end clamping, and that day itself
    is still covered ("the last day is covered"): a unit made 2024-03-15 with 24 months is
    in warranty on 2026-03-15 and out of it from 2026-03-16.
    """
    return add_months(factory_date, months)  # W-2


def return_window_end(factory_date: date, months: int) -> date:
    """The last day of R-8's window after leaving the factory ("the last day counts")."""
    return add_months(factory_date, months)


def within_return_window(factory_date: date, on: date, months: int) -> bool:
    """At most ``months`` since leaving the factory on ``on`` (R-8; its complement is R-7's
    "made more than one month ago")."""
    return on <= return_window_end(factory_date, months)


# --- citing clauses -----------------------------------------------------------------------


def cite_en(clauses: Iterable[str]) -> str:
    """``(W-2, W-B)``: how an English reason names its clauses."""
    return "(" + ", ".join(clauses) + ")"


def cite_zh(clauses: Iterable[str]) -> str:
    """``（W-2、W-B）``: how a Chinese reason names its clauses."""
    return "（" + "、".join(clauses) + "）"


def _months_en(n: int) -> str:
    return f"{n} month" if n == 1 else f"{n} months"


# --- coverage class (W-2, W-3, W-A, W-B, W-C) ---------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """A unit's coverage class on a date and why (W-3).

    ``coverage_class`` is None only for our product without a body code (W-1), which gets
    no service at all. ``warranty_end`` is set whenever a factory date was known.
    """

    coverage_class: CoverageClass | None
    warranty_end: date | None
    clauses: tuple[str, ...]
    reason_en: str
    reason_zh: str

    def reason(self, locale: str = "en") -> str:
        return self.reason_zh if locale.startswith("zh") else self.reason_en

    def as_hook_coverage(
        self, locale: str = "en", months: int | None = None
    ) -> CoverageAnswer | None:
        """What the ``assess_coverage`` hook answers; None when there is no class (W-1).

        ``months`` is the warranty length used (W-2), so callers can decide consistently.
        """
        if self.coverage_class is None:
            return None
        return CoverageAnswer(
            coverage_class=self.coverage_class,
            clauses=self.clauses,
            reason=self.reason(locale),
            warranty_end=self.warranty_end,
            months=months if self.warranty_end is not None else None,
        )


def coverage_class(
    own_product: bool, factory_date: date | None, on: date, months: int
) -> Coverage:
    """The coverage class on ``on`` (for a case: its intake date), with the clauses behind it.

    C when the product is not ours (W-C), whatever its body code says; no class for our
    product without a body code (W-1); otherwise A when ``on`` is on or before the warranty
    end (W-2, W-A), else B (W-2, W-B).
    """
    if not own_product:  # W-C
        clauses: tuple[str, ...] = ("W-C",)
        return Coverage(
            "C", None, clauses,
            "Class C — not our product, only maintained by us; all costs borne by the "
            f"customer {cite_en(clauses)}",
            f"C类——非本公司产品，仅由本公司维修；费用全部由客户承担{cite_zh(clauses)}",
        )
    if factory_date is None:  # W-1
        clauses = ("W-1",)
        return Coverage(
            None, None, clauses,
            "No coverage class — a product of ours without a body code gets no after-sales "
            f"service {cite_en(clauses)}",
            f"无保修类别——本公司产品无机身码，不提供售后服务{cite_zh(clauses)}",
        )
    end = warranty_end(factory_date, months)  # W-2
    if on <= end:  # W-2: the last day is covered
        clauses = ("W-2", "W-A")
        return Coverage(
            "A", end, clauses,
            f"Class A — in warranty until {end.isoformat()} {cite_en(clauses)}",
            f"A类——保修期至{end.isoformat()}{cite_zh(clauses)}",
        )
    clauses = ("W-2", "W-B")
    return Coverage(
        "B", end, clauses,
        f"Class B — warranty expired on {end.isoformat()} {cite_en(clauses)}",
        f"B类——保修已于{end.isoformat()}到期{cite_zh(clauses)}",
    )


# --- return and exchange requests (R-*) ---------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Request:
    """A customer's request about a unit, as known on the decision date ``on``.

    ``factory_date`` is what our body code says (decoded by the caller): it must be given for
    our product with a body code and absent for our product without one. For a product that
    is not ours the body code is kept as text and not decoded, so ``factory_date`` is
    ignored. R-8's conditions count as met only when stated: by default a unit is taken as
    used and not shown to be well kept, so silence never grants an exchange or a return.
    """

    request: RequestKind
    on: date
    own_product: bool
    body_code_present: bool
    factory_date: date | None
    oem: bool = False
    defects: frozenset[str] = field(default_factory=frozenset)  # R-2 … R-5
    performance_mismatch: bool = False
    human_factor: bool = False  # R-1's exception
    quality_problem: bool = False
    used: bool = True
    well_kept: bool = False

    def __post_init__(self) -> None:
        if self.request not in REQUEST_KINDS:
            raise DomainError(
                f"Unknown request {self.request!r}: one of {', '.join(REQUEST_KINDS)}.",
                field="request",
            )
        defects = frozenset(self.defects)
        unknown = sorted(defects - DEFECT_CLAUSES.keys())
        if unknown:
            raise DomainError(
                f"Unknown defect {', '.join(map(repr, unknown))}: the defects are "
                f"{', '.join(DEFECT_CLAUSES)}.",
                field="defects",
            )
        object.__setattr__(self, "defects", defects)
        if self.own_product and self.body_code_present and self.factory_date is None:
            raise ValueError("our product with a body code needs its decoded factory_date")
        if self.own_product and not self.body_code_present and self.factory_date is not None:
            raise ValueError("a factory_date without a body code: W-1 cannot be decided")


@dataclass(frozen=True)
class Decision:
    """The answer to a request (what ``POST /api/v1/warranty/assess`` returns).

    ``clauses`` lists, in the order applied, every clause that decided; ``charged`` says
    whether a repair is charged (W-A exclusions are decided per fault line later, not here);
    ``customer_pays_shipping`` is true under R-8 and in class C.
    """

    coverage_class: CoverageClass | None
    factory_date: date | None
    warranty_end: date | None
    outcome: Outcome
    charged: bool
    customer_pays_shipping: bool
    clauses: tuple[str, ...]
    reason_en: str
    reason_zh: str

    def reason(self, locale: str = "en") -> str:
        return self.reason_zh if locale.startswith("zh") else self.reason_en


def _repair_by_class(
    coverage: Coverage, head_clauses: tuple[str, ...], head_en: str, head_zh: str,
    factory_date: date | None,
) -> Decision:
    """A repair charged according to the coverage class A or B (W-2 with W-A or W-B)."""
    assert coverage.warranty_end is not None and coverage.coverage_class in ("A", "B")
    end = coverage.warranty_end.isoformat()
    if coverage.coverage_class == "A":  # W-A: free in warranty
        tail_en = f"Class A — in warranty until {end}, repair free {cite_en(coverage.clauses)}"
        tail_zh = f"A类——保修期至{end}，维修免费{cite_zh(coverage.clauses)}"
    else:  # W-B: charged once expired
        tail_en = (
            f"Class B — warranty expired on {end}, repair charged {cite_en(coverage.clauses)}"
        )
        tail_zh = f"B类——保修已于{end}到期，维修收费{cite_zh(coverage.clauses)}"
    return Decision(
        coverage_class=coverage.coverage_class,
        factory_date=factory_date,
        warranty_end=coverage.warranty_end,
        outcome="repair",
        charged=coverage.coverage_class == "B",
        customer_pays_shipping=False,
        clauses=head_clauses + coverage.clauses,
        reason_en=f"{head_en}; {tail_en}",
        reason_zh=f"{head_zh}；{tail_zh}",
    )


def decide_request(req: Request, params: WarrantyParams) -> Decision:
    """Answer a return, exchange or repair request, in POLICY.md's order (first rule wins).

    1. our product without a body code → refused (W-1);
    2. not ours → repair, all costs and shipping charged (W-C);
    3. OEM → repair only (R-9) — a plain repair request stops here, a repair by class;
    4. any condition defect → repair (R-2 … R-5);
    5. performance mismatch not caused by human factors → return or exchange (R-1);
    6. within the return window, no quality problem, unused, well kept → exchange, or return
       with depreciation, customer pays shipping (R-8);
    7. quality problem (any age) → repair, free in warranty (R-7, R-6, W-A), charged outside
       it (W-B, R-6);
    8. otherwise refused, citing what was not met (R-8, R-7, R-1).

    Repairs at steps 3, 4 and for a plain repair request are charged by class; they cite
    W-2 with W-A or W-B because the warranty end decided the charge.
    """
    # Step 1 — W-1: identity is the body code; without it, no after-sales service.
    if req.own_product and not req.body_code_present:
        coverage = coverage_class(True, None, req.on, params.warranty_months)
        return Decision(
            coverage_class=None, factory_date=None, warranty_end=None, outcome="refused",
            charged=False, customer_pays_shipping=False, clauses=coverage.clauses,
            reason_en="Refused — a product of ours without a body code gets no after-sales "
            f"service {cite_en(coverage.clauses)}",
            reason_zh=f"拒绝——本公司产品无机身码，不提供售后服务{cite_zh(coverage.clauses)}",
        )

    # Step 2 — W-C: not ours, maintained only; its body code is not decoded.
    if not req.own_product:
        coverage = coverage_class(False, None, req.on, params.warranty_months)
        return Decision(
            coverage_class="C", factory_date=None, warranty_end=None, outcome="repair",
            charged=True, customer_pays_shipping=True, clauses=coverage.clauses,
            reason_en="Repair only — not our product, only maintained by us: no return or "
            "exchange; all costs, shipping included, borne by the customer "
            f"{cite_en(coverage.clauses)}",
            reason_zh="仅可维修——非本公司产品，仅由本公司维修：不退不换；所有费用（含运费）"
            f"由客户承担{cite_zh(coverage.clauses)}",
        )

    factory_date = req.factory_date
    assert factory_date is not None  # Request guarantees it for our product with a code
    coverage = coverage_class(True, factory_date, req.on, params.warranty_months)

    # Step 3 — R-9: OEM products are not returned after leaving the factory.
    if req.oem:
        head = ("R-9",)
        return _repair_by_class(
            coverage, head,
            "Repair only — OEM products are not returned or exchanged after leaving the "
            f"factory {cite_en(head)}",
            f"仅可维修——OEM产品出厂后不退不换{cite_zh(head)}",
            factory_date,
        )

    # A plain repair request stops after step 3: a repair, charged by coverage class.
    if req.request == "repair":
        return _repair_by_class(coverage, (), "Repair", "维修", factory_date)

    # Step 4 — R-2 … R-5: a condition defect rules out a return or exchange.
    found = [name for name in DEFECT_CLAUSES if name in req.defects]
    if found:
        head = tuple(DEFECT_CLAUSES[name] for name in found)
        parts_en = "; ".join(
            f"{_DEFECT_TEXT[name][0]} {cite_en([DEFECT_CLAUSES[name]])}" for name in found
        )
        parts_zh = "；".join(
            f"{_DEFECT_TEXT[name][1]}{cite_zh([DEFECT_CLAUSES[name]])}" for name in found
        )
        return _repair_by_class(
            coverage, head,
            f"Repair only — no return or exchange: {parts_en}",
            f"仅可维修——不退不换：{parts_zh}",
            factory_date,
        )

    # Step 5 — R-1: performance does not match what was supplied, not by human factors.
    if req.performance_mismatch and not req.human_factor:
        head = ("R-1",)
        return Decision(
            coverage_class=coverage.coverage_class, factory_date=factory_date,
            warranty_end=coverage.warranty_end, outcome="return_or_exchange", charged=False,
            customer_pays_shipping=False, clauses=head,
            reason_en="Return or exchange, the customer's choice, no charge — performance "
            f"indicators do not match the product supplied {cite_en(head)}",
            reason_zh="可退货或换货（由客户选择），不收费——性能指标与所供产品不符"
            f"{cite_zh(head)}",
        )

    # Step 6 — R-8: within the window after leaving the factory, no quality problem,
    # unused and well kept (prototypes, trial units).
    window = params.return_window_months
    window_end = return_window_end(factory_date, window)
    in_window = within_return_window(factory_date, req.on, window)
    if in_window and not req.quality_problem and not req.used and req.well_kept:
        head = ("R-8",)
        pct = params.return_depreciation_percent
        return Decision(
            coverage_class=coverage.coverage_class, factory_date=factory_date,
            warranty_end=coverage.warranty_end, outcome="exchange_or_depreciated_return",
            charged=False, customer_pays_shipping=True, clauses=head,
            reason_en="Exchange for a product of the same type (equal value, or the price "
            f"difference paid), or return with {pct}% depreciation deducted; the customer "
            f"pays all shipping — within {_months_en(window)} of leaving the factory on "
            f"{factory_date.isoformat()} (until {window_end.isoformat()}), no quality "
            f"problem, unused and well kept {cite_en(head)}",
            reason_zh=f"可换同类产品（等值或补差价），或退货并扣除{pct}%折旧；运费全部由客户"
            f"承担——出厂（{factory_date.isoformat()}）{window}个月内（至"
            f"{window_end.isoformat()}），无质量问题，未使用且保存完好{cite_zh(head)}",
        )

    # Step 7 —: a quality problem at any age is repaired, not exchanged;
    # free in warranty (W-A), charged outside it (W-B).
    if req.quality_problem:
        end = coverage.warranty_end
        assert end is not None
        if coverage.coverage_class == "A":
            clauses = ("R-7", "R-6", *coverage.clauses)
            return Decision(
                coverage_class="A", factory_date=factory_date, warranty_end=end,
                outcome="repair", charged=False, customer_pays_shipping=False, clauses=clauses,
                reason_en="Repair, not exchange — the faulty components or accessories are "
                f"replaced free {cite_en(['R-7', 'R-6'])}; Class A — in warranty until "
                f"{end.isoformat()} {cite_en(coverage.clauses)}",
                reason_zh=f"维修，不换货——免费更换故障元件或配件{cite_zh(['R-7', 'R-6'])}；"
                f"A类——保修期至{end.isoformat()}{cite_zh(coverage.clauses)}",
            )
        clauses = (*coverage.clauses, "R-6")
        return Decision(
            coverage_class="B", factory_date=factory_date, warranty_end=end,
            outcome="repair", charged=True, customer_pays_shipping=False, clauses=clauses,
            reason_en=f"Class B — warranty expired on {end.isoformat()} "
            f"{cite_en(coverage.clauses)}; repair, not exchange — the faulty components or "
            f"accessories are replaced, parts and service fee charged {cite_en(['R-6'])}",
            reason_zh=f"B类——保修已于{end.isoformat()}到期{cite_zh(coverage.clauses)}；维修，"
            f"不换货——更换故障元件或配件，收取配件费和维修服务费{cite_zh(['R-6'])}",
        )

    # Step 8 — no clause allows it: cite the clauses whose conditions were not met.
    missing_en: list[str] = []
    missing_zh: list[str] = []
    if not in_window:
        missing_en.append(
            f"more than {_months_en(window)} since leaving the factory on "
            f"{factory_date.isoformat()}"
        )
        missing_zh.append(f"出厂（{factory_date.isoformat()}）已超过{window}个月")
    if req.used:
        missing_en.append("used")
        missing_zh.append("已使用")
    if not req.well_kept:
        missing_en.append("not well kept")
        missing_zh.append("保存不完好")
    if req.performance_mismatch:
        r1_en = "the performance mismatch was caused by human factors"
        r1_zh = "性能不符系人为因素造成"
    else:
        r1_en = "performance indicators match the product supplied"
        r1_zh = "性能指标与所供产品相符"
    kind_en = "return" if req.request == "return" else "exchange"
    kind_zh = "退货" if req.request == "return" else "换货"
    clauses = ("R-8", "R-7", "R-1")
    return Decision(
        coverage_class=coverage.coverage_class, factory_date=factory_date,
        warranty_end=coverage.warranty_end, outcome="refused", charged=False,
        customer_pays_shipping=False, clauses=clauses,
        reason_en=f"Refused — no clause allows this {kind_en}: {', '.join(missing_en)} "
        f"{cite_en(['R-8'])}; no quality problem to repair {cite_en(['R-7'])}; {r1_en} "
        f"{cite_en(['R-1'])}",
        reason_zh=f"拒绝——没有条款允许此{kind_zh}：{'，'.join(missing_zh)}{cite_zh(['R-8'])}；"
        f"没有需要维修的质量问题{cite_zh(['R-7'])}；{r1_zh}{cite_zh(['R-1'])}",
    )


# --- money (R-8) --------------------------------------------------------------------------


def refund_cents(price_cents: int, depreciation_percent: int) -> int:
    """What an R-8 return refunds: the price less the depreciation, in integer cents.

    The refund is rounded half up to the cent (the half cent goes to the customer), so it
    is never negative and never above the price. Depreciation is deducted from the refund;
    it is not a charge.
    """
    if price_cents < 0:
        raise ValueError(f"price_cents must be >= 0, not {price_cents}")
    if not 0 <= depreciation_percent <= 100:
        raise ValueError(f"depreciation_percent must be within 0..100, not {depreciation_percent}")
    return (price_cents * (100 - depreciation_percent) + 50) // 100


def price_difference_cents(old_price_cents: int, new_price_cents: int) -> int:
    """What the customer pays on an R-8 exchange: the difference when the new unit costs
    more, nothing when it costs the same or less. The other direction (the company pays a
    cheaper unit's difference back, issue 10) is ``settlement_cents``, granted as a credit."""
    if old_price_cents < 0 or new_price_cents < 0:
        raise ValueError("prices must be >= 0")
    return max(0, new_price_cents - old_price_cents)


def settlement_cents(old_price_cents: int, new_price_cents: int) -> int:
    """An exchange's price difference, signed (issue 10: money both ways, R-1/R-8): positive
    the customer pays it, negative the company pays it back, zero an equal-value exchange."""
    if old_price_cents < 0 or new_price_cents < 0:
        raise ValueError("prices must be >= 0")
    return new_price_cents - old_price_cents


# --- fault lines at inspection (W-A, W-B, W-C, R-6) ---------------------------------------


class FaultCharge(NamedTuple):
    """Whether one fault line is charged, and the clauses that say so."""

    charged: bool
    clauses: tuple[str, ...]


def charge_for_fault(coverage_class: CoverageClass, cause: Cause) -> FaultCharge:
    """Whether work on one fault is charged, given the case's class and the fault's cause.

    Class A is free except for the four causes W-A excludes (improper use, maintenance or
    storage, force majeure); class B is charged (W-B, R-6); class C is charged (W-C).
    A case without a class (W-1) gets no service, so it has no fault lines to price.
    """
    if cause not in CAUSES:
        raise DomainError(
            f"Unknown cause {cause!r}: one of {', '.join(CAUSES)}.", field="cause"
        )
    if coverage_class == "A":
        return FaultCharge(cause in EXCLUDED_CAUSES, ("W-A",))  # W-A and its exclusions
    if coverage_class == "B":
        return FaultCharge(True, ("W-B", "R-6"))  # W-B, R-6
    if coverage_class == "C":
        return FaultCharge(True, ("W-C",))  # W-C
    raise ValueError(f"no fault lines without a coverage class A, B or C: {coverage_class!r}")
