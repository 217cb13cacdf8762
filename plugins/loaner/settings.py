"""The loaner plugin's settings: ``[plugin.loaner]`` in the settings file."""

from __future__ import annotations

from pydantic import Field

from core.plugin_api import PluginSettings


class LoanerSettings(PluginSettings):
    #: E-2: the loaner is due back this many days after the repaired unit is ready.
    grace_days: int = Field(7, ge=0, le=90)
    #: Days between two reminders of an overdue loan (the first goes out on the first day).
    reminder_interval_days: int = Field(3, ge=1, le=60)
    #: Days before the due date the customer is reminded, once (0: no reminder before).
    remind_days_before: int = Field(1, ge=0, le=30)
    #: Deposit suggested on the lending form, in cents (0: no deposit unless entered).
    default_deposit_cents: int = Field(0, ge=0)
    #: Price of a missing or damaged accessory when no plugin (parts) prices it, in cents.
    accessory_price_cents: int = Field(5000, ge=0)
    #: Price of a unit returned damaged, when no plugin prices "unit damage", in cents.
    damage_price_cents: int = Field(20000, ge=0)
