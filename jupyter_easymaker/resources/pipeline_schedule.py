"""Recurring run triggers as Kubeflow Pipelines defines them: a time interval, or a 6-field cron with seconds first.

Ticks of an interval are `anchor + k * interval` (k >= 1), the anchor being the start time (or the moment the
recurring run was created); cron ticks are the expression's times at or after the start time.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from croniter import croniter

from ..errors import FieldError

TRIGGERS = ("schedulePeriodicMinutes", "schedulePeriodicSeconds", "scheduleCronExpression")


def parse_time(text: str | None) -> datetime | None:
    """ISO 8601 (with an offset, or UTC if none) as naive UTC, as the store keeps times."""
    if not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def cron_expression(text: str) -> str:
    """robfig/cron (KFP) allows '?' for 'no specific value'; croniter wants '*'."""
    return " ".join("*" if part == "?" else part for part in text.split())


def errors(config: dict) -> list[FieldError]:
    found: list[FieldError] = []
    triggers = [f for f in TRIGGERS if config.get(f) is not None]
    if not triggers:
        found.append(FieldError("schedulePeriodicMinutes", "give a time interval or scheduleCronExpression"))
    elif len(triggers) > 1:
        found.append(FieldError(triggers[1], f"give only one trigger; {triggers[0]} is given too"))
    cron = config.get("scheduleCronExpression")
    if cron is not None:
        parts = cron.split()
        if len(parts) != 6:
            found.append(FieldError(
                "scheduleCronExpression",
                f"needs 6 fields (second minute hour day-of-month month day-of-week), not {len(parts)}; "
                "e.g. '0 0 * * * *' runs hourly",
            ))  # fmt: skip
        elif not croniter.is_valid(cron_expression(cron), second_at_beginning=True):
            found.append(FieldError("scheduleCronExpression", f"'{cron}' is not a valid cron expression"))
    times = {}
    for field in ("scheduleStartDatetime", "scheduleEndDatetime"):
        try:
            times[field] = parse_time(config.get(field))
        except ValueError:
            found.append(FieldError(field, "must be an ISO 8601 time such as 2025-01-01T00:00:00+09:00"))
    start, end = times.get("scheduleStartDatetime"), times.get("scheduleEndDatetime")
    if start and end and end <= start:
        found.append(FieldError("scheduleEndDatetime", "must be after scheduleStartDatetime"))
    return found


def interval(config: dict) -> timedelta | None:
    if config.get("schedulePeriodicSeconds"):
        return timedelta(seconds=config["schedulePeriodicSeconds"])
    if config.get("schedulePeriodicMinutes"):
        return timedelta(minutes=config["schedulePeriodicMinutes"])
    return None


class Trigger:
    def __init__(self, config: dict, created_at: datetime) -> None:
        self.start = parse_time(config.get("scheduleStartDatetime"))
        self.end = parse_time(config.get("scheduleEndDatetime"))
        self.anchor = self.start or created_at
        self.interval = interval(config)
        self.cron = cron_expression(config["scheduleCronExpression"]) if self.interval is None else None

    def next_after(self, after: datetime | None) -> datetime:
        """The first tick strictly after `after` (None: the first tick of all)."""
        if self.interval is not None:
            if after is None or after < self.anchor:
                return self.anchor + self.interval
            steps = (after - self.anchor) // self.interval + 1
            return self.anchor + steps * self.interval
        base = self.anchor - timedelta(microseconds=1) if after is None or after < self.anchor else after
        return croniter(self.cron, base, second_at_beginning=True).get_next(datetime)

    def latest_until(self, moment: datetime) -> datetime | None:
        """The last tick at or before `moment`, if any."""
        if self.interval is not None:
            if moment < self.anchor + self.interval:
                return None
            return self.anchor + ((moment - self.anchor) // self.interval) * self.interval
        tick = croniter(self.cron, moment + timedelta(microseconds=1), second_at_beginning=True).get_prev(datetime)
        return tick if tick >= self.anchor else None

    def due(self, after: datetime | None, moment: datetime, catch_up: bool) -> datetime | None:
        """The tick to create a run for now, if any: with catch-up every tick in turn, without it only the latest."""
        limit = min(moment, self.end) if self.end else moment
        tick = self.next_after(after)
        if tick > limit:
            return None
        if not catch_up:
            tick = max(tick, self.latest_until(limit) or tick)
        return tick

    def expired(self, moment: datetime) -> bool:
        return self.end is not None and moment > self.end
