"""What a plugin says about itself, and the pluggy markers plugins decorate hooks with.

A plugin module imports only this module (and ``core.hookspecs`` types) from core to declare
itself, so writing a plugin needs no knowledge of how the host loads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pluggy

PROJECT_NAME = "aftersales"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@dataclass(frozen=True)
class Manifest:
    """A plugin's identity: its ``name`` is the name used in settings and entry points.

    ``depends`` lists plugin names that must be enabled too and are loaded first; a plugin may
    import another only along ``depends`` (otherwise plugins talk through hooks).
    """

    name: str
    version: str
    depends: tuple[str, ...] = ()
    description: str = ""
    #: The plugin's settings model (a ``core.plugin_api.PluginSettings`` subclass), filled
    #: from ``[plugin.<name>]`` of the settings file and checked strictly at start-up.
    settings: Any = None
