"""Experiments group related trainings. Rules from the console guide's Experiment chapter."""

from __future__ import annotations

import shutil

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import EasyMakerError, conflict, invalid, not_found
from ..platform import Platform, new_id, now, wire_time
from ..store import ExperimentRow, PipelineRecurringRunRow, PipelineRunRow, TrainingRow, TuningRow
from .schema import ExperimentCreate, ExperimentUpdate
from .statuses import ExperimentStatus


def to_wire(row: ExperimentRow, training_count: int = 0) -> dict:
    return {
        "experimentId": row.id,
        "experimentName": row.name,
        "experimentStatusCode": row.status,
        "statusReason": row.status_reason,
        "description": row.description,
        "appKey": row.appkey,
        "trainingCount": training_count,
        "createdDatetime": wire_time(row.created_at),
        "updatedDatetime": wire_time(row.updated_at),
        "tensorboardAccessPath": f"experiments/{row.id}/tensorboard",
    }


def get_row(session: Session, appkey: str, experiment_id: str) -> ExperimentRow:
    row = session.get(ExperimentRow, experiment_id)
    if row is None or row.appkey != appkey:
        raise not_found("Experiment", experiment_id)
    return row


def find_by_name(session: Session, appkey: str, name: str) -> ExperimentRow | None:
    return session.scalar(select(ExperimentRow).where(ExperimentRow.appkey == appkey, ExperimentRow.name == name))


def for_work(
    session: Session, appkey: str, experiment_id: str | None, name: str | None, description: str | None
) -> ExperimentRow:
    """The experiment new work (a training, tuning or pipeline run) belongs to: by id, else by name, created if
    there is none (in the caller's transaction, so a refused create leaves no experiment behind)."""
    if experiment_id:
        try:
            return get_row(session, appkey, experiment_id)
        except EasyMakerError:
            raise invalid("experimentId", f"no experiment with id '{experiment_id}'") from None
    if name:
        return find_by_name(session, appkey, name) or insert(session, appkey, name, description)
    raise invalid("experimentId", "is required (or give experimentName to create the experiment)")


def insert(session: Session, appkey: str, name: str, description: str | None) -> ExperimentRow:
    if find_by_name(session, appkey, name):
        raise conflict(f"experimentName: an experiment named '{name}' already exists.")
    stamp = now()
    row = ExperimentRow(
        id=new_id(), appkey=appkey, name=name, description=description,
        status=ExperimentStatus.CREATE_REQUESTED.value, created_at=stamp, updated_at=stamp,
    )  # fmt: skip
    session.add(row)
    return row


def create(platform: Platform, appkey: str, body: ExperimentCreate) -> dict:
    with platform.store.session() as session:
        row = insert(session, appkey, body.experiment_name, body.description)
    platform.wake()
    return to_wire(row)


def list_(platform: Platform, appkey: str, ids: list[str], names: list[str]) -> list[dict]:
    with platform.store.session() as session:
        query = select(ExperimentRow).where(ExperimentRow.appkey == appkey).order_by(ExperimentRow.created_at.desc())
        if ids:
            query = query.where(ExperimentRow.id.in_(ids))
        if names:
            query = query.where(ExperimentRow.name.in_(names))
        rows = session.scalars(query).all()
        counts = _training_counts(session, [r.id for r in rows])
        return [to_wire(r, counts.get(r.id, 0)) for r in rows]


def get(platform: Platform, appkey: str, experiment_id: str) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, experiment_id)
        return to_wire(row, _training_counts(session, [row.id]).get(row.id, 0))


def update(platform: Platform, appkey: str, experiment_id: str, body: ExperimentUpdate) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, experiment_id)
        if "description" in body.model_fields_set:
            row.description = body.description
            row.updated_at = now()
        return to_wire(row, _training_counts(session, [row.id]).get(row.id, 0))


def retry(platform: Platform, appkey: str, experiment_id: str) -> dict:
    with platform.store.session() as session:
        row = get_row(session, appkey, experiment_id)
        if row.status != ExperimentStatus.CREATE_FAILED.value:
            raise conflict(f"Only an experiment in CREATE FAILED can be retried; this one is {row.status}.")
        row.status, row.status_reason, row.updated_at = ExperimentStatus.CREATE_REQUESTED.value, None, now()
        wire = to_wire(row, _training_counts(session, [row.id]).get(row.id, 0))
    platform.wake()
    return wire


def delete(platform: Platform, appkey: str, experiment_id: str) -> None:
    with platform.store.session() as session:
        row = get_row(session, appkey, experiment_id)
        held = _training_counts(session, [row.id]).get(row.id, 0)
        tunings = session.scalar(select(func.count()).where(TuningRow.experiment_id == row.id))
        if tunings:
            raise conflict(
                f"Experiment '{row.name}' still holds {tunings} hyperparameter tuning(s). Delete the resources "
                "associated with the experiment first, then delete the experiment."
            )
        if held:
            raise conflict(
                f"Experiment '{row.name}' still holds {held} training(s). Delete the resources associated with the "
                "experiment first (see its Training tab), then delete the experiment."
            )
        for table, what in ((PipelineRunRow, "pipeline run"), (PipelineRecurringRunRow, "pipeline recurring run")):
            count = session.scalar(select(func.count()).select_from(table).where(table.experiment_id == row.id))
            if count:
                raise conflict(
                    f"Experiment '{row.name}' still holds {count} {what}(s). Delete the resources associated with "
                    "the experiment first, then delete the experiment."
                )
        session.delete(row)
    shutil.rmtree(platform.tensorboard_dir(appkey, experiment_id), ignore_errors=True)


def _training_counts(session: Session, experiment_ids: list[str]) -> dict[str, int]:
    if not experiment_ids:
        return {}
    query = (
        select(TrainingRow.experiment_id, func.count())
        .where(TrainingRow.experiment_id.in_(experiment_ids))
        .group_by(TrainingRow.experiment_id)
    )
    return dict(session.execute(query).all())
