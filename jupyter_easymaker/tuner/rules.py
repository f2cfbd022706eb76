"""Katib's rules: objective extraction, the median stopping rule, the optimal trial and when a tuning is done."""

from __future__ import annotations

from dataclasses import dataclass

MIN, MAX, LATEST = "min", "max", "latest"
METRIC_STRATEGIES = (MIN, MAX, LATEST)
GOAL_REACHED, MAX_TRIALS_REACHED, SUGGESTION_END_REACHED = "GoalReached", "MaxTrialsReached", "SuggestionEndReached"
MAX_FAILED_REACHED = "MaxFailedTrialsReached"


def default_strategy(maximize: bool) -> str:
    """Katib's default metric strategy: min when minimizing, max when maximizing."""
    return MAX if maximize else MIN


def extract(values: list[float], strategy: str) -> float | None:
    """A metric's value for a trial from its reported series (Katib's min / max / latest)."""
    if not values:
        return None
    if strategy == MIN:
        return min(values)
    if strategy == MAX:
        return max(values)
    return values[-1]


def median_rule(succeeded: list[list[float]], min_trials: int, start_step: int) -> float | None:
    """The value Katib's medianstop service hands out as the stopping rule, or None while it has no rule.

    As Katib computes it (pkg/earlystopping/v1beta1/medianstop/service.py, get_median_value): each succeeded
    trial contributes the average of its first `start_step` objective values; once at least `min_trials`
    trials contributed, the rule value is the mean of those averages.
    """
    averages = [sum(s[:start_step]) / len(s[:start_step]) for s in succeeded if s]
    if len(averages) < min_trials:
        return None
    return sum(averages) / len(averages)


def should_stop(values: list[float], rule: float, start_step: int, maximize: bool) -> bool:
    """Whether a running trial breaks the rule: its best objective so far, at any report from the
    `start_step`-th on, is worse than the rule value (Katib's collector compares LESS when maximizing and
    GREATER when minimizing, on the best value seen)."""
    best: float | None = None
    for step, value in enumerate(values, start=1):
        best = value if best is None else (max(best, value) if maximize else min(best, value))
        if step >= start_step and (best < rule if maximize else best > rule):
            return True
    return False


@dataclass(frozen=True)
class Optimal:
    index: int | None
    value: float | None
    goal_reached: bool


def optimal(objectives: list[float | None], maximize: bool, goal: float | None) -> Optimal:
    """The best trial among those with an objective (Katib's updateTrialsSummary): first best wins ties;
    the goal is reached when the best is at least (maximize) / at most (minimize) the goal."""
    index, best = None, None
    for i, value in enumerate(objectives):
        if value is None:
            continue
        if best is None or (value > best if maximize else value < best):
            index, best = i, value
    reached = goal is not None and best is not None and (best >= goal if maximize else best <= goal)
    return Optimal(index, best, reached)


@dataclass(frozen=True)
class Counts:
    succeeded: int = 0
    failed: int = 0  # FAILED and METRICS_UNAVAILABLE
    killed: int = 0
    early_stopped: int = 0
    active: int = 0  # CREATED and RUNNING

    @property
    def completed(self) -> int:
        return self.succeeded + self.failed + self.killed + self.early_stopped


def verdict(
    counts: Counts, goal_reached: bool, suggestions_done: bool, max_trials: int | None, max_failed: int | None
) -> tuple[bool, str] | None:
    """(succeeded, reason) once the tuning is over, checked in Katib's order (UpdateExperimentStatusCondition):
    goal reached, then more failed trials than allowed, then max trials completed, then suggestions exhausted
    with nothing active. None while it goes on."""
    if goal_reached:
        return True, GOAL_REACHED
    if max_failed is not None and counts.failed > max_failed:
        return False, MAX_FAILED_REACHED
    if max_trials is not None and counts.completed >= max_trials:
        return True, MAX_TRIALS_REACHED
    if suggestions_done and counts.active == 0:
        return True, SUGGESTION_END_REACHED
    return None
