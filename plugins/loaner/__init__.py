"""Loaner plugin (E-*): emergency loaner pools. Only its manifest exists so far."""

from core.manifest import Manifest

MANIFEST = Manifest(
    name="loaner",
    version="0.1.0",
    depends=(),
    description="Emergency loaner pool per service point",
)
