"""Training plugin (P-1, O-3): courses, sessions, exams and certifications that gate dispatch.

Rules are pure functions in ``policy.py``; ``services.py`` applies them to the records of
``models.py``; ``hooks.py`` connects them to the service desk: the ``validate_transition``
veto (P-1), panels on the case and user pages, the expiry job and the dashboard widget.
The hook implementations are in ``hooks.py``, which the plugin host registers beside
this module (docs/plugins.md), so this file holds only the manifest.
"""

from core.plugin_api import Manifest
from plugins.training.settings import TrainingSettings

MANIFEST = Manifest(
    name="training",
    version="0.1.0",
    depends=(),
    description="Courses, exams and certifications that gate dispatch",
    settings=TrainingSettings,
)
