"""Hyperparameter tunings: the console guide's Hyperparameter Tuning chapter with Katib's experiment rules.

A tuning holds a training configuration and Katib's settings; the controller turns it into trials, each a
training (a `trainings` row with `tuning_id` set, hidden from the training list) plus a `trials` row with what
belongs to the trial alone: its assignments, status, objective value and early-stopping rule.
"""

from __future__ import annotations

import random
import shutil
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import EasyMakerError, FieldError, conflict, invalid, invalid_fields, not_found
from ..platform import Platform, new_id, now, wire_time
from ..store import ExperimentRow, LogRow, MetricRow, TrainingRow, TrialRow, TuningRow, UsageRow
from ..tuner import rules
from ..tuner.space import SpaceError, grid_size, parse_param
from ..tuner.suggest import GRID, missing_dependency
from . import experiments, lineage, trainings
from .naming import free_copy_name
from .schema import TUNING_FIELDS, TuningConfig, TuningCopy, TuningCreate, config_fields, parse
from .statuses import TRIAL_FINAL, TUNING_FINAL, TUNING_STOPPABLE, TrialStatus, TuningStatus

TUNING_DEFAULTS = {
    "parallelTrialCount": 1,
    "earlyStoppingMinTrialCount": 3,
    "earlyStoppingStartStep": 4,
    "maxTrialCount": None,
    "maxFailedTrialCount": None,
    "objectiveGoal": None,
    "tuningStrategyRandomState": None,
    "earlyStoppingAlgorithm": None,
}
SPEC = "hyperparameterSpecList"
MAX_GRID = 100_000  # combinations a GRID tuning may enumerate


# -- rules -------------------------------------------------------------------------------------------------------------


def check_config(platform: Platform, given: dict) -> dict:
    """Defaults, the training rules and Katib's experiment validation; a 400 naming every wrong field."""
    training_part = {k: v for k, v in given.items() if k not in TUNING_FIELDS}
    if training_part.get("instanceCount") is None:  # the SDK sends nodes per trial x parallel trials; else 1 node
        training_part["instanceCount"] = given.get("parallelTrialCount") or 1
    tuning_part = {**TUNING_DEFAULTS, **{k: v for k, v in given.items() if k in TUNING_FIELDS and v is not None}}
    errors: list[FieldError] = []
    try:
        training_part = trainings.check_config(platform, training_part)
    except EasyMakerError as err:
        errors += err.errors or [FieldError("body", err.message)]
    tuning_part, tuning_errors = _check_tuning(tuning_part, training_part)
    errors += tuning_errors
    if errors:
        raise invalid_fields(errors)
    return {**training_part, **tuning_part}


def _check_tuning(config: dict, training: dict) -> tuple[dict, list[FieldError]]:
    errors: list[FieldError] = []
    strategy = config.get("tuningStrategyName")
    if not strategy:
        errors.append(FieldError("tuningStrategyName", "is required (GRID, RANDOM, BAYESIAN_OPTIMIZATION, …)"))
    elif why := missing_dependency(strategy):
        errors.append(FieldError("tuningStrategyName", why))
    specs = config.get(SPEC) or []
    if not specs:
        errors.append(FieldError(SPEC, "is required: give at least one hyperparameter to tune"))
    space = []
    for i, spec in enumerate(specs):
        spec["hyperparameterTypeCode"] = spec["hyperparameterTypeCode"].lower()  # the SDK's enum values
        try:
            space.append(parse_param(spec))
        except SpaceError as err:
            errors.append(FieldError(f"{SPEC}[{i}].{err.field}", str(err)))
    objective = (config.get("objectiveMetric") or {}).get("name")
    if not objective:
        errors.append(FieldError("objectiveMetric", 'is required: the metric to optimize, as {"name": …}'))
    if not config.get("objectiveTypeCode"):
        errors.append(FieldError("objectiveTypeCode", "is required: MINIMIZE or MAXIMIZE"))
    metrics = config.get("metricList") or ([{"name": objective}] if objective else [])
    if objective and objective not in [m["name"] for m in metrics]:
        errors.append(FieldError("objectiveMetric", f"'{objective}' must be one of metricList"))
    config["metricList"] = metrics
    max_trials, parallel, max_failed = (config.get(k) for k in
                                        ("maxTrialCount", "parallelTrialCount", "maxFailedTrialCount"))  # fmt: skip
    if max_trials is not None and parallel > max_trials:
        errors.append(FieldError("parallelTrialCount", f"must be at most maxTrialCount ({max_trials})"))
    if max_trials is not None and max_failed is not None and max_failed > max_trials:
        errors.append(FieldError("maxFailedTrialCount", f"must be at most maxTrialCount ({max_trials})"))
    nodes = training.get("instanceCount", 1)
    if nodes % parallel:
        errors.append(FieldError(
            "instanceCount", f"must be the number of nodes per trial times parallelTrialCount ({parallel}); "
            f"{nodes} is not a multiple of it",
        ))  # fmt: skip
    if strategy == GRID and len(space) == len(specs):
        try:
            combinations = grid_size(space)
        except SpaceError as err:
            index = next(i for i, p in enumerate(space) if p.type == "double" and not p.step)
            errors.append(FieldError(f"{SPEC}[{index}].{err.field}", str(err)))
        else:
            if combinations > MAX_GRID:
                errors.append(FieldError(
                    SPEC, f"GRID over {combinations} combinations is more than {MAX_GRID}; use larger steps, fewer "
                    "values, or another strategy",
                ))  # fmt: skip
            elif max_trials is not None and max_trials > combinations:
                errors.append(FieldError(
                    "maxTrialCount", f"{max_trials} is more than the {combinations} combinations GRID can try; "
                    f"use at most {combinations}",
                ))  # fmt: skip
    if not config.get("earlyStoppingAlgorithm"):
        config["earlyStoppingMinTrialCount"] = config["earlyStoppingStartStep"] = None
    return config, errors


def _unique_name(session: Session, appkey: str, wanted: str) -> None:
    if session.scalar(select(TuningRow.id).where(TuningRow.appkey == appkey, TuningRow.name == wanted)):
        raise conflict(
            f"hyperparameterTuningName: a hyperparameter tuning named '{wanted}' already exists; choose another name."
        )


# -- operations --------------------------------------------------------------------------------------------------------


def create(platform: Platform, appkey: str, body: TuningCreate) -> dict:
    given = config_fields(body, TuningConfig)
    with platform.store.session() as session:
        template = trainings.template_config(session, appkey, body.training_template_id)
        config = check_config(platform, {**template, **given})
        _unique_name(session, appkey, body.hyperparameter_tuning_name)
        experiment = experiments.for_work(
            session, appkey, body.experiment_id, body.experiment_name, body.experiment_description
        )
        seed = config["tuningStrategyRandomState"]
        stamp = now()
        row = TuningRow(
            id=new_id(), appkey=appkey, name=body.hyperparameter_tuning_name, description=body.description,
            experiment_id=experiment.id, template_id=body.training_template_id, config=config,
            seed=seed if seed is not None else random.randrange(2**31), status=TuningStatus.CREATE_REQUESTED.value,
            stop_requested=False, suggestions_done=False, created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        session.add(row)
        session.flush()
        wire = to_wire(platform, session, row, experiment)
    platform.wake()
    return wire


def copy(platform: Platform, appkey: str, tuning_id: str, body: TuningCopy) -> dict:
    with platform.store.session() as session:
        original = get_row(session, appkey, tuning_id)
        taken = set(session.scalars(select(TuningRow.name).where(TuningRow.appkey == appkey)))
        fields = {
            "hyperparameterTuningName": body.hyperparameter_tuning_name or free_copy_name(original.name, taken),
            "description": body.description if "description" in body.model_fields_set else original.description,
            "experimentId": body.experiment_id or original.experiment_id,
            **{k: v for k, v in original.config.items() if v is not None},
            **config_fields(body, TuningConfig),
        }
    return create(platform, appkey, parse(TuningCreate, fields))


def get_row(session: Session, appkey: str, tuning_id: str) -> TuningRow:
    row = session.get(TuningRow, tuning_id)
    if row is None or row.appkey != appkey:
        raise not_found("Hyperparameter tuning", tuning_id)
    return row


def get(platform: Platform, appkey: str, tuning_id: str) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, tuning_id)
        return to_wire(platform, session, row, session.get(ExperimentRow, row.experiment_id))


def list_(platform: Platform, appkey: str, filters: dict[str, list[str]]) -> list[dict]:
    with platform.store.session() as session:
        query = select(TuningRow).where(TuningRow.appkey == appkey).order_by(TuningRow.created_at.desc())
        for param, column in (
            ("hyperparameterTuningIdList", TuningRow.id),
            ("hyperparameterTuningNameList", TuningRow.name),
            ("experimentIdList", TuningRow.experiment_id),
            ("experimentId", TuningRow.experiment_id),
            ("hyperparameterTuningStatusCodeList", TuningRow.status),
        ):
            if filters.get(param):
                query = query.where(column.in_(filters[param]))
        rows = session.scalars(query).all()
        exps = {e.id: e for e in session.scalars(select(ExperimentRow).where(ExperimentRow.appkey == appkey))}
        return [to_wire(platform, session, row, exps.get(row.experiment_id)) for row in rows]


def stop(platform: Platform, appkey: str, tuning_id: str) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, tuning_id)
        status = TuningStatus(row.status)
        if status == TuningStatus.STOP_IN_PROGRESS:
            pass
        elif status not in TUNING_STOPPABLE:
            raise conflict(
                f"Hyperparameter tuning '{row.name}' is {row.status}; only a tuning that is CREATE REQUESTED, "
                "CREATE IN PROGRESS or RUNNING can be stopped."
            )
        else:
            row.status, row.stop_requested, row.updated_at = TuningStatus.STOP_IN_PROGRESS.value, True, now()
            row.status_reason = "Stopped at the user's request."
        wire = to_wire(platform, session, row, session.get(ExperimentRow, row.experiment_id))
    platform.wake()
    return wire


def delete(platform: Platform, appkey: str, tuning_id: str) -> None:
    with platform.store.session() as session:
        row = get_row(session, appkey, tuning_id)
        if TuningStatus(row.status) not in TUNING_FINAL:
            raise conflict(
                f"Hyperparameter tuning '{row.name}' is {row.status}. Hyperparameter tuning in progress can be "
                "deleted after stopping: stop it first (PUT …/stop)."
            )
        what = f"Hyperparameter tuning '{row.name}'"
        lineage.refuse_if_models_made_from(
            session, appkey, "hyperparameterTuning", "hyperparameterTuningId", row.id, what
        )
        trial_ids = list(session.scalars(select(TrialRow.id).where(TrialRow.tuning_id == tuning_id)))
        for table in (LogRow, MetricRow, UsageRow):
            session.execute(sql_delete(table).where(table.resource_id.in_(trial_ids)))
        session.execute(sql_delete(TrialRow).where(TrialRow.tuning_id == tuning_id))
        session.execute(sql_delete(TrainingRow).where(TrainingRow.tuning_id == tuning_id))
        session.delete(row)
        for trial_id in trial_ids:
            platform.forget(trial_id)
    shutil.rmtree(platform.tensorboard_dir(appkey, row.experiment_id, tuning_id), ignore_errors=True)


def tensorboard_log_dir(platform: Platform, appkey: str, tuning_id: str) -> Path:
    """The directory one TensorBoard shows for the whole tuning: each trial logs into a subdirectory (its id)."""
    with platform.store.session() as session:
        row = get_row(session, appkey, tuning_id)
        return platform.tensorboard_dir(appkey, row.experiment_id, row.id)


def trials(platform: Platform, appkey: str, tuning_id: str, statuses: list[str]) -> list[dict]:
    with platform.store.session() as session:
        row = get_row(session, appkey, tuning_id)
        query = select(TrialRow).where(TrialRow.tuning_id == tuning_id).order_by(TrialRow.ordinal)
        if statuses:
            query = query.where(TrialRow.status.in_(statuses))
        found = session.scalars(query).all()
        works = _trainings_of(session, [t.id for t in found])
        return [trial_to_wire(platform, row, t, works.get(t.id)) for t in found]


def _trainings_of(session: Session, ids: list[str]) -> dict[str, TrainingRow]:
    if not ids:
        return {}
    return {t.id: t for t in session.scalars(select(TrainingRow).where(TrainingRow.id.in_(ids)))}


# -- wire --------------------------------------------------------------------------------------------------------------


def maximize(config: dict) -> bool:
    return config["objectiveTypeCode"] == "MAXIMIZE"


def counts(statuses: list[str]) -> rules.Counts:
    def n(*wanted: TrialStatus) -> int:
        return sum(1 for s in statuses if s in {w.value for w in wanted})

    return rules.Counts(
        succeeded=n(TrialStatus.SUCCEEDED),
        failed=n(TrialStatus.FAILED, TrialStatus.METRICS_UNAVAILABLE),
        killed=n(TrialStatus.KILLED),
        early_stopped=n(TrialStatus.EARLY_STOPPED),
        active=n(TrialStatus.CREATED, TrialStatus.RUNNING),
    )


def optimal(config: dict, trial_rows: list[TrialRow]) -> tuple[TrialRow | None, bool]:
    """The best trial so far among those that report an objective (succeeded or early stopped), and whether it
    reaches the goal."""
    scored = [
        t.objective_value if t.status in (TrialStatus.SUCCEEDED.value, TrialStatus.EARLY_STOPPED.value) else None
        for t in trial_rows
    ]
    best = rules.optimal(scored, maximize(config), config.get("objectiveGoal"))
    return (trial_rows[best.index] if best.index is not None else None), best.goal_reached


def elapsed_seconds(row: TuningRow) -> int:
    if row.started_at is None:
        return 0
    return int(((row.finished_at or now()) - row.started_at).total_seconds())


def to_wire(platform: Platform, session: Session, row: TuningRow, experiment: ExperimentRow | None) -> dict:
    config = row.config
    catalog = platform.catalog
    image = catalog.images.get(config["imageId"])
    flavor = catalog.instance_types.get(config["flavorId"])
    trial_rows = list(session.scalars(select(TrialRow).where(TrialRow.tuning_id == row.id).order_by(TrialRow.ordinal)))
    tally = counts([t.status for t in trial_rows])
    best, _ = optimal(config, trial_rows)
    best_training = session.get(TrainingRow, best.id) if best else None
    return {
        "hyperparameterTuningId": row.id,
        "hyperparameterTuningName": row.name,
        "hyperparameterTuningStatusCode": row.status,
        "hyperparameterTuningStatusReason": row.status_reason,
        "statusReason": row.status_reason,
        "description": row.description,
        "appKey": row.appkey,
        "trainingTemplateId": row.template_id,
        "experiment": experiments.to_wire(experiment) if experiment else {"experimentId": row.experiment_id},
        "image": image.to_wire() if image else {"imageId": config["imageId"]},
        "flavor": flavor.to_wire() if flavor else {"id": config["flavorId"]},
        **{k: v for k, v in config.items() if k not in ("imageId", "flavorId")},
        "objectiveMetricName": config["objectiveMetric"]["name"],
        "tuningStrategyRandomState": config["tuningStrategyRandomState"],
        "effectiveRandomState": row.seed,
        "nodeCountPerTrial": config["instanceCount"] // config["parallelTrialCount"],
        "dataStorageList": [{"storageSize": config["dataStorageSize"]}] if config.get("dataStorageSize") else [],
        "trialCount": len(trial_rows),
        "completedTrialCount": tally.completed,
        "successfulTrialCount": tally.succeeded,
        "runningTrialCount": tally.active,
        "failedTrialCount": tally.failed,
        "killedTrialCount": tally.killed,
        "earlyStoppedTrialCount": tally.early_stopped,
        "optimalTrialId": best.id if best else None,
        "optimalTrial": trial_to_wire(platform, row, best, best_training) if best else None,
        "elapsedTimeSeconds": elapsed_seconds(row),
        "createdDatetime": wire_time(row.created_at),
        "updatedDatetime": wire_time(row.updated_at),
        "startedDatetime": wire_time(row.started_at),
        "finishedDatetime": wire_time(row.finished_at),
        "tensorboardAccessPath": f"hyperparameter-tunings/{row.id}/tensorboard",
        "tensorboardLogDir": str(platform.tensorboard_dir(row.appkey, row.experiment_id, row.id)),
    }


def best_model_uri(session: Session, appkey: str, tuning_id: str) -> tuple[str, dict]:
    """Where a COMPLETE tuning's best trial left its model (the console's Create Model from a tuning), and the
    origin the model records; a 400 on hyperparameterTuningId otherwise."""
    row = session.get(TuningRow, tuning_id)
    if row is None or row.appkey != appkey:
        raise invalid("hyperparameterTuningId", f"no hyperparameter tuning with id '{tuning_id}'")
    if row.status != TuningStatus.COMPLETE.value:
        raise invalid("hyperparameterTuningId", f"the tuning is {row.status}; a model comes from a COMPLETE tuning")
    trial_rows = list(session.scalars(select(TrialRow).where(TrialRow.tuning_id == row.id)))
    best, _ = optimal(row.config, trial_rows)
    training = session.get(TrainingRow, best.id) if best else None
    if training is None:
        raise invalid("hyperparameterTuningId", "the tuning has no trial with an objective value to make a model of")
    origin = {"hyperparameterTuningId": row.id, "hyperparameterTuningName": row.name, "trialId": best.id,
              "trialName": best.name}  # fmt: skip
    return training.config["modelUploadUri"], {"hyperparameterTuning": origin}


def trial_to_wire(platform: Platform, tuning: TuningRow, trial: TrialRow, training: TrainingRow | None) -> dict:
    config = training.config if training else {}
    return {
        "trialId": trial.id,
        "trialName": trial.name,
        "trialStatusCode": trial.status,
        "statusReason": trial.status_reason,
        "hyperparameterTuningId": tuning.id,
        "trainingId": trial.id,
        "trainingStatusCode": training.status if training else None,
        "hyperparameterList": [{"parameterName": k, "parameterValue": v} for k, v in trial.assignments.items()],
        "objectiveMetricName": tuning.config["objectiveMetric"]["name"],
        "objectiveMetricValue": trial.objective_value,
        "trialMetricList": trial.metric_summary or [],
        "earlyStoppingRuleValue": trial.stop_rule,
        "modelUploadUri": config.get("modelUploadUri"),
        "checkPointUploadUri": config.get("checkPointUploadUri"),
        "tensorboardLogDir": str(trainings.tensorboard_dir(platform, training)) if training else None,
        "elapsedTimeSeconds": trainings.elapsed_seconds(training) if training else 0,
        "createdDatetime": wire_time(trial.created_at),
        "startedDatetime": wire_time(training.started_at) if training else None,
        "finishedDatetime": wire_time(training.finished_at) if training else None,
    }


def started(row: TuningRow, when: datetime) -> None:
    if row.started_at is None:
        row.started_at = when


def is_final_trial(status: str) -> bool:
    return TrialStatus(status) in TRIAL_FINAL
