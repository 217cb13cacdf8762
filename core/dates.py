"""Calendar arithmetic the policy needs, in one place (W-2 warranty ends, P-1 expiries).

Policy dates are calendar dates in the instance's time zone (DESIGN.md "Money and time");
these helpers are pure so policy modules may use them.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, tzinfo


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, clamped to the end of a shorter month.

    W-2 counts the warranty in months "with month arithmetic clamping to month end", so
    2024-02-29 + 24 months is 2026-02-28 and 2024-01-31 + 1 month is 2024-02-29. Negative
    ``months`` move backwards the same way.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_date(moment: datetime, tz: tzinfo) -> date:
    """The calendar day ``moment`` falls on in the instance's time zone."""
    return moment.astimezone(tz).date()
