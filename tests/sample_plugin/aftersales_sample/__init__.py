"""A sample product line: body codes ``SMP.YYYYMMDD.N``, a notes table and a notes page.

pluggy looks for hook implementations on the module the entry point names, so the ones in
``hooks.py`` are re-exported here (as ``plugins/warranty`` does).
"""

from core.plugin_api import Manifest

MANIFEST = Manifest(
    name="sample",
    version="0.1.0",
    depends=(),
    description="Sample product line: SMP body codes and notes",
)

from aftersales_sample.hooks import (  # noqa: E402  (MANIFEST first, like warranty)
    decode_body_code,
    menu_items,
    register_permissions,
    register_routes,
)

__all__ = [
    "MANIFEST",
    "decode_body_code",
    "menu_items",
    "register_permissions",
    "register_routes",
]
