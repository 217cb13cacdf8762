"""Feedback plugin (F-1..3, T-3, W-5, O-2, O-4): complaints routed to departments with an SLA
and a reply to the customer, satisfaction surveys after a case closes through single-use
links, follow-up visits, consultations and service bulletins.

Rules are pure functions in ``policy.py``; ``services.py`` applies them to ``models.py``;
``hooks.py`` connects them to the desk. This file holds only the manifest.
"""

from core.plugin_api import Manifest
from plugins.feedback.settings import FeedbackSettings

MANIFEST = Manifest(
    name="feedback",
    version="0.1.0",
    depends=(),
    description="Complaints, surveys, follow-up visits, consultations and service bulletins",
    settings=FeedbackSettings,
)
