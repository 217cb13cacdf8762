"""Pure rules of the feedback plugin (F-1, F-2, F-3, T-3): the SLA clock in working hours,
routing a complaint to a department, the complaint workflow and the survey scores.

No database and no web here, so the rules are tested without an app.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from core.plugin_api import N_, Conflict

#: new → assigned (an owner took it) → replied (the answer went to the customer, F-2) → closed.
STATES = ("new", "assigned", "replied", "closed")
OPEN = ("new", "assigned", "replied")
KINDS = ("complaint", "suggestion")
CHANNELS = ("desk", "phone", "email", "web")
TOPICS = ("product_quality", "repair_quality", "turnaround", "staff", "charges", "logistics",
          "other")
FOLLOWUP_METHODS = ("phone", "onsite")
FOLLOWUP_OUTCOMES = ("satisfied", "problem", "unreachable")
CALLBACK_STATES = ("open", "done")
#: A CSAT at or below this (1..5) or an NPS at or below this (0..10) asks for a call back.
LOW_CSAT = 2
LOW_NPS = 6


def add_working_hours(start: datetime, hours: float, tz: tzinfo, day_start: int = 9,
                      day_end: int = 18, holidays: Iterable[date] = ()) -> datetime:
    """``start`` plus ``hours`` of working time (Monday to Friday, ``day_start`` to
    ``day_end`` local time in ``tz``); returns an aware datetime in ``tz``.

    Why working hours: a complaint filed on Friday evening is not late on Sunday (Odoo's and
    Frappe's SLA clocks count the team's working calendar the same way). ``holidays`` are
    local days off besides the weekend (ANCHORS OT#1168: the calendar knows public holidays).
    """
    if day_end <= day_start:
        raise ValueError("the working day must end after it starts")
    off = frozenset(holidays)
    remaining = timedelta(hours=hours)
    current = start.astimezone(tz)
    while True:
        day = current.date()
        opens = datetime.combine(day, time(day_start), tz)
        closes = datetime.combine(day, time(0), tz) + timedelta(hours=day_end)
        if day.weekday() >= 5 or day in off or current >= closes:
            current = datetime.combine(day + timedelta(days=1), time(day_start), tz)
            continue
        current = max(current, opens)
        left_today = closes - current
        if remaining <= left_today:
            return current + remaining
        remaining -= left_today
        current = datetime.combine(day + timedelta(days=1), time(day_start), tz)


def working_time_between(start: datetime, end: datetime, tz: tzinfo, day_start: int = 9,
                         day_end: int = 18, holidays: Iterable[date] = ()) -> timedelta:
    """The working time (as :func:`add_working_hours` counts it) from ``start`` to ``end``;
    zero when ``end`` is not after ``start``. How long a paused SLA clock stood still."""
    off = frozenset(holidays)
    total = timedelta(0)
    current, end = start.astimezone(tz), end.astimezone(tz)
    while current < end:
        day = current.date()
        opens = datetime.combine(day, time(day_start), tz)
        closes = datetime.combine(day, time(0), tz) + timedelta(hours=day_end)
        if day.weekday() < 5 and day not in off:
            lo, hi = max(current, opens), min(end, closes)
            if hi > lo:
                total += hi - lo
        current = datetime.combine(day + timedelta(days=1), time(0), tz)
    return total


def check_wait(state: str, waiting: bool) -> None:
    """The clock pauses only on an open complaint that is not waiting already."""
    if state == "closed":
        raise Conflict(N_("This complaint is already closed."), code="invalid_state")
    if waiting:
        raise Conflict(N_("This complaint is already waiting for the customer."),
                       code="invalid_state")


def check_resume(waiting: bool) -> None:
    if not waiting:
        raise Conflict(N_("This complaint is not waiting for the customer."),
                       code="invalid_state")


@dataclass(frozen=True)
class Rule:
    """A routing rule: empty fields match anything; the most specific match wins, then the
    lowest position."""

    department_id: int
    topic: str = ""
    product_line: str = ""
    region_id: int | None = None
    position: int = 0

    def matches(self, topic: str, product_line: str, region_id: int | None) -> bool:
        return ((not self.topic or self.topic == topic)
                and (not self.product_line or self.product_line == product_line)
                and (self.region_id is None or self.region_id == region_id))

    @property
    def specificity(self) -> int:
        return bool(self.topic) + bool(self.product_line) + (self.region_id is not None)


def route(rules: Iterable[Rule], topic: str, product_line: str, region_id: int | None
          ) -> int | None:
    """F-2: the department responsible for a complaint, or ``None`` when no rule matches."""
    found = [r for r in rules if r.matches(topic, product_line, region_id)]
    if not found:
        return None
    return min(found, key=lambda r: (-r.specificity, r.position)).department_id


def sla_state(due: datetime | None, done: datetime | None, now: datetime) -> str:
    """``met``, ``failed`` (done late, or not done and past due: a failed SLA stays failed),
    or ``running``."""
    if due is None:
        return "running"
    if done is not None:
        return "met" if done <= due else "failed"
    return "failed" if now > due else "running"


def check_close(state: str, replied: bool) -> None:
    """F-2: the handling and result go back to the customer before a complaint closes."""
    if state == "closed":
        raise Conflict(N_("This complaint is already closed."), code="invalid_state")
    if not replied:
        raise Conflict(N_("Reply to the customer before closing: the handling and result go "
                          "back to the customer (F-2)."), code="reply_required")


def check_reply(state: str) -> None:
    if state == "closed":
        raise Conflict(N_("This complaint is already closed."), code="invalid_state")


def nps(scores: Sequence[int]) -> int | None:
    """Net promoter score: % of 9–10 minus % of 0–6, rounded; ``None`` without answers."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores))


def csat(scores: Sequence[int]) -> float | None:
    """Mean satisfaction on 1–5, one decimal; ``None`` without answers."""
    return round(sum(scores) / len(scores), 1) if scores else None


def needs_callback(csat_score: int | None, nps_score: int | None) -> bool:
    return ((csat_score is not None and csat_score <= LOW_CSAT)
            or (nps_score is not None and nps_score <= LOW_NPS))


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """``start`` plus ``days`` working days (Monday to Friday, not a holiday); 0 days from a
    day off gives the next working day."""
    off = set(holidays)
    current = start
    while current.weekday() >= 5 or current in off:
        current += timedelta(days=1)
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in off:
            left -= 1
    return current


def followup_dates(closed_on: date, days: Iterable[int]) -> list[tuple[int, date]]:
    """T-3: the visits due after a case closed on ``closed_on``."""
    return [(d, closed_on + timedelta(days=d)) for d in sorted(set(days)) if d > 0]
