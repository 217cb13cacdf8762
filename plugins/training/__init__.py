"""Training plugin (P-1, O-3): courses, sessions, exams and certifications that gate dispatch.

Rules are pure functions in ``policy.py``; ``services.py`` applies them to the records of
``models.py``; ``hooks.py`` connects them to the service desk: the ``validate_transition``
veto (P-1), panels on the case and user pages, the expiry job and the dashboard widget.
pluggy finds the hook implementations on this module, hence the re-export below.
"""

from core.plugin_api import Manifest

MANIFEST = Manifest(
    name="training",
    version="0.1.0",
    depends=(),
    description="Courses, exams and certifications that gate dispatch",
)

from plugins.training.hooks import (  # noqa: E402  (MANIFEST first: hooks import views)
    dashboard_widgets,
    detail_panels,
    menu_items,
    register_jobs,
    register_permissions,
    register_routes,
    seed_demo,
    validate_transition,
)

__all__ = [
    "MANIFEST",
    "dashboard_widgets",
    "detail_panels",
    "menu_items",
    "register_jobs",
    "register_permissions",
    "register_routes",
    "seed_demo",
    "validate_transition",
]
