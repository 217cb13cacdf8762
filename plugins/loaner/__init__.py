"""Loaner plugin (E-1, E-2): an emergency pool of same-model units per service point, lent
against a case, recalled when the repair is ready, returned complete.

Rules are pure functions in ``policy.py``; ``services.py`` applies them to the records of
``models.py`` under row locks (never lend one unit twice); ``hooks.py`` connects them to the
desk: the hold while a customer waits, the recall on ``repaired``, the ``validate_transition``
veto (E-2) on closing a case whose loaner is still out, the overdue job, panels and widget.
"""

from core.plugin_api import Manifest
from plugins.loaner.settings import LoanerSettings

MANIFEST = Manifest(
    name="loaner",
    version="0.1.0",
    depends=(),
    description="Emergency loaner pool per service point",
    settings=LoanerSettings,
)
