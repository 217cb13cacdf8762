"""A sample product line: body codes ``SMP.YYYYMMDD.N``, a notes table and a notes page.

Its hook implementations are in ``hooks.py``, registered by the plugin host beside this
module, so this file holds only the manifest (docs/plugins.md).
"""

from core.plugin_api import Manifest

MANIFEST = Manifest(
    name="sample",
    version="0.1.0",
    depends=(),
    description="Sample product line: SMP body codes and notes",
)
