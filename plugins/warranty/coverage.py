"""Turning the pure policy into answers about units and cases in this instance."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.plugin_api import N_, Coverage, ServiceCase, Unit, plugin_settings
from plugins.warranty import policy
from plugins.warranty.texts import english

#: What core keeps as the case's coverage reason for a reason with a date: core shows it
#: through the catalogues (``_(case.coverage_reason)``, issue 18), so it must be a message id
#: without parameters; the date is on the warranty panel ("Warranty end", and the reason
#: with its date in the reader's language).
STORED_REASONS = {
    "Class A — in warranty until %(end)s (W-2, W-A)": N_("Class A — in warranty (W-2, W-A)"),
    "Class B — warranty expired on %(end)s (W-2, W-B)": N_(
        "Class B — warranty expired (W-2, W-B)"),
}


def params_for(session: Session, unit: Unit | None) -> policy.WarrantyParams:
    """The instance's parameters with the unit's model override (W-2)."""
    params = policy.WarrantyParams.from_settings(plugin_settings(session, "warranty"))
    model_months = unit.model.warranty_months if unit is not None and unit.model else None
    return params.for_model(model_months)


def coverage_of(session: Session, own_product: bool, unit: Unit | None, on: date
                ) -> policy.Coverage:
    params = params_for(session, unit)
    factory_date = unit.factory_date if unit is not None and own_product else None
    return policy.coverage_class(own_product, factory_date, on, params.warranty_months)


def assess_case(session: Session, case: ServiceCase) -> Coverage | None:
    """W-3: C if not ours; A/B from the body-code date and the intake date (POLICY: a unit
    that arrived in warranty stays in warranty while it waits for inspection)."""
    if case.own_product and (case.unit is None or case.unit.factory_date is None):
        return None  # W-1 refused cases never reach inspection
    found = coverage_of(session, case.own_product, case.unit, case.intake_on)
    if found.coverage_class is None:
        return None
    # core keeps the reason as text on the case and shows it through the catalogues: a
    # message id (the reasons without parameters are their own); the panel shows the dated one
    reason = STORED_REASONS.get(found.reason.template) or english(found.reason)
    return Coverage(coverage_class=found.coverage_class, clauses=found.clauses,
                    reason=reason, warranty_end=found.warranty_end,
                    months=params_for(session, case.unit).warranty_months)
