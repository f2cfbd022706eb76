"""Suggestions: what the next trials should try, from the whole history of the tuning.

Every call builds the sampler afresh from the tuning's seed and history, so the answer depends only on what the
store holds: after a restart the same history gives the same suggestions, and nothing is asked twice.
Strategies follow Katib's suggestion services: GRID (Optuna GridSampler's grid, visited in a seeded order), RANDOM,
TPE and MULTIVARIATE_TPE, CMAES (Katib's `optuna` service), BAYESIAN_OPTIMIZATION (Katib uses skopt's Gaussian
process; here Optuna's GPSampler) and SOBOL (Katib's `sobol` service; here SciPy's scrambled Sobol sequence).
"""

from __future__ import annotations

import hashlib
import math
import random
import warnings
from dataclasses import dataclass, field

from .space import CATEGORICAL, DISCRETE, INT, Param, grid_points

GRID, RANDOM, BAYESIAN, TPE, MULTIVARIATE_TPE, CMAES, SOBOL = (
    "GRID", "RANDOM", "BAYESIAN_OPTIMIZATION", "TPE", "MULTIVARIATE_TPE", "CMAES", "SOBOL",
)  # fmt: skip
STRATEGIES = (GRID, RANDOM, BAYESIAN, TPE, MULTIVARIATE_TPE, CMAES, SOBOL)
OPTUNA_STRATEGIES = (RANDOM, BAYESIAN, TPE, MULTIVARIATE_TPE, CMAES)


@dataclass(frozen=True)
class Past:
    """A trial the tuning already has. `state`: 'complete' (with its objective), 'running' or 'failed'."""

    params: dict[str, str]
    state: str
    value: float | None = None
    attrs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    params: dict[str, str]
    attrs: dict = field(default_factory=dict)  # what the sampler keeps with the trial (CMA-ES state)


def missing_dependency(strategy: str) -> str | None:
    """Why `strategy` cannot run in this environment, or None."""
    if strategy == BAYESIAN:
        try:
            import torch  # noqa: F401  (Optuna's GPSampler runs on PyTorch)
        except ImportError:
            return "BAYESIAN_OPTIMIZATION uses Optuna's GPSampler, which needs PyTorch: pip install torch (or use TPE)"
    if strategy == CMAES:
        try:
            import cmaes  # noqa: F401
        except ImportError:
            return "CMAES needs the cmaes package: pip install cmaes"
    return None


def suggest(
    strategy: str, space: list[Param], seed: int, maximize: bool, history: list[Past], count: int
) -> list[Suggestion]:
    """Up to `count` new assignments; fewer (or none) when the strategy has explored everything."""
    if count <= 0:
        return []
    if strategy == GRID:
        return _grid(space, seed, history, count)
    if strategy == SOBOL:
        return _sobol(space, seed, len(history), count)
    return _optuna(strategy, space, seed, maximize, history, count)


def _grid(space: list[Param], seed: int, history: list[Past], count: int) -> list[Suggestion]:
    points = grid_points(space)
    order = list(range(len(points)))
    random.Random(seed).shuffle(order)  # GridSampler draws unvisited grid points at random, seeded
    visited = {tuple(sorted(p.params.items())) for p in history}
    fresh = [points[i] for i in order if tuple(sorted(points[i].items())) not in visited]
    return [Suggestion(p) for p in fresh[:count]]


def _sobol(space: list[Param], seed: int, start: int, count: int) -> list[Suggestion]:
    from scipy.stats import qmc

    engine = qmc.Sobol(d=len(space), scramble=True, seed=seed)
    if start:
        engine.fast_forward(start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # balance properties need 2^m points; a tuning takes what it needs
        units = engine.random(count)
    return [Suggestion({p.name: _from_unit(p, float(u)) for p, u in zip(space, row, strict=True)}) for row in units]


def _from_unit(param: Param, u: float) -> str:
    if param.type in (DISCRETE, CATEGORICAL):
        return param.values[min(int(u * len(param.values)), len(param.values) - 1)]
    assert param.low is not None and param.high is not None
    if param.type == INT:
        step = int(param.step or 1)
        slots = (int(param.high) - int(param.low)) // step + 1
        return str(int(param.low) + min(int(u * slots), slots - 1) * step)
    if param.step:
        slots = math.floor((param.high - param.low) / param.step + 1e-9) + 1
        return param.value(param.low + min(int(u * slots), slots - 1) * param.step)
    return param.value(param.low + u * (param.high - param.low))


def _distributions(space: list[Param]) -> dict:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    found = {}
    for p in space:
        if p.type in (DISCRETE, CATEGORICAL):
            found[p.name] = CategoricalDistribution(list(p.values))
        elif p.type == INT:
            step = int(p.step or 1)
            high = int(p.low) + (int(p.high) - int(p.low)) // step * step
            found[p.name] = IntDistribution(int(p.low), high, step=step)
        else:
            high = p.high
            if p.step:
                high = p.low + math.floor((p.high - p.low) / p.step + 1e-9) * p.step
            found[p.name] = FloatDistribution(p.low, high, step=p.step or None)
    return found


def _sampler(strategy: str, seed: int):
    import optuna

    if strategy == RANDOM:
        return optuna.samplers.RandomSampler(seed=seed)
    if strategy in (TPE, MULTIVARIATE_TPE):
        return optuna.samplers.TPESampler(seed=seed, multivariate=strategy == MULTIVARIATE_TPE)
    if strategy == CMAES:
        return optuna.samplers.CmaEsSampler(seed=seed)
    if strategy == BAYESIAN:
        return optuna.samplers.GPSampler(seed=seed)
    raise ValueError(f"unknown tuning strategy {strategy!r}")


def _call_seed(seed: int, done: int) -> int:
    """The sampler's seed for the call that follows `done` trials: fixed by (seed, done), and unrelated across
    both (seed + done would make random state 1 replay random state 0 shifted by one trial)."""
    return int.from_bytes(hashlib.sha256(f"{seed}/{done}".encode()).digest()[:4], "big")


def _typed(param: Param, raw: str) -> object:
    if param.type == INT:
        return int(raw)
    if param.type == "double":
        return float(raw)
    return raw


def _optuna(strategy: str, space: list[Param], seed: int, maximize: bool, history: list[Past], count: int):
    import optuna
    from optuna.trial import TrialState, create_trial

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    distributions = _distributions(space)
    by_name = {p.name: p for p in space}
    states = {"complete": TrialState.COMPLETE, "running": TrialState.RUNNING, "failed": TrialState.FAIL}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ExperimentalWarning and friends: not the user's concern
        study = optuna.create_study(
            sampler=_sampler(strategy, _call_seed(seed, len(history))), direction="maximize" if maximize else "minimize"
        )
        for past in history:
            if set(past.params) != set(by_name):
                continue  # assignments of another search space (cannot happen unless the store was edited)
            try:
                trial = create_trial(
                    params={k: _typed(by_name[k], v) for k, v in past.params.items()},
                    distributions={k: distributions[k] for k in past.params},
                    value=past.value if past.state == "complete" else None,
                    state=states[past.state],
                    system_attrs=past.attrs,
                )
            except ValueError:
                continue  # a value outside today's distribution: it cannot inform the sampler
            study.add_trial(trial)
        found = []
        for _ in range(count):
            trial = study.ask(fixed_distributions=distributions)
            params = {name: by_name[name].value(value) for name, value in trial.params.items()}
            attrs = study._storage.get_trial_system_attrs(trial._trial_id)
            found.append(Suggestion(params, dict(attrs)))
    return found
