"""The feedback plugin's settings: ``[plugin.feedback]`` in the settings file."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from core.plugin_api import PluginSettings


class FeedbackSettings(PluginSettings):
    #: T-3: follow-up visits after a case closes, in days (POLICY parameters: 7 and 90).
    followup_days: list[int] = Field(default_factory=lambda: [7, 90])
    #: F-1: send a satisfaction survey when a case closes.
    survey_after_close: bool = True
    #: Send the survey this many days after the close, once the repaired unit has worked a
    #: while (ANCHORS: practice is to ask after the case is solved, not at the counter).
    survey_delay_days: int = Field(0, ge=0, le=60)
    #: Ask a customer at most once in this many days (NPS practice: at most monthly).
    survey_min_interval_days: int = Field(30, ge=0, le=365)
    #: How long a survey link stays valid, in days.
    survey_link_days: int = Field(30, ge=1, le=365)
    #: Prefix of the public survey link in messages (``https://service.example.com``); empty
    #: gives a path only, for instances behind a proxy that adds the host.
    public_base_url: str = ""
    #: The SLA clock's working day, in the instance's time zone (hours, 24 h clock).
    workday_start_hour: int = Field(9, ge=0, le=23)
    workday_end_hour: int = Field(18, ge=1, le=24)
    #: Public pages (the complaint form, survey answers): at most this many messages from one
    #: client address in ``public_window_minutes``; then a 429 page until the window passes.
    public_max_posts: int = Field(5, ge=1, le=1000)
    public_window_minutes: int = Field(60, ge=1, le=24 * 60)
    #: A low survey score opens a call back due this many working days after the answer.
    callback_days: int = Field(2, ge=0, le=30)
    #: Days off besides the weekend (public holidays), local dates: the SLA clock and the
    #: call-back due dates skip them. ``holidays = [2027-01-01, 2027-02-10]`` in the TOML.
    holidays: list[date] = Field(default_factory=list)
