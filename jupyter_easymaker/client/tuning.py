"""`Tuning`: one hyperparameter tuning as an object, for notebooks: `client.tuning_handle("hpo").wait().trials()`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .api import TUNING_FINAL_STATUSES

if TYPE_CHECKING:
    from .api import EasyMakerClient
    from .training import Training

TRIAL_COLUMNS = ["trialName", "trialStatusCode", "objectiveMetricValue", "trialId", "statusReason"]


class Tuning:
    """A tuning's last known state (`data`, the API's JSON) and what can be done with it."""

    def __init__(self, client: EasyMakerClient, data: dict) -> None:
        self.client = client
        self.data = data

    @property
    def id(self) -> str:
        return self.data["hyperparameterTuningId"]

    @property
    def name(self) -> str:
        return self.data["hyperparameterTuningName"]

    @property
    def status(self) -> str:
        return self.data["hyperparameterTuningStatusCode"]

    @property
    def status_reason(self) -> str | None:
        """With COMPLETE: GoalReached, MaxTrialsReached or SuggestionEndReached."""
        return self.data.get("hyperparameterTuningStatusReason")

    @property
    def is_final(self) -> bool:
        return self.status in TUNING_FINAL_STATUSES

    def __repr__(self) -> str:
        reason = f" ({self.status_reason})" if self.status == "COMPLETE" and self.status_reason else ""
        return f"<Tuning {self.name!r} {self.status}{reason} id={self.id}>"

    def _repr_html_(self) -> str:
        """In a notebook: status, trial counts, the best trial and the trials table."""
        from html import escape

        from ..widgets.render import badge, duration

        data = self.data
        reason = f" ({escape(self.status_reason)})" if self.status_reason else ""
        head = (f"<b>{escape(self.name)}</b> {badge(self.status)}{reason} &nbsp;·&nbsp; "
                f"elapsed {duration(data.get('elapsedTimeSeconds') or 0)} &nbsp;·&nbsp; {data['trialCount']} trials: "
                f"{data['successfulTrialCount']} succeeded, {data['runningTrialCount']} running, "
                f"{data['failedTrialCount']} failed")  # fmt: skip
        best = self.best_trial
        if best:
            head += (f"<div>Best: {escape(best['trialName'])}, {escape(best['objectiveMetricName'])} = "
                     f"{best['objectiveMetricValue']:g}</div>")  # fmt: skip
        trials = self.trials()
        table = trials.to_html(index=False) if hasattr(trials, "to_html") else ""
        return f'<div class="em-tuning">{head}{table}</div>'

    def refresh(self) -> Tuning:
        self.data = self.client.tuning(self.id)
        return self

    def wait(
        self, timeout: float | None = None, poll: float = 0.5, on_status: Callable[[dict], Any] | None = None
    ) -> Tuning:
        """Until the tuning is final; returns itself, refreshed."""
        self.data = self.client.wait_tuning(self.id, timeout=timeout, poll=poll, on_status=on_status)
        return self

    def stop(self) -> Tuning:
        """Stop the tuning; its running trials become KILLED."""
        self.data = self.client.stop_tuning(self.id)
        return self

    def trials(self, records: bool = False) -> Any:
        """The trials in creation order: a pandas DataFrame (one column per hyperparameter, plus name, status,
        objective value, id, reason) if pandas is installed and `records` is False, else the API's dicts."""
        found = self.client.trials(self.id)
        if records:
            return found
        try:
            import pandas as pd
        except ImportError:
            return found
        rows = []
        for trial in found:
            row = {k: trial.get(k) for k in TRIAL_COLUMNS}
            row.update({p["parameterName"]: p["parameterValue"] for p in trial["hyperparameterList"]})
            rows.append(row)
        names = [s["hyperparameterName"] for s in self.data.get("hyperparameterSpecList") or []]
        return pd.DataFrame(rows, columns=[*TRIAL_COLUMNS[:3], *names, *TRIAL_COLUMNS[3:]])

    @property
    def best_trial(self) -> dict | None:
        """The optimal trial as last read (its hyperparameters, objective value, modelUploadUri), or None."""
        return self.data.get("optimalTrial")

    def best_training(self) -> Training | None:
        """The best trial's training (logs, metrics), or None while no trial has an objective value."""
        best = self.best_trial
        return self.client.training_handle(self.client.training(best["trainingId"])) if best else None
