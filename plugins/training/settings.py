"""The training plugin's settings: ``[plugin.training]`` in the settings file."""

from __future__ import annotations

from pydantic import Field

from core.plugin_api import PluginSettings


class TrainingSettings(PluginSettings):
    #: P-1: how long a certification lasts when its course does not say otherwise.
    certification_validity_months: int = Field(24, ge=1, le=240)
