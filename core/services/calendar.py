"""The calendar (issue 18, item 6): a month grid of on-site visits (P-7: cases with
``onsite_from``) and whatever plugins put there through ``calendar_entries`` (the training
plugin's sessions). Days are the instance's; times are stored in UTC."""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pluggy
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.entities import ServiceCase
from core.errors import DomainError
from core.hooktypes import CalendarEntry
from core.i18n import N_
from core.settings import Settings


@dataclass(frozen=True)
class Month:
    first: date
    weeks: list[list[date]]  # Monday first, whole weeks around the month
    entries: dict[date, list[CalendarEntry]]

    @property
    def previous(self) -> str:
        return (self.first - timedelta(days=1)).strftime("%Y-%m")

    @property
    def next(self) -> str:
        return (self.first + timedelta(days=32)).replace(day=1).strftime("%Y-%m")


def parse_month(value: str, today: date) -> date:
    if not value:
        return today.replace(day=1)
    try:
        year, month = (int(part) for part in value.split("-", 1))
        return date(year, month, 1)
    except ValueError:
        raise DomainError(N_("%(value)r is not a month (YYYY-MM)."), params={"value": value},
                          field="month", status_code=400) from None


def onsite_visits(session: Session, settings: Settings, start: date, end: date
                  ) -> list[CalendarEntry]:
    """Cases with an on-site visit (P-7) that overlaps the days ``start``..``end``."""
    tz = settings.tz
    low = datetime.combine(start, time.min, tzinfo=tz)
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    found = []
    for case in session.scalars(select(ServiceCase).where(
            ServiceCase.onsite_from.is_not(None), ServiceCase.onsite_from < high,
            ServiceCase.state.not_in(("cancelled", "refused")),
            (ServiceCase.onsite_to.is_(None) & (ServiceCase.onsite_from >= low))
            | (ServiceCase.onsite_to >= low))
            .order_by(ServiceCase.onsite_from, ServiceCase.id)):
        assert case.onsite_from is not None
        begins = case.onsite_from.astimezone(tz)
        ends = (case.onsite_to or case.onsite_from).astimezone(tz)
        who = case.technician.display_name if case.technician else ""
        found.append(CalendarEntry(
            starts=begins.date(), ends=max(ends.date(), begins.date()), kind="core.onsite",
            title=f"{case.reference} {case.contact_name}", url=f"/desk/cases/{case.id}",
            detail=" · ".join(p for p in (who, case.onsite_address or case.address) if p),
            at=case.onsite_from))
    return found


def month(session: Session, pm: pluggy.PluginManager, settings: Settings, first: date
          ) -> Month:
    weeks = _calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start, end = weeks[0][0], weeks[-1][-1]
    entries: dict[date, list[CalendarEntry]] = {day: [] for week in weeks for day in week}
    found = onsite_visits(session, settings, start, end)
    for answer in pm.hook.calendar_entries(session=session, start=start, end=end):
        found.extend(answer or [])
    for entry in sorted(found, key=lambda e: (e.starts, e.at.timestamp() if e.at else 0.0,
                                              e.title)):
        day = max(entry.starts, start)
        while day <= min(entry.ends, end):
            entries[day].append(entry)
            day += timedelta(days=1)
    return Month(first, weeks, entries)
