"""Drives hyperparameter tunings as Katib's experiment controller does, on top of the trainings machinery.

Each pass, for each unfinished tuning: read its trials' trainings and settle the trials' statuses and objectives;
apply the median stopping rule to running trials; check whether the tuning is over (Katib's order); otherwise ask
for as many new trials as `parallelTrialCount` allows. New trials are written (trial + training rows) in the same
transaction that reads the history they were suggested from, so a pass cut off anywhere either created them or
did not: after a restart nothing is lost and nothing is run twice. The trainings pass that follows submits them.
"""

from __future__ import annotations

import logging
import secrets
import string

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..platform import Platform, new_id, now
from ..resources import trainings, tunings
from ..resources.schema import TUNING_FIELDS
from ..resources.statuses import (
    TRAINING_FINAL,
    TUNING_CLOSING,
    TUNING_FINAL,
    TUNING_STOPPABLE,
    ExperimentStatus,
    TrainingStatus,
    TrialStatus,
    TuningStatus,
)
from ..store import ExperimentRow, MetricRow, TrainingRow, TrialRow, TuningRow
from ..tuner import rules
from ..tuner.space import parse_space
from ..tuner.suggest import Past, suggest

log = logging.getLogger(__name__)

TRAINING_TO_TRIAL = {
    TrainingStatus.CREATE_REQUESTED: TrialStatus.CREATED,
    TrainingStatus.CREATE_IN_PROGRESS: TrialStatus.CREATED,
    TrainingStatus.RUNNING: TrialStatus.RUNNING,
    TrainingStatus.COMPLETE_IN_PROGRESS: TrialStatus.RUNNING,
    TrainingStatus.FAIL_TRAIN_IN_PROGRESS: TrialStatus.RUNNING,
    TrainingStatus.STOP_IN_PROGRESS: TrialStatus.RUNNING,
    TrainingStatus.FAIL_TRAIN: TrialStatus.FAILED,
    TrainingStatus.CREATE_FAILED: TrialStatus.FAILED,
}
SCORED = (TrialStatus.SUCCEEDED.value, TrialStatus.EARLY_STOPPED.value)
FAILED_LIKE = (TrialStatus.FAILED.value, TrialStatus.METRICS_UNAVAILABLE.value, TrialStatus.KILLED.value)


class TuningReconciler:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def reconcile(self) -> None:
        with self.platform.store.session() as session:
            ids = session.scalars(
                select(TuningRow.id).where(TuningRow.status.not_in([s.value for s in TUNING_FINAL]))
            ).all()
        for tuning_id in ids:
            try:
                self._tuning(tuning_id)
            except Exception:
                log.exception("reconciling hyperparameter tuning %s failed", tuning_id)

    def _tuning(self, tuning_id: str) -> None:
        with self.platform.store.session() as session:
            row = session.get(TuningRow, tuning_id)
            if row is None or TuningStatus(row.status) in TUNING_FINAL:
                return
            if row.stop_requested and TuningStatus(row.status) in TUNING_STOPPABLE:
                # The API's stop may have crossed a pass that wrote another status; the request itself is never lost.
                self._set(row, TuningStatus.STOP_IN_PROGRESS, "Stopped at the user's request.")
            if row.status in (TuningStatus.CREATE_REQUESTED.value, TuningStatus.CREATE_IN_PROGRESS.value):
                if not self._prepare(session, row):
                    return
            trial_rows = list(
                session.scalars(select(TrialRow).where(TrialRow.tuning_id == row.id).order_by(TrialRow.ordinal))
            )
            works = {t.id: t for t in session.scalars(select(TrainingRow).where(TrainingRow.tuning_id == row.id))}
            for trial in trial_rows:
                self._observe(session, row, trial, works.get(trial.id))
            if row.status == TuningStatus.RUNNING.value:
                self._early_stop(session, row, trial_rows, works)
                self._decide(session, row, trial_rows)
            if TuningStatus(row.status) in TUNING_CLOSING:
                self._close(session, row, trial_rows, works)

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def _prepare(self, session: Session, row: TuningRow) -> bool:
        experiment = session.get(ExperimentRow, row.experiment_id)
        if experiment is None or experiment.status == ExperimentStatus.CREATE_FAILED.value:
            self._set(row, TuningStatus.CREATE_FAILED, "Its experiment could not be created.")
            row.finished_at = now()
            return False
        if experiment.status != ExperimentStatus.ACTIVE.value:
            self._set(row, TuningStatus.CREATE_IN_PROGRESS, None)
            return False
        try:
            self.platform.tensorboard_dir(row.appkey, row.experiment_id, row.id).mkdir(parents=True, exist_ok=True)
        except OSError as err:
            self._set(row, TuningStatus.CREATE_FAILED, f"Could not create the TensorBoard directory: {err}")
            row.finished_at = now()
            return False
        self._set(row, TuningStatus.RUNNING, None)
        tunings.started(row, now())
        return True

    def _decide(self, session: Session, row: TuningRow, trial_rows: list[TrialRow]) -> None:
        config = row.config
        tally = tunings.counts([t.status for t in trial_rows])
        _, goal_reached = tunings.optimal(config, trial_rows)
        limit = config["timeoutMinutes"] * 60
        if row.started_at is not None and (now() - row.started_at).total_seconds() > limit:
            self._set(row, TuningStatus.FAIL_TUNING_IN_PROGRESS,
                      f"The maximum progress time ({config['timeoutMinutes']} minutes) was exceeded.")  # fmt: skip
            return
        over = rules.verdict(
            tally, goal_reached, row.suggestions_done, config.get("maxTrialCount"), config.get("maxFailedTrialCount")
        )
        if over is not None:
            succeeded, reason = over
            status = TuningStatus.COMPLETE_IN_PROGRESS if succeeded else TuningStatus.FAIL_TUNING_IN_PROGRESS
            self._set(row, status, reason)
            return
        want = config["parallelTrialCount"] - tally.active
        if config.get("maxTrialCount") is not None:
            want = min(want, config["maxTrialCount"] - len(trial_rows))
        if want <= 0 or row.suggestions_done:
            return
        history = [Past(t.assignments, _history_state(t), t.objective_value, t.sampler_attrs) for t in trial_rows]
        found = suggest(
            config["tuningStrategyName"], parse_space(config["hyperparameterSpecList"]), row.seed,
            tunings.maximize(config), history, want,
        )  # fmt: skip
        if len(found) < want:
            row.suggestions_done = True
            row.updated_at = now()
        rule = self._median_rule(session, row, trial_rows)
        for offset, suggestion in enumerate(found):
            self._create_trial(session, row, len(trial_rows) + offset, suggestion.params, suggestion.attrs, rule)

    def _close(self, session: Session, row: TuningRow, trial_rows: list[TrialRow], works: dict) -> None:
        """Kill what still runs; once every trial is final the tuning drops its IN PROGRESS."""
        status = TuningStatus(row.status)
        open_trials = [t for t in trial_rows if not tunings.is_final_trial(t.status)]
        for trial in open_trials:
            training = works.get(trial.id)
            if training is None or TrainingStatus(training.status) in TRAINING_FINAL or training.stop_requested:
                continue
            trainings.request_stop(session, training, f"Killed: the hyperparameter tuning is {status.value}.")
            self._observe(session, row, trial, training)
        if all(tunings.is_final_trial(t.status) for t in trial_rows):
            row.status, row.finished_at, row.updated_at = TUNING_CLOSING[status].value, now(), now()

    # -- trials ----------------------------------------------------------------------------------------------------

    def _observe(self, session: Session, row: TuningRow, trial: TrialRow, training: TrainingRow | None) -> None:
        if tunings.is_final_trial(trial.status):
            return
        if training is None:
            status = TrialStatus.FAILED
            trial.status_reason = "Its training no longer exists."
        else:
            done = TrainingStatus(training.status)
            if done == TrainingStatus.STOPPED:
                status = TrialStatus.EARLY_STOPPED if trial.early_stopped else TrialStatus.KILLED
            elif done == TrainingStatus.COMPLETE:
                status = TrialStatus.SUCCEEDED
            else:
                status = TRAINING_TO_TRIAL[done]
            if done in TRAINING_FINAL:
                self._settle(session, row, trial)
                if status == TrialStatus.SUCCEEDED and trial.objective_value is None:
                    status = TrialStatus.METRICS_UNAVAILABLE
                    trial.status_reason = (
                        f"The objective metric '{row.config['objectiveMetric']['name']}' was not found in the "
                        "training's output; print it as name=value (or match metricRegex)."
                    )
                elif status != TrialStatus.EARLY_STOPPED and training.status_reason and not trial.status_reason:
                    trial.status_reason = training.status_reason
        if trial.status != status.value:
            trial.status, trial.updated_at = status.value, now()

    def _settle(self, session: Session, row: TuningRow, trial: TrialRow) -> None:
        """The trial's metrics as Katib's observation: min / max / latest of each metric, and the objective by its
        metric strategy (default: min when minimizing, max when maximizing)."""
        config = row.config
        summary = []
        objective_name = config["objectiveMetric"]["name"]
        for metric in config["metricList"]:
            values = self._series(session, trial.id, metric["name"])
            if not values:
                continue
            summary.append({
                "trialMetricName": metric["name"], "trialMetricMinValue": repr(min(values)),
                "trialMetricMaxValue": repr(max(values)), "trialMetricLatestValue": repr(values[-1]),
            })  # fmt: skip
            if metric["name"] == objective_name:
                strategy = metric.get("strategy") or rules.default_strategy(tunings.maximize(config))
                trial.objective_value = rules.extract(values, strategy)
        trial.metric_summary = summary

    @staticmethod
    def _series(session: Session, trial_id: str, name: str) -> list[float]:
        query = select(MetricRow.value).where(MetricRow.resource_id == trial_id, MetricRow.name == name)
        return list(session.scalars(query.order_by(MetricRow.step)))

    def _early_stop(self, session: Session, row: TuningRow, trial_rows: list[TrialRow], works: dict) -> None:
        config = row.config
        if config.get("earlyStoppingAlgorithm") != "MEDIAN":
            return
        objective = config["objectiveMetric"]["name"]
        for trial in trial_rows:
            training = works.get(trial.id)
            if trial.stop_rule is None or trial.early_stopped or trial.status != TrialStatus.RUNNING.value:
                continue
            if training is None or training.status != TrainingStatus.RUNNING.value or training.stop_requested:
                continue
            values = self._series(session, trial.id, objective)
            if rules.should_stop(values, trial.stop_rule, config["earlyStoppingStartStep"], tunings.maximize(config)):
                trial.early_stopped = True
                trial.status_reason = (
                    f"Early stopped by the median stopping rule: its best {objective} after {len(values)} reports "
                    f"is worse than {trial.stop_rule:g}."
                )
                trainings.request_stop(session, training, trial.status_reason)

    def _median_rule(self, session: Session, row: TuningRow, trial_rows: list[TrialRow]) -> float | None:
        config = row.config
        if config.get("earlyStoppingAlgorithm") != "MEDIAN":
            return None
        objective = config["objectiveMetric"]["name"]
        succeeded = [self._series(session, t.id, objective) for t in trial_rows if t.status == "SUCCEEDED"]
        return rules.median_rule(succeeded, config["earlyStoppingMinTrialCount"], config["earlyStoppingStartStep"])

    def _create_trial(
        self, session: Session, row: TuningRow, ordinal: int, params: dict[str, str], attrs: dict, rule: float | None
    ) -> None:
        config = row.config
        suffix = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8))
        name = f"{row.name}-{suffix}"  # Katib's trial names: the experiment's and 8 random characters
        tuned = [s["hyperparameterName"] for s in config["hyperparameterSpecList"]]
        fixed = [p for p in config.get("hyperparameterList") or [] if p["parameterName"] not in tuned]
        work = {k: v for k, v in config.items() if k not in TUNING_FIELDS}
        work.update(
            hyperparameterList=[*fixed, *({"parameterName": n, "parameterValue": params[n]} for n in tuned)],
            instanceCount=config["instanceCount"] // config["parallelTrialCount"],
            modelUploadUri=_child(config["modelUploadUri"], name),
        )
        if config.get("checkPointUploadUri"):
            work["checkPointUploadUri"] = _child(config["checkPointUploadUri"], name)
        stamp = now()
        trial_id = new_id()
        session.add(TrainingRow(
            id=trial_id, appkey=row.appkey, name=trial_id, description=f"Trial {ordinal + 1} of {row.name}",
            experiment_id=row.experiment_id, template_id=row.template_id, tuning_id=row.id, config=work,
            status=TrainingStatus.CREATE_REQUESTED.value, created_at=stamp, updated_at=stamp,
        ))  # fmt: skip
        session.add(TrialRow(
            id=trial_id, tuning_id=row.id, ordinal=ordinal, name=name, assignments={n: params[n] for n in tuned},
            sampler_attrs=attrs, status=TrialStatus.CREATED.value, stop_rule=rule, early_stopped=False,
            created_at=stamp, updated_at=stamp,
        ))  # fmt: skip
        session.flush()

    @staticmethod
    def _set(row: TuningRow, status: TuningStatus, reason: str | None) -> None:
        if row.status != status.value or row.status_reason != reason:
            row.status, row.status_reason, row.updated_at = status.value, reason, now()


def _history_state(trial: TrialRow) -> str:
    if trial.status in SCORED and trial.objective_value is not None:
        return "complete"
    if trial.status in FAILED_LIKE or trial.status in SCORED:
        return "failed"
    return "running"


def _child(uri: str, name: str) -> str:
    """Each trial writes below the tuning's output, in a directory named after the trial."""
    return f"{uri.rstrip('/')}/{name}"
