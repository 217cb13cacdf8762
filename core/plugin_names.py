"""The enabled plugins' names, read without validating the rest of the settings.

``aftersales --help`` lists the plugins' commands, so it must know which plugins are on; the
full ``core.settings`` import (pydantic and its models) cost more than the rest of
``--help`` together (issue 11: the aim is under 0.2 s). This reads only the ``plugins`` key,
the same way ``core.settings.load_settings`` does: ``AFTERSALES_PLUGINS`` (comma-separated)
over the settings file's ``plugins`` over the built-in list. Anything it cannot read gives
``None``; the command that runs then loads the real settings and reports the problem.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

#: The plugins an instance runs when its settings do not say (``core.settings`` uses it).
BUILTIN_PLUGINS = ["warranty", "loaner", "training", "parts", "feedback"]
DEFAULT_CONFIG_FILE = "aftersales.toml"
ENV_NAME = "AFTERSALES_PLUGINS"


def enabled_plugin_names(config: str | None, environ: Mapping[str, str] | None = None
                         ) -> list[str] | None:
    environ = os.environ if environ is None else environ
    if ENV_NAME in environ:
        return [name.strip() for name in environ[ENV_NAME].split(",") if name.strip()]
    path = Path(config or environ.get("AFTERSALES_CONFIG") or DEFAULT_CONFIG_FILE)
    if not path.exists():
        return None if (config or "AFTERSALES_CONFIG" in environ) else list(BUILTIN_PLUGINS)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    names = data.get("plugins", BUILTIN_PLUGINS)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    return list(names)
