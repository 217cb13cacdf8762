"""The pure rules: the SLA clock counts working hours (across a weekend), routing picks the
most specific rule, NPS and CSAT, follow-up dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import Conflict
from plugins.feedback import policy

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=TZ)  # 2026-12-04 is a Friday


def test_working_hours_skip_the_weekend() -> None:
    assert at(4, 17).weekday() == 4
    assert policy.add_working_hours(at(4, 17), 2, TZ) == at(7, 10)  # Friday 17:00 + 2 h
    assert policy.add_working_hours(at(5, 12), 1, TZ) == at(7, 10)  # Saturday: from Monday
    assert policy.add_working_hours(at(3, 20), 3, TZ) == at(4, 12)  # after hours
    assert policy.add_working_hours(at(1, 9), 18, TZ) == at(2, 18)  # two full days
    assert policy.add_working_hours(at(4, 7), 0.5, TZ) == at(4, 9, 30)  # before opening


def test_a_utc_start_is_counted_in_the_local_day() -> None:
    start = datetime(2026, 12, 4, 9, 0, tzinfo=ZoneInfo("UTC"))  # 17:00 in Shanghai
    assert policy.add_working_hours(start, 2, TZ) == at(7, 10)


def test_routing_prefers_the_most_specific_rule() -> None:
    rules = [policy.Rule(1), policy.Rule(2, topic="charges"),
             policy.Rule(3, topic="charges", region_id=7), policy.Rule(4, product_line="mixer")]
    assert policy.route(rules, "charges", "amplifier", 7) == 3
    assert policy.route(rules, "charges", "amplifier", 8) == 2
    assert policy.route(rules, "staff", "mixer", 8) == 4
    assert policy.route(rules, "staff", "amplifier", 8) == 1
    assert policy.route([], "staff", "", None) is None


def test_sla_states() -> None:
    assert policy.sla_state(at(4, 10), None, at(4, 9)) == "running"
    assert policy.sla_state(at(4, 10), None, at(4, 11)) == "failed"
    assert policy.sla_state(at(4, 10), at(4, 9), at(4, 11)) == "met"
    assert policy.sla_state(at(4, 10), at(4, 11), at(4, 12)) == "failed"


def test_closing_needs_a_reply() -> None:
    with pytest.raises(Conflict) as refused:
        policy.check_close("assigned", replied=False)
    assert refused.value.code == "reply_required"
    policy.check_close("replied", replied=True)


def test_scores() -> None:
    assert policy.nps([10, 9, 8, 3]) == 25
    assert policy.nps([]) is None
    assert policy.csat([5, 4, 4]) == 4.3
    assert policy.needs_callback(2, 9) and policy.needs_callback(5, 6)
    assert not policy.needs_callback(4, 8)


def test_followup_dates() -> None:
    assert policy.followup_dates(date(2026, 12, 1), [90, 7, 7]) == [
        (7, date(2026, 12, 8)), (90, date(2027, 3, 1))]


def test_holidays_are_skipped_like_the_weekend() -> None:
    """Gap 8 (ANCHORS OT#1168): a public holiday is not a working day."""
    monday = date(2026, 12, 7)
    assert policy.add_working_hours(at(4, 17), 2, TZ, holidays=[monday]) == at(8, 10)
    assert policy.add_working_hours(at(7, 12), 1, TZ, holidays=[monday]) == at(8, 10)
    assert policy.working_time_between(at(4, 17), at(8, 10), TZ, holidays=[monday]) == \
        timedelta(hours=2)


def test_working_time_between_counts_only_working_hours() -> None:
    """How long a paused clock stood still: weekend and nights do not count."""
    assert policy.working_time_between(at(4, 17), at(7, 10), TZ) == timedelta(hours=2)
    assert policy.working_time_between(at(7, 10), at(7, 10, 30), TZ) == timedelta(minutes=30)
    assert policy.working_time_between(at(7, 10), at(4, 10), TZ) == timedelta(0)
    assert policy.working_time_between(at(5, 10), at(6, 20), TZ) == timedelta(0)  # weekend
    assert policy.working_time_between(at(1, 9), at(2, 18), TZ) == timedelta(hours=18)
    # pausing and resuming moves the due by the working time the pause took
    due = policy.add_working_hours(at(4, 17), 16, TZ)
    stood = policy.working_time_between(at(4, 17), at(7, 11), TZ)
    assert policy.add_working_hours(due, stood.total_seconds() / 3600, TZ) == \
        policy.add_working_hours(at(4, 17), 19, TZ)


def test_pause_and_resume_rules() -> None:
    policy.check_wait("assigned", waiting=False)
    with pytest.raises(Conflict):
        policy.check_wait("assigned", waiting=True)
    with pytest.raises(Conflict):
        policy.check_wait("closed", waiting=False)
    with pytest.raises(Conflict):
        policy.check_resume(waiting=False)
