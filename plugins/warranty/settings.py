"""The warranty plugin's settings: ``[plugin.warranty]`` in the settings file.

These are the warranty rows of POLICY.md's parameters table (W-2, R-7, R-8), with its
defaults. They were core's ``[policy]`` keys until the plugin owned them (issue 12 item 3);
a settings file that still has them under ``[policy]`` stops at start-up with a message
naming this table. The per-model warranty length (W-2's override) stays on the product model
in core's catalogue, where HQ keeps the models.
"""

from __future__ import annotations

from pydantic import Field

from core.plugin_api import PluginSettings


class WarrantySettings(PluginSettings):
    #: W-2: months of free warranty after the factory date (a model may set its own).
    warranty_months: int = Field(24, ge=1, le=240)
    #: R-7, R-8: months after leaving the factory within which an unused, well-kept unit
    #: may be exchanged or returned.
    return_window_months: int = Field(1, ge=0, le=24)
    #: R-8: the depreciation deducted from the refund of a return, in percent.
    return_depreciation_percent: int = Field(10, ge=0, le=100)
