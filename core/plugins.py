"""Plugin discovery, dependency checking and load order.

Plugins are found through the entry point group ``aftersales.plugins`` (the built-ins are
listed there too, so a third-party product line is discovered exactly like ``warranty``).
Only the plugins named in settings are imported. Load order is a topological order of
``depends`` with ties broken by name, so it is the same on every machine.
"""

from __future__ import annotations

import graphlib
import importlib
import importlib.util
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from core import hookspecs
from core.manifest import PROJECT_NAME, Manifest

ENTRY_POINT_GROUP = "aftersales.plugins"


class PluginError(Exception):
    """The enabled plugin set cannot be loaded; the message says what to change."""


@dataclass(frozen=True)
class LoadedPlugin:
    """An enabled, imported plugin."""

    manifest: Manifest
    module: ModuleType

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def package_dir(self) -> Path:
        return Path(self.module.__file__ or "").parent

    @property
    def migrations_dir(self) -> Path | None:
        versions = self.package_dir / "migrations" / "versions"
        return versions if versions.is_dir() else None

    @property
    def hooks_module(self) -> ModuleType | None:
        """The plugin's ``hooks`` submodule, registered with pluggy beside the package, so a
        plugin's ``__init__`` holds only its MANIFEST (no re-exports). ``None`` when there is
        none, or when the package re-exports its hooks itself (registered once, not twice)."""
        if self.module.__spec__ is None or not self.module.__spec__.submodule_search_locations:
            return None
        name = f"{self.module.__name__}.hooks"
        if importlib.util.find_spec(name) is None:
            return None
        hooks = importlib.import_module(name)
        marker = f"{PROJECT_NAME}_impl"
        if any(hasattr(getattr(self.module, attr), marker) for attr in dir(self.module)
               if not attr.startswith("_")):
            return None
        return hooks

    @property
    def templates_dir(self) -> Path | None:
        path = self.package_dir / "templates"
        return path if path.is_dir() else None

    @property
    def static_dir(self) -> Path | None:
        path = self.package_dir / "static"
        return path if path.is_dir() else None


def available_plugins() -> dict[str, EntryPoint]:
    """Installed plugins by name (not imported)."""
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return dict(sorted(found.items()))


def _import(name: str, ep: EntryPoint) -> LoadedPlugin:
    module = importlib.import_module(ep.value.split(":")[0])
    manifest = getattr(module, "MANIFEST", None)
    if not isinstance(manifest, Manifest):
        raise PluginError(f"plugin {name!r} ({ep.value}) has no MANIFEST = Manifest(...)")
    if manifest.name != name:
        raise PluginError(
            f"plugin entry point {name!r} points at a module whose MANIFEST is named "
            f"{manifest.name!r}; the two names must agree"
        )
    return LoadedPlugin(manifest, module)


def resolve(enabled: Iterable[str], source: str = "settings") -> list[LoadedPlugin]:
    """Import the enabled plugins and return them in load order, or explain what is wrong."""
    enabled = list(enabled)
    available = available_plugins()
    names = ", ".join(available) or "none"
    for name in enabled:
        if name not in available:
            raise PluginError(
                f"unknown plugin {name!r} in {source} (key 'plugins'); available: {names}"
            )
    loaded = {name: _import(name, available[name]) for name in enabled}
    for plugin in loaded.values():
        for needed in plugin.manifest.depends:
            if needed in loaded:
                continue
            where = "is installed but not enabled" if needed in available else "is not installed"
            raise PluginError(
                f"plugin {plugin.name!r} needs {needed!r}, which {where}; "
                f"enabled: {', '.join(enabled) or 'none'}; available: {names}"
            )
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for name in sorted(loaded):
        sorter.add(name, *sorted(loaded[name].manifest.depends))
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise PluginError(f"plugins depend on each other in a cycle: {cycle}") from None
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return [loaded[name] for name in order]


def make_plugin_manager(plugins: list[LoadedPlugin]) -> pluggy.PluginManager:
    """One manager per app: core's own hook implementations first, then plugins in order.

    pluggy calls the most recently registered implementation first, so a plugin that depends
    on another (a product line on top of warranty) answers ``firstresult`` hooks before it.
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for module_name in CORE_HOOK_MODULES:
        pm.register(importlib.import_module(module_name), name=f"core:{module_name}")
    for plugin in plugins:
        pm.register(plugin.module, name=plugin.name)
        hooks = plugin.hooks_module
        if hooks is not None:
            pm.register(hooks, name=f"{plugin.name}:hooks")
    pm.check_pending()
    return pm


def owner_of(plugin_name: str) -> str:
    """The plugin a registered hook object belongs to: ``warranty:hooks`` is warranty's,
    ``core:core.builtin.desk_api`` is core's."""
    return plugin_name.split(":", 1)[0]


#: Core's own hook implementations, registered before any plugin.
CORE_HOOK_MODULES: tuple[str, ...] = (
    "core.builtin.shell",
    "core.builtin.admin",
    "core.builtin.desk_api",
    "core.builtin.desk_pages",
    "core.builtin.imports",
    "core.builtin.customers",  # issue 18
    "core.builtin.security",  # issue 17
    "core.builtin.queue",  # issue 13
    "core.builtin.notices",  # staff notices
    "core.builtin.views",  # issue 18: board, calendar, status link
)


def call_each(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any
              ) -> Iterator[tuple[str, list[Any]]]:
    """Call ``hook_name`` once per registered object, oldest first, through pluggy.

    Some callers must know whose answer is whose (a veto names its plugin; a duplicate route
    names both owners). Calling ``impl.function`` directly would skip pluggy's machinery, so
    wrappers and tracing would not see the call; instead each implementation is called
    through a subset caller holding it and every wrapper. Yields ``(owner, results)``, where
    ``results`` is what pluggy returned for that implementation (empty when it answered
    None).
    """
    hook = getattr(pm.hook, hook_name)
    impls = hook.get_hookimpls()
    answering = [impl for impl in impls if not (impl.hookwrapper or impl.wrapper)]
    for impl in answering:
        others = {id(other.plugin): other.plugin for other in answering
                  if other.plugin is not impl.plugin}
        caller = pm.subset_hook_caller(hook_name, remove_plugins=others.values())
        results = caller(**kwargs)
        if not isinstance(results, list):  # a firstresult hook answers one value or None
            results = [] if results is None else [results]
        yield owner_of(impl.plugin_name), results
