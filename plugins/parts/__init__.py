"""Parts plugin (R-6, P-5, O-1): the parts catalogue, warehouses and a stock ledger by
condition, reservations and issues to cases (priced by the warranty rules through
``price_charge``), transfers, requisitions, reorder points, the tools register and reports.

``stock.py`` is the ledger and its locks; ``services.py`` the work; ``api.py`` and
``views.py`` the API and pages; ``hooks.py`` connects them to core (registered by the host).
"""

from core.plugin_api import Manifest

MANIFEST = Manifest(
    name="parts",
    version="0.1.0",
    depends=(),
    description="Parts catalogue, warehouses and stock",
)
