"""`%em_status`, `%em_logs`, `%em_stop`: look at and act on what was submitted, by name or id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from ..client import EasyMakerClient, Training
from .core import client, magic, options
from .follow import follow, print_new_logs


@dataclass(frozen=True)
class Kind:
    """A kind of resource `%em_status` lists and finds, read from its API list (`<key>Name`, `<key>Id`,
    `<key>StatusCode`). A resource family adds one to `KINDS`; `handle` turns its JSON into the user's object."""

    name: str
    key: str  # the wire prefix: "training" for trainingName, trainingId, trainingStatusCode
    listing: Callable[[EasyMakerClient], list[dict]]
    handle: Callable[[EasyMakerClient, dict], Any] = lambda em, data: data

    def rows(self, em: EasyMakerClient) -> list[dict]:
        key = self.key
        return [
            {"name": r[f"{key}Name"], "status": r.get(f"{key}StatusCode") or "", "created": r.get("createdDatetime"),
             "experiment": (r.get("experiment") or {}).get("experimentName") or r.get("experimentName"),
             "id": r[f"{key}Id"]}
            for r in self.listing(em)
        ]  # fmt: skip

    def find(self, em: EasyMakerClient, name_or_id: str) -> Any:
        found = [r for r in self.listing(em) if name_or_id in (r[f"{self.key}Name"], r[f"{self.key}Id"])]
        return self.handle(em, found[0]) if found else None


def _model(em: EasyMakerClient, data: dict) -> Any:
    from ..client import Model

    return Model(em, data)


def _pipeline_run(em: EasyMakerClient, data: dict) -> Any:
    from ..client.pipelines import PipelineRun

    return PipelineRun(em, data)


KINDS: list[Kind] = [
    Kind("training", "training", lambda em: em.trainings(), lambda em, data: em.training_handle(data)),
    Kind("experiment", "experiment", lambda em: em.experiments()),
    Kind("training template", "trainingTemplate", lambda em: em.templates()),
    Kind("tuning", "hyperparameterTuning", lambda em: em.tunings(), lambda em, data: em.tuning_handle(data)),
    Kind("pipeline run", "pipelineRun", lambda em: em.pipeline_runs(), _pipeline_run),
    Kind("pipeline", "pipeline", lambda em: em.pipelines(), lambda em, data: em.pipeline_handle(data)),
    Kind("recurring run", "pipelineRecurringRun", lambda em: em.recurring_runs()),
    Kind("notebook", "notebook", lambda em: em.notebooks()),
    Kind("model", "model", lambda em: em.models(), lambda em, data: _model(em, data)),
    Kind("endpoint", "endpoint", lambda em: em.endpoints(), lambda em, data: em.endpoint_handle(data)),
    Kind("batch inference", "batchInference", lambda em: em.get("/batch-inferences")["batchInferenceList"]),
]


def resource_table(em: EasyMakerClient) -> Any:
    """Every resource of the project, newest first: a pandas DataFrame."""
    import pandas as pd

    rows = [{"kind": kind.name, **row} for kind in KINDS for row in kind.rows(em)]
    columns = ["kind", "name", "status", "experiment", "created", "id"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("created", ascending=False, ignore_index=True) if rows else frame


def find(em: EasyMakerClient, key: str, kind: str | None = None) -> Any:
    kinds = [k for k in KINDS if kind is None or k.name.startswith(kind)]
    if not kinds:
        raise UsageError(f"--kind '{kind}' is none of: {', '.join(k.name for k in KINDS)}.")
    for candidate in kinds:
        found = candidate.find(em, key)
        if found is not None:
            return found
    if len(kinds) == 1:
        raise UsageError(f"No {kinds[0].name} named or with id '{key}'. %em_status lists them all.")
    looked = ", ".join(f"{k.name}s" for k in kinds)
    raise UsageError(f"Nothing named or with id '{key}' among the {looked}. %em_status lists them all.")


def find_training(key: str) -> Training:
    em = client()
    training = KINDS[0].find(em, key)
    if training is None:
        recent = ", ".join(t["trainingName"] for t in em.trainings()[:10]) or "none yet"
        raise UsageError(f"No training named or with id '{key}'; recent trainings: {recent}.")
    return training


@magic("line", "em_status")
@magic_arguments()
@argument("name", nargs="?", help="A training, experiment or template (name or id). None: list everything.")
@argument("--kind", help="Look only at this kind: training, experiment, template, …")
def em_status(line: str) -> Any:
    """The status of one resource (a `Training` with a live view, or the resource's JSON), or a table of all.

    %em_status              # every resource of the project
    t = %em_status my-run   # t.wait(), t.logs(), t.metrics(), t.stop()
    """
    args = options(em_status, line)
    em = client()
    return find(em, args.name, args.kind) if args.name else resource_table(em)


@magic("line", "em_logs")
@magic_arguments()
@argument("name", help="Training name or id.")
@argument("--follow", "-f", action="store_true", help="Keep printing new lines until the training ends.")
@argument("--tail", type=int, help="Only the last N lines (before following).")
def em_logs(line: str) -> None:
    """Print a training's log lines; with --follow, new ones as they come (Ctrl-C stops following, not the work)."""
    args = options(em_logs, line)
    training = find_training(args.name)
    after = 0
    if args.tail is not None:
        if args.tail < 1:
            raise UsageError("--tail must be a positive number of lines.")
        records = training.client.logs(training.id, tail=args.tail)
        for record in records:
            print(record["body"], flush=True)
        after = records[-1]["logId"] if records else 0
        if not args.follow:
            return
    if not args.follow:
        print_new_logs(training, after)
        return
    try:
        follow(training, after=after, show_status=False)
    except KeyboardInterrupt:
        print(f"Stopped following; '{training.name}' is {training.status}.", flush=True)


@magic("line", "em_stop")
@magic_arguments()
@argument("name", help="Training name or id.")
def em_stop(line: str) -> Training:
    """Stop a running training."""
    args = options(em_stop, line)
    training = find_training(args.name)
    if training.is_final:
        raise UsageError(f"Training '{training.name}' has already ended ({training.status}); nothing to stop.")
    training.stop()
    print(f"Stopping '{training.name}': {training.status}.", flush=True)
    return training
