"""Loaner plugin (E-*): emergency loaner pools. Only its manifest exists so far."""

from core.plugin_api import Manifest

MANIFEST = Manifest(
    name="loaner",
    version="0.1.0",
    depends=(),
    description="Emergency loaner pool per service point",
)
