"""Warranty plugin (W-*, R-*): coverage A/B/C from the body code, pricing by class with the
W-A exclusions, return and exchange decisions with clause ids.

The rules are pure functions in ``policy.py``; ``hooks.py`` connects them to the service
desk; pluggy finds the hook implementations on this module, hence the re-export below.
"""

from core.plugin_api import Manifest

MANIFEST = Manifest(
    name="warranty",
    version="0.1.0",
    depends=(),
    description="Coverage A/B/C from the body code, return and exchange decisions",
)

from plugins.warranty.hooks import (  # noqa: E402  (MANIFEST first: hooks import views)
    assess_coverage,
    detail_panels,
    menu_items,
    price_charge,
    register_permissions,
    register_routes,
    unit_timeline,
)

__all__ = [
    "MANIFEST",
    "assess_coverage",
    "detail_panels",
    "menu_items",
    "price_charge",
    "register_permissions",
    "register_routes",
    "unit_timeline",
]
