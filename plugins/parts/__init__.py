"""Parts plugin (R-6, P-5, O-1): parts warehouses and stock. Only its manifest exists so far."""

from core.plugin_api import Manifest

MANIFEST = Manifest(
    name="parts",
    version="0.1.0",
    depends=(),
    description="Parts catalogue, warehouses and stock",
)
