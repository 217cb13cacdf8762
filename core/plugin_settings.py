"""Plugin-owned settings: each plugin declares its typed model, validated strictly at start.

A plugin's parameters (the loaner's grace days, the follow-up visit days, how long a
certification lasts) belong to the plugin, not to core: a regional instance without the plugin
has no such setting, and a product-line plugin adds its own without touching core. They live
in the settings file under ``[plugin.<name>]`` (``plugins`` is already the list of enabled
plugins, so TOML cannot also make it a table) and in ``AFTERSALES_PLUGIN__<NAME>__<KEY>``.

Validation is as strict as core's: an unknown key or a wrong type stops startup with a
message naming ``[plugin.<name>] <key>`` and the file. A table for an installed plugin that is
not enabled is kept and ignored (the same file serves HQ and a trimmed region); a table for a
plugin that is not installed at all is a typo and stops startup.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from core.settings import Settings, SettingsError


class PluginSettings(BaseModel):
    """Base class of a plugin's settings model: unknown keys refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _coerce_env_lists(model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """Environment values are strings; a list field takes a comma-separated one."""
    coerced = dict(values)
    for key, value in values.items():
        field = model.model_fields.get(key)
        if field is None or not isinstance(value, str):
            continue
        if typing.get_origin(field.annotation) is list or field.annotation is list:
            coerced[key] = [item.strip() for item in value.split(",") if item.strip()]
    return coerced


def validate_plugin_settings(settings: Settings, plugins: Iterable[Any],
                             installed: Iterable[str]) -> dict[str, PluginSettings]:
    """Each enabled plugin's settings model filled from ``[plugin.<name>]`` (defaults when
    the table is absent). ``plugins`` are the loaded plugins (with a ``manifest``)."""
    installed = set(installed)
    for name in settings.plugin:
        if name not in installed:
            raise SettingsError(f"{settings.source}: [plugin.{name}]: no plugin {name!r} is "
                                f"installed; installed: {', '.join(sorted(installed))}")
    result: dict[str, PluginSettings] = {}
    for plugin in plugins:
        manifest = plugin.manifest
        raw = settings.plugin.get(manifest.name, {})
        model = manifest.settings
        if model is None:
            if raw:
                raise SettingsError(f"{settings.source}: [plugin.{manifest.name}]: this "
                                    "plugin has no settings")
            continue
        try:
            result[manifest.name] = model.model_validate(_coerce_env_lists(model, raw))
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                key = ".".join(str(part) for part in error["loc"])
                if error["type"] == "extra_forbidden":
                    problems.append(f"[plugin.{manifest.name}] unknown key {key!r}")
                else:
                    problems.append(f"[plugin.{manifest.name}] {key}: {error['msg']}")
            raise SettingsError(f"{settings.source}: " + "; ".join(problems)) from None
    return result


def plugin_settings(source: Any, name: str) -> Any:
    """The validated settings of plugin ``name``, from a session (``session.info``) or an
    app (``app.state``). Raises ``KeyError`` for a plugin without settings or not enabled."""
    info = getattr(source, "info", None)
    if isinstance(info, dict) and "plugin_settings" in info:
        return info["plugin_settings"][name]
    return source.state.plugin_settings[name]
