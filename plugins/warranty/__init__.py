"""Warranty plugin (W-*, R-*): coverage A/B/C from the body code, pricing by class with the
W-A exclusions, return and exchange decisions with clause ids.

The rules are pure functions in ``policy.py``; ``hooks.py`` connects them to the service
desk and is registered by the plugin host beside this module (docs/plugins.md), so this file
holds only the manifest.
"""

from core.plugin_api import Manifest
from plugins.warranty.settings import WarrantySettings

MANIFEST = Manifest(
    name="warranty",
    version="0.1.0",
    depends=(),
    description="Coverage A/B/C from the body code, return and exchange decisions",
    settings=WarrantySettings,
)
