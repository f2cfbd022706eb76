"""Hyperparameter search spaces as Katib reads them (int / double / discrete / categorical feasible spaces)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

INT, DOUBLE, DISCRETE, CATEGORICAL = "int", "double", "discrete", "categorical"
TYPES = (INT, DOUBLE, DISCRETE, CATEGORICAL)


class SpaceError(ValueError):
    """A spec that cannot be searched; `field` is the camelCase name of the offending spec field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    values: tuple[str, ...] = ()

    def grid(self) -> list[str]:
        """The values Katib's grid visits (HyperParameterSearchSpace.convert_to_combinations): ints from min to max
        by step (default 1); doubles from min by step, the overshoot past max dropped; lists as given."""
        if self.type in (DISCRETE, CATEGORICAL):
            return list(self.values)
        if self.type == INT:
            return [str(v) for v in range(int(self.low), int(self.high) + 1, int(self.step or 1))]
        if not self.step:
            raise SpaceError("hyperparameterStep", f"'{self.name}' is a double: GRID needs its step")
        return [format_double(self.low + i * self.step) for i in range(self.grid_count())]

    def grid_count(self) -> int:
        """len(self.grid()), without building it."""
        if self.type in (DISCRETE, CATEGORICAL):
            return len(self.values)
        if self.type == INT:
            return len(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        if not self.step:
            raise SpaceError("hyperparameterStep", f"'{self.name}' is a double: GRID needs its step")
        return math.floor((self.high - self.low) / self.step + 1e-9) + 1

    def value(self, raw: object) -> str:
        """A sampled value as the string a trial receives."""
        if self.type == INT:
            return str(int(raw))
        if self.type == DOUBLE:
            return format_double(float(raw))
        return str(raw)


def format_double(value: float) -> str:
    return repr(round(value, 12))


def _number(spec: dict, key: str, name: str, integer: bool) -> float | None:
    raw = spec.get(key)
    if raw in (None, ""):
        return None
    kind = "an integer" if integer else "a number"
    try:
        number = float(int(raw)) if integer else float(raw)
    except ValueError:
        raise SpaceError(key, f"'{name}': '{raw}' is not {kind}") from None
    if not math.isfinite(number) or abs(number) > 1e15:
        raise SpaceError(key, f"'{name}': '{raw}' is not {kind} this tuner can search (finite, at most 1e15)")
    return number


def parse_param(spec: dict) -> Param:
    """One hyperparameterSpecList item (camelCase wire JSON) as a Param, or a SpaceError naming the field."""
    name, kind = spec["hyperparameterName"], spec["hyperparameterTypeCode"].lower()
    if kind not in TYPES:
        raise SpaceError("hyperparameterTypeCode", f"'{name}': use one of {', '.join(TYPES)}")
    if kind in (DISCRETE, CATEGORICAL):
        raw = spec.get("hyperparameterSpecifiedValues") or ""
        values = tuple(v.strip() for v in raw.split(",") if v.strip())
        if not values:
            raise SpaceError("hyperparameterSpecifiedValues", f"'{name}' is {kind}: give its comma-separated values")
        if len(set(values)) != len(values):
            raise SpaceError("hyperparameterSpecifiedValues", f"'{name}': a value appears twice")
        if kind == DISCRETE:
            for value in values:
                try:
                    float(value)
                except ValueError:
                    raise SpaceError(
                        "hyperparameterSpecifiedValues",
                        f"'{name}' is discrete: '{value}' is not a number (use categorical for strings)",
                    ) from None
        return Param(name, kind, values=values)
    integer = kind == INT
    low = _number(spec, "hyperparameterMinValue", name, integer)
    high = _number(spec, "hyperparameterMaxValue", name, integer)
    step = _number(spec, "hyperparameterStep", name, integer)
    if low is None:
        raise SpaceError("hyperparameterMinValue", f"'{name}' is {kind}: give its min")
    if high is None:
        raise SpaceError("hyperparameterMaxValue", f"'{name}' is {kind}: give its max")
    if low > high:
        raise SpaceError("hyperparameterMaxValue", f"'{name}': max {high:g} is below min {low:g}")
    if step is not None and step <= 0:
        raise SpaceError("hyperparameterStep", f"'{name}': the step must be greater than 0")
    return Param(name, kind, low, high, step)


def parse_space(specs: list[dict]) -> list[Param]:
    return [parse_param(spec) for spec in specs]


def grid_names(space: list[Param]) -> list[str]:
    """Optuna's GridSampler (Katib's grid) orders the axes by parameter name."""
    return sorted(p.name for p in space)


def grid_size(space: list[Param]) -> int:
    return math.prod(p.grid_count() for p in space)


def grid_points(space: list[Param]) -> list[dict[str, str]]:
    by_name = {p.name: p for p in space}
    names = grid_names(space)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(by_name[n].grid() for n in names))]
