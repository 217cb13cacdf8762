"""Feedback plugin (F-*, T-3, W-5): complaints, surveys, follow-ups. Only its manifest exists
so far."""

from core.plugin_api import Manifest

MANIFEST = Manifest(
    name="feedback",
    version="0.1.0",
    depends=(),
    description="Complaints, surveys, follow-up visits and consultations",
)
