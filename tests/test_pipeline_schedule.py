"""Recurring run triggers: KFP's time intervals and 6-field (seconds first) cron, catch-up on and off."""

from __future__ import annotations

from datetime import datetime, timedelta

from jupyter_easymaker.resources.pipeline_schedule import Trigger, errors, parse_time

T0 = datetime(2026, 1, 1, 0, 0, 0)


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_interval_ticks_count_from_the_start_time():
    trigger = Trigger({"schedulePeriodicSeconds": 2, "scheduleStartDatetime": "2026-01-01T00:00:00Z"}, s(-100))
    assert trigger.next_after(None) == s(2)
    assert trigger.next_after(s(2)) == s(4)
    assert trigger.next_after(s(3.5)) == s(4)
    assert trigger.latest_until(s(9.9)) == s(8)
    assert trigger.latest_until(s(1)) is None


def test_interval_in_minutes_counts_from_creation_without_a_start_time():
    trigger = Trigger({"schedulePeriodicMinutes": 5}, s(30))
    assert trigger.next_after(None) == s(330)


def test_catch_up_runs_every_missed_tick_in_turn_and_without_it_only_the_latest():
    config = {"schedulePeriodicSeconds": 2, "scheduleStartDatetime": "2026-01-01T00:00:00Z"}
    trigger = Trigger(config, T0)
    last, ticks = None, []
    while (tick := trigger.due(last, s(11), catch_up=True)) is not None:
        ticks.append(tick)
        last = tick
    assert ticks == [s(2), s(4), s(6), s(8), s(10)]
    assert trigger.due(None, s(11), catch_up=False) == s(10)
    assert trigger.due(s(10), s(11), catch_up=False) is None
    assert trigger.due(s(4), s(5), catch_up=False) is None


def test_end_time_bounds_the_ticks_and_expires():
    config = {"schedulePeriodicSeconds": 2, "scheduleStartDatetime": "2026-01-01T00:00:00Z",
              "scheduleEndDatetime": "2026-01-01T00:00:07Z"}  # fmt: skip
    trigger = Trigger(config, T0)
    assert trigger.due(s(4), s(100), catch_up=True) == s(6)
    assert trigger.due(s(6), s(100), catch_up=True) is None
    assert trigger.due(None, s(100), catch_up=False) == s(6)
    assert trigger.expired(s(8)) and not trigger.expired(s(6))


def test_cron_has_seconds_first_and_accepts_question_marks():
    trigger = Trigger({"scheduleCronExpression": "*/15 * * * * *", "scheduleStartDatetime": "2026-01-01T00:00:00Z"},
                      T0)  # fmt: skip
    assert trigger.next_after(None) == s(0)
    assert trigger.next_after(s(0)) == s(15)
    assert trigger.latest_until(s(50)) == s(45)
    hourly = Trigger({"scheduleCronExpression": "0 0 * * * ?"}, s(10))
    assert hourly.next_after(None) == s(3600)


def test_start_time_with_an_offset_is_kept_in_utc():
    assert parse_time("2025-01-01T00:00:00+09:00") == datetime(2024, 12, 31, 15, 0, 0)


def test_schedule_errors_name_the_field():
    assert [e.field for e in errors({})] == ["schedulePeriodicMinutes"]
    assert [e.field for e in errors({"scheduleCronExpression": "0 * * * *"})] == ["scheduleCronExpression"]
    assert "6 fields" in errors({"scheduleCronExpression": "0 * * * *"})[0].message
    assert [e.field for e in errors({"scheduleCronExpression": "99 * * * * *"})] == ["scheduleCronExpression"]
    both = {"schedulePeriodicMinutes": 1, "scheduleCronExpression": "0 * * * * *"}
    assert [e.field for e in errors(both)] == ["scheduleCronExpression"]
    backwards = {"schedulePeriodicMinutes": 1, "scheduleStartDatetime": "2026-01-02T00:00:00Z",
                 "scheduleEndDatetime": "2026-01-01T00:00:00Z"}  # fmt: skip
    assert [e.field for e in errors(backwards)] == ["scheduleEndDatetime"]
    assert [e.field for e in errors({"schedulePeriodicMinutes": 1, "scheduleStartDatetime": "soon"})] == [
        "scheduleStartDatetime"
    ]
