"""The warranty rules of POLICY.md as pure functions (W-*, R-*).

Why pure: every answer the warranty plugin gives (a coverage class, a return or exchange
decision, whether a fault line is charged) must be explainable and testable without a
database. These functions take plain values and a ``WarrantyParams`` built from the
instance settings, and return small frozen dataclasses carrying the clause ids they applied
and a reason: a message id with parameters (``Message(N_("Class A — in warranty until
%(end)s (W-2, W-A)"), {"end": ...})``), never a sentence in one language. Whoever shows a
reason renders it in the reader's language with the warranty catalogue (``texts.py``, the
pages' ``localize``), and a stored reason keeps its id and parameters (issue 12 item 4,
issue 18 item 1). Services apply these functions; views only show their answers.

Dates here are calendar dates of policy (factory date, warranty end, decision date) in the
instance time zone; money is integer cents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal, NamedTuple, Protocol

from core.plugin_api import FAULT_CAUSES, N_, DomainError, Message, add_months
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
#: Each defect as a reason names it, with its clause.
_DEFECT_TEXT: dict[str, str] = {
    "webhead": N_("webhead severely deformed or rusted (R-2)"),
    "chassis": N_(
        "chassis front or side panel scratched, rusted, peeling, discoloured or deformed (R-3)"
    ),
    "controls": N_("knobs, buttons, pushers or panel plugs discoloured, aged or oxidised (R-4)"),
    "internal": N_(
        "circuit board discoloured or oxidised, or potentiometers damaged by oxidation (R-5)"
    ),
}

#: R-8's facts that a request reaching R-8 needs answered, each with its form error.
UNANSWERED: dict[str, str] = {"used": N_("Say whether the unit has been used."),
                              "well_kept": N_("Say whether the unit has been well kept.")}

#: W-A: the causes a fault line is recorded with; all but "normal" are the four exclusions.
CAUSES: tuple[str, ...] = FAULT_CAUSES
EXCLUDED_CAUSES: frozenset[str] = frozenset(CAUSES[1:])  # W-A


# --- parameters ---------------------------------------------------------------------------


class Parameters(Protocol):
    """What ``from_settings`` reads: ``[plugin.warranty]`` (``settings.WarrantySettings``)."""

    @property
    def warranty_months(self) -> int: ...
    @property
    def return_window_months(self) -> int: ...
    @property
    def return_depreciation_percent(self) -> int: ...


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
    def from_settings(cls, settings: Parameters) -> WarrantyParams:
        """The instance's parameters (``[plugin.warranty]``), HQ's or a region's."""
        return cls(
            warranty_months=settings.warranty_months,
            return_window_months=settings.return_window_months,
            return_depreciation_percent=settings.return_depreciation_percent,
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


# --- composing reasons -------------------------------------------------------------------
#
# A reason names its clauses inside its own message id ("... (W-2, W-A)" in English,
# "……（W-2、W-A）" in Chinese), so a translator sees each sentence whole. Parts that vary
# (the defects found, the conditions not met) are messages of their own, joined by messages
# whose translation carries the language's separator.


def _joined(parts: Sequence[Message], template: str) -> Message | str:
    """``parts`` joined pairwise by ``template`` (``"%(first)s, %(rest)s"``), right to left."""
    if not parts:
        return ""
    joined: Message = parts[-1]
    for part in reversed(parts[:-1]):
        joined = Message(template, {"first": part, "rest": joined})
    return joined


def _clauses_joined(parts: Sequence[Message]) -> Message | str:
    """Sentences each citing its clause: "; " in English, "；" in Chinese."""
    return _joined(parts, N_("%(first)s; %(rest)s"))


def _conditions_joined(parts: Sequence[Message]) -> Message | str:
    """Conditions listed in one sentence: ", " in English, "，" in Chinese."""
    return _joined(parts, N_("%(first)s, %(rest)s"))


def _months(n: int) -> Message:
    """``1 month`` / ``2 months``, ``1个月`` / ``2个月``."""
    return Message(N_("%(count)s month") if n == 1 else N_("%(count)s months"), {"count": n})


# --- coverage class (W-2, W-3, W-A, W-B, W-C) ---------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """A unit's coverage class on a date and why (W-3).

    ``coverage_class`` is None only for our product without a body code (W-1), which gets
    no service at all. ``warranty_end`` is set whenever a factory date was known. ``reason``
    is a message id with parameters, rendered in the reader's language where it is shown.
    """

    coverage_class: CoverageClass | None
    warranty_end: date | None
    clauses: tuple[str, ...]
    reason: Message

    def as_hook_coverage(
        self, text: Callable[[Message], str], months: int | None = None
    ) -> CoverageAnswer | None:
        """What the ``assess_coverage`` hook answers; None when there is no class (W-1).

        ``text`` renders the reason (the hook's answer carries text: core stores it on the
        case); ``months`` is the warranty length used (W-2), so callers decide consistently.
        """
        if self.coverage_class is None:
            return None
        return CoverageAnswer(
            coverage_class=self.coverage_class,
            clauses=self.clauses,
            reason=text(self.reason),
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
        return Coverage("C", None, ("W-C",), Message(N_(
            "Class C — not our product, only maintained by us; all costs borne by the "
            "customer (W-C)")))
    if factory_date is None:  # W-1
        return Coverage(None, None, ("W-1",), Message(N_(
            "No coverage class — a product of ours without a body code gets no after-sales "
            "service (W-1)")))
    end = warranty_end(factory_date, months)  # W-2
    if on <= end:  # W-2: the last day is covered
        return Coverage("A", end, ("W-2", "W-A"), Message(
            N_("Class A — in warranty until %(end)s (W-2, W-A)"), {"end": end.isoformat()}))
    return Coverage("B", end, ("W-2", "W-B"), Message(
        N_("Class B — warranty expired on %(end)s (W-2, W-B)"), {"end": end.isoformat()}))


# --- return and exchange requests (R-*) ---------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Request:
    """A customer's request about a unit, as known on the decision date ``on``.

    ``factory_date`` is what our body code says (decoded by the caller): it must be given for
    our product with a body code and absent for our product without one. For a product that
    is not ours the body code is kept as text and not decoded, so ``factory_date`` is
    ignored. R-8's conditions count as met only when stated: by default a unit is taken as
    used and not shown to be well kept, so silence never grants an exchange or a return.
    ``None`` for ``used`` or ``well_kept`` means "not asked yet" (the desk's form has no
    pre-ticked answers, issue 18): a request that R-8 must decide then stops with an error on
    the unanswered fields instead of a refusal, while one that an earlier rule decides
    (W-1, W-C, R-9, a defect, R-1) needs no answer.
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
    used: bool | None = True  # R-8; None: not answered
    well_kept: bool | None = False  # R-8; None: not answered

    def __post_init__(self) -> None:
        if self.request not in REQUEST_KINDS:
            raise DomainError(
                N_("Unknown request %(request)r: one of %(choices)s."),
                params={"request": self.request, "choices": ", ".join(REQUEST_KINDS)},
                field="request",
            )
        defects = frozenset(self.defects)
        unknown = sorted(defects - DEFECT_CLAUSES.keys())
        if unknown:
            raise DomainError(
                N_("Unknown defect %(defects)s: the defects are %(choices)s."),
                params={"defects": ", ".join(map(repr, unknown)),
                        "choices": ", ".join(DEFECT_CLAUSES)},
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
    ``customer_pays_shipping`` is true under R-8 and in class C; ``reason`` is a message id
    with parameters citing those clauses.
    """

    coverage_class: CoverageClass | None
    factory_date: date | None
    warranty_end: date | None
    outcome: Outcome
    charged: bool
    customer_pays_shipping: bool
    clauses: tuple[str, ...]
    reason: Message


def _repair_by_class(
    coverage: Coverage, head_clauses: tuple[str, ...], head: Message, factory_date: date | None
) -> Decision:
    """A repair charged according to the coverage class A or B (W-2 with W-A or W-B)."""
    assert coverage.warranty_end is not None and coverage.coverage_class in ("A", "B")
    end = {"end": coverage.warranty_end.isoformat()}
    if coverage.coverage_class == "A":  # W-A: free in warranty
        tail = Message(N_("Class A — in warranty until %(end)s, repair free (W-2, W-A)"), end)
    else:  # W-B: charged once expired
        tail = Message(
            N_("Class B — warranty expired on %(end)s, repair charged (W-2, W-B)"), end)
    return Decision(
        coverage_class=coverage.coverage_class,
        factory_date=factory_date,
        warranty_end=coverage.warranty_end,
        outcome="repair",
        charged=coverage.coverage_class == "B",
        customer_pays_shipping=False,
        clauses=head_clauses + coverage.clauses,
        reason=Message(N_("%(first)s; %(rest)s"), {"first": head, "rest": tail}),
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
        return Decision(
            coverage_class=None, factory_date=None, warranty_end=None, outcome="refused",
            charged=False, customer_pays_shipping=False, clauses=("W-1",),
            reason=Message(N_("Refused — a product of ours without a body code gets no "
                              "after-sales service (W-1)")),
        )

    # Step 2 — W-C: not ours, maintained only; its body code is not decoded.
    if not req.own_product:
        return Decision(
            coverage_class="C", factory_date=None, warranty_end=None, outcome="repair",
            charged=True, customer_pays_shipping=True, clauses=("W-C",),
            reason=Message(N_("Repair only — not our product, only maintained by us: no "
                              "return or exchange; all costs, shipping included, borne by the "
                              "customer (W-C)")),
        )

    factory_date = req.factory_date
    assert factory_date is not None  # Request guarantees it for our product with a code
    coverage = coverage_class(True, factory_date, req.on, params.warranty_months)

    # Step 3 — R-9: OEM products are not returned after leaving the factory.
    if req.oem:
        return _repair_by_class(coverage, ("R-9",), Message(N_(
            "Repair only — OEM products are not returned or exchanged after leaving the "
            "factory (R-9)")), factory_date)

    # A plain repair request stops after step 3: a repair, charged by coverage class.
    if req.request == "repair":
        return _repair_by_class(coverage, (), Message(N_("Repair")), factory_date)

    # Step 4 — R-2 … R-5: a condition defect rules out a return or exchange.
    found = [name for name in DEFECT_CLAUSES if name in req.defects]
    if found:
        return _repair_by_class(
            coverage, tuple(DEFECT_CLAUSES[name] for name in found),
            Message(N_("Repair only — no return or exchange: %(defects)s"), {
                "defects": _clauses_joined([Message(_DEFECT_TEXT[name]) for name in found])}),
            factory_date,
        )

    # Step 5 — R-1: performance does not match what was supplied, not by human factors.
    if req.performance_mismatch and not req.human_factor:
        return Decision(
            coverage_class=coverage.coverage_class, factory_date=factory_date,
            warranty_end=coverage.warranty_end, outcome="return_or_exchange", charged=False,
            customer_pays_shipping=False, clauses=("R-1",),
            reason=Message(N_("Return or exchange, the customer's choice, no charge — "
                              "performance indicators do not match the product supplied "
                              "(R-1)")),
        )

    # Step 6 — R-8: within the window after leaving the factory, no quality problem,
    # unused and well kept (prototypes, trial units). Its facts must be known from here on.
    unanswered = {name: text for name, text in UNANSWERED.items()
                  if getattr(req, name) is None}
    if unanswered:
        raise DomainError.for_fields(unanswered, code="unanswered")
    window = params.return_window_months
    window_end = return_window_end(factory_date, window)
    in_window = within_return_window(factory_date, req.on, window)
    made = factory_date.isoformat()
    if in_window and not req.quality_problem and not req.used and req.well_kept:
        return Decision(
            coverage_class=coverage.coverage_class, factory_date=factory_date,
            warranty_end=coverage.warranty_end, outcome="exchange_or_depreciated_return",
            charged=False, customer_pays_shipping=True, clauses=("R-8",),
            reason=Message(N_(
                "Exchange for a product of the same type (equal value, or the price "
                "difference paid), or return with %(percent)s%% depreciation deducted; the "
                "customer pays all shipping — within %(window)s of leaving the factory on "
                "%(made)s (until %(until)s), no quality problem, unused and well kept (R-8)"),
                {"percent": params.return_depreciation_percent, "window": _months(window),
                 "made": made, "until": window_end.isoformat()}),
        )

    # Step 7 —: a quality problem at any age is repaired, not exchanged;
    # free in warranty (W-A), charged outside it (W-B).
    if req.quality_problem:
        end = coverage.warranty_end
        assert end is not None
        if coverage.coverage_class == "A":
            return Decision(
                coverage_class="A", factory_date=factory_date, warranty_end=end,
                outcome="repair", charged=False, customer_pays_shipping=False,
                clauses=("R-7", "R-6", *coverage.clauses),
                reason=Message(N_(
                    "Repair, not exchange — the faulty components or accessories are "
                    "replaced free (R-7, R-6); Class A — in warranty until %(end)s "
                    "(W-2, W-A)"), {"end": end.isoformat()}),
            )
        return Decision(
            coverage_class="B", factory_date=factory_date, warranty_end=end,
            outcome="repair", charged=True, customer_pays_shipping=False,
            clauses=(*coverage.clauses, "R-6"),
            reason=Message(N_(
                "Class B — warranty expired on %(end)s (W-2, W-B); repair, not exchange — "
                "the faulty components or accessories are replaced, parts and service fee "
                "charged (R-6)"), {"end": end.isoformat()}),
        )

    # Step 8 — no clause allows it: cite the clauses whose conditions were not met.
    missing: list[Message] = []
    if not in_window:
        missing.append(Message(N_("more than %(window)s since leaving the factory on %(made)s"),
                               {"window": _months(window), "made": made}))
    if req.used:
        missing.append(Message(N_("used")))
    if not req.well_kept:
        missing.append(Message(N_("not well kept")))
    r1 = Message(N_("the performance mismatch was caused by human factors")
                 if req.performance_mismatch
                 else N_("performance indicators match the product supplied"))
    if req.request == "return":
        template = N_("Refused — no clause allows this return: %(missing)s (R-8); no quality "
                      "problem to repair (R-7); %(r1)s (R-1)")
    else:
        template = N_("Refused — no clause allows this exchange: %(missing)s (R-8); no "
                      "quality problem to repair (R-7); %(r1)s (R-1)")
    return Decision(
        coverage_class=coverage.coverage_class, factory_date=factory_date,
        warranty_end=coverage.warranty_end, outcome="refused", charged=False,
        customer_pays_shipping=False, clauses=("R-8", "R-7", "R-1"),
        reason=Message(template, {"missing": _conditions_joined(missing), "r1": r1}),
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
        raise DomainError(N_("Unknown cause %(cause)r: one of %(choices)s."),
                          params={"cause": cause, "choices": ", ".join(CAUSES)}, field="cause")
    if coverage_class == "A":
        return FaultCharge(cause in EXCLUDED_CAUSES, ("W-A",))  # W-A and its exclusions
    if coverage_class == "B":
        return FaultCharge(True, ("W-B", "R-6"))  # W-B, R-6
    if coverage_class == "C":
        return FaultCharge(True, ("W-C",))  # W-C
    raise ValueError(f"no fault lines without a coverage class A, B or C: {coverage_class!r}")
