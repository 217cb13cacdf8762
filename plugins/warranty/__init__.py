"""Warranty plugin (W-*, R-*): coverage A/B/C from the body code, exclusions, return and
exchange decisions with clause ids. Only its manifest exists so far (issue 6)."""

from core.manifest import Manifest

MANIFEST = Manifest(
    name="warranty",
    version="0.1.0",
    depends=(),
    description="Coverage A/B/C from the body code, return and exchange decisions",
)
