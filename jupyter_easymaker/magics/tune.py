"""`%%em_tune`: a hyperparameter tuning whose trials run the cell; options are the console's Create Tuning fields."""

from __future__ import annotations

import time
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from ..client.tuning import Tuning
from .core import client, magic, options
from .follow import stop_or_detach
from .train import default_name, training_body, training_options

TYPES = ("int", "double", "discrete", "categorical")


@magic("line_cell", "em_tune")
@magic_arguments()
@argument(
    "--param",
    action="append",
    metavar="NAME:TYPE:SPEC",
    help="A searched hyperparameter: lr:double:1e-4:0.1 "
    "(min:max[:step]), epochs:int:1:10[:step], bs:discrete:16,32,64 or act:categorical:relu,tanh. Repeatable.",
)
@argument("--objective", help="The metric to optimise, as the script prints it (name=value). Required.")
@argument("--maximize", action="store_true", help="Maximise the objective (default: minimise).")
@argument("--goal", type=float, help="Stop when a trial reaches this objective value.")
@argument("--metric", action="append", metavar="NAME[:min|max|latest]", help="Another metric to collect.")
@argument(
    "--strategy",
    default="RANDOM",
    help="GRID, RANDOM, BAYESIAN_OPTIMIZATION, TPE, MULTIVARIATE_TPE, CMAES or SOBOL (default: RANDOM).",
)
@argument("--random-state", type=int, help="Random state of the strategy.")
@argument("--max-trials", type=int, default=10, help="Maximum number of trials (default: 10).")
@argument("--parallel", type=int, default=1, help="Trials run in parallel (default: 1).")
@argument("--max-failed", type=int, help="Maximum failed trials.")
@argument(
    "--early-stopping",
    metavar="MIN_TRIALS:START_STEP",
    help="Median stopping: after MIN_TRIALS trials, from step START_STEP on.",
)
@training_options
def em_tune(line: str, cell: str | None = None) -> Tuning:
    """Tune the hyperparameters of the cell's script: each trial runs it with its assigned values (as `--name value`
    arguments and EM_HP_<NAME>), and reads the objective from lines like `loss=0.25` it prints.

        %%em_tune --experiment mnist --objective loss --param lr:double:0.001:0.1 --max-trials 8 --parallel 2 --wait
        import argparse; p = argparse.ArgumentParser(); p.add_argument("--lr", type=float); …

    The value is a `Tuning` (`.wait()`, `.trials()` as a DataFrame, `.best_trial`, `.best_training()`, `.stop()`).
    """
    args = options(em_tune, line, prefix="%%")
    if not args.objective:
        raise UsageError("Missing --objective NAME: the metric the tuning optimises (the script prints NAME=value).")
    if not args.param:
        raise UsageError("Give at least one --param NAME:TYPE:SPEC to search, e.g. --param lr:double:0.001:0.1.")
    specs = [_spec(text) for text in args.param]
    em = client()
    name = args.name or default_name(args)
    body = {
        "hyperparameterTuningName": name,
        **training_body(em, args, cell or "", name),
        "hyperparameterSpecList": specs,
        "objectiveMetric": {"name": args.objective},
        "objectiveTypeCode": "MAXIMIZE" if args.maximize else "MINIMIZE",
        "metricList": [_metric(text) for text in args.metric or []] or None,
        "tuningStrategyName": args.strategy.upper(),
        "tuningStrategyRandomState": args.random_state,
        "objectiveGoal": args.goal,
        "maxTrialCount": args.max_trials,
        "parallelTrialCount": args.parallel,
        "maxFailedTrialCount": args.max_failed,
        **_early_stopping(args.early_stopping),
    }
    tuning = em.tuning_handle(em.create_tuning({k: v for k, v in body.items() if v is not None}))
    if args.wait:
        try:
            follow_tuning(tuning)
        except KeyboardInterrupt:
            stop_or_detach(tuning, "tuning")
    return tuning


def follow_tuning(tuning: Tuning, poll: float = 0.5) -> Tuning:
    """Print the tuning's status and each trial's as they change, then the best trial."""
    seen: dict[str, str] = {}
    last = None
    objective = tuning.data["objectiveMetricName"]
    while True:
        tuning.refresh()
        if tuning.status != last:
            last = tuning.status
            print(f"[{tuning.name}] {last}", flush=True)
        for trial in tuning.client.trials(tuning.id):
            state = trial["trialStatusCode"]
            if seen.get(trial["trialId"]) != state:
                seen[trial["trialId"]] = state
                values = " ".join(f"{p['parameterName']}={p['parameterValue']}" for p in trial["hyperparameterList"])
                value = trial.get("objectiveMetricValue")
                scored = f" {objective}={value:g}" if value is not None else ""
                print(f"  trial {trial['trialName']}: {state} ({values}){scored}", flush=True)
        if tuning.is_final:
            print(summary(tuning), flush=True)
            return tuning
        time.sleep(poll)


def summary(tuning: Tuning) -> str:
    data = tuning.data
    reason = f" ({tuning.status_reason})" if tuning.status_reason else ""
    text = (f"Tuning '{tuning.name}' {tuning.status}{reason}: {data['trialCount']} trials, "
            f"{data['successfulTrialCount']} succeeded, {data['failedTrialCount']} failed.")  # fmt: skip
    best = tuning.best_trial
    if best:
        values = ", ".join(f"{p['parameterName']}={p['parameterValue']}" for p in best["hyperparameterList"])
        score = f"{best['objectiveMetricName']}={best['objectiveMetricValue']:g}"
        text += f" Best: {best['trialName']} with {score} ({values})."
    return text


def _spec(text: str) -> dict[str, Any]:
    """`lr:double:0.001:0.1[:step]`, `bs:discrete:16,32`, `act:categorical:relu,tanh` → a hyperparameter spec."""
    name, _, rest = text.partition(":")
    kind, _, values = rest.partition(":")
    kind = kind.lower()
    if not name or kind not in TYPES or not values:
        raise UsageError(f"--param '{text}' is not NAME:TYPE:SPEC with TYPE one of {', '.join(TYPES)}, e.g. "
                         "lr:double:0.001:0.1 or act:categorical:relu,tanh.")  # fmt: skip
    spec: dict[str, Any] = {"hyperparameterName": name, "hyperparameterTypeCode": kind.upper()}
    if kind in ("discrete", "categorical"):
        spec["hyperparameterSpecifiedValues"] = values
        return spec
    bounds = values.split(":")
    if len(bounds) not in (2, 3):
        raise UsageError(f"--param '{text}': a {kind} needs MIN:MAX or MIN:MAX:STEP after the type.")
    spec["hyperparameterMinValue"], spec["hyperparameterMaxValue"] = bounds[0], bounds[1]
    if len(bounds) == 3:
        spec["hyperparameterStep"] = bounds[2]
    return spec


def _metric(text: str) -> dict[str, str]:
    name, _, strategy = text.partition(":")
    return {"name": name, **({"strategy": strategy} if strategy else {})}


def _early_stopping(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        min_trials, start_step = (int(part) for part in text.split(":"))
    except ValueError:
        raise UsageError(f"--early-stopping '{text}' is not MIN_TRIALS:START_STEP, e.g. 3:2.") from None
    return {"earlyStoppingAlgorithm": "MEDIAN", "earlyStoppingMinTrialCount": min_trials,
            "earlyStoppingStartStep": start_step}  # fmt: skip
