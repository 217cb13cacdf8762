"""Turning the pure policy into answers about units and cases in this instance."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.plugin_api import Coverage, ServiceCase, Unit, plugin_settings
from plugins.warranty import policy
from plugins.warranty.texts import english


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
    # core keeps the reason as text on the case; the warranty panel shows it localised
    return Coverage(coverage_class=found.coverage_class, clauses=found.clauses,
                    reason=english(found.reason), warranty_end=found.warranty_end,
                    months=params_for(session, case.unit).warranty_months)
