"""Pipeline recurring runs: the console guide's Pipeline Recurring Run chapter. The controller creates the runs."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..errors import EasyMakerError, FieldError, conflict, invalid_fields, not_found
from ..platform import Platform, new_id, now, wire_time
from ..store import ExperimentRow, PipelineRecurringRunRow, PipelineRow, PipelineRunRow
from . import experiments, pipeline_runs, pipeline_schedule, pipelines
from .naming import free_copy_name
from .pipeline_runs import RUN_FIELDS, check_run_config, merged_run_fields, run_fields
from .schema import PipelineRunCreate, RecurringRunCopy, parse
from .statuses import PIPELINE_RUN_FINAL, PIPELINE_RUN_STOPPABLE, RecurringRunStatus

SCHEDULE_FIELDS = (
    "schedulePeriodicMinutes", "schedulePeriodicSeconds", "scheduleCronExpression", "maxConcurrencyCount",
    "scheduleStartDatetime", "scheduleEndDatetime", "useCatchup",
)  # fmt: skip
SCHEDULE_DEFAULTS = {"maxConcurrencyCount": 1, "useCatchup": True}


def is_recurring(body: PipelineRunCreate) -> bool:
    return any(
        getattr(body, f) is not None
        for f in ("schedule_periodic_minutes", "schedule_periodic_seconds", "schedule_cron_expression")
    )


def schedule_fields(body) -> dict:
    given = body.model_dump(by_alias=True, mode="json")
    return {k: given[k] for k in SCHEDULE_FIELDS if given.get(k) is not None}


def create(platform: Platform, appkey: str, body: PipelineRunCreate) -> dict:
    schedule = {**SCHEDULE_DEFAULTS, **schedule_fields(body)}
    errors = pipeline_schedule.errors(schedule)
    if not errors and pipeline_schedule.Trigger(schedule, now()).expired(now()):
        errors.append(FieldError("scheduleEndDatetime", "is in the past: the recurring run would never run"))
    with platform.store.session() as session:
        try:
            pipeline, config, arguments = check_run_config(
                platform, session, appkey, body.pipeline_id, run_fields(body)
            )
        except EasyMakerError as err:  # one answer naming every wrong field, the schedule's too
            raise invalid_fields([*err.errors, *errors]) from None
        if errors:
            raise invalid_fields(errors)
        name = body.pipeline_run_or_recurring_run_name
        if session.scalar(select(PipelineRecurringRunRow.id).where(
                PipelineRecurringRunRow.appkey == appkey, PipelineRecurringRunRow.name == name)):  # fmt: skip
            raise conflict(f"pipelineRecurringRunName: a recurring run named '{name}' already exists; choose another.")
        experiment = experiments.for_work(
            session, appkey, body.experiment_id, body.experiment_name, body.experiment_description
        )
        stamp = now()
        row = PipelineRecurringRunRow(
            id=new_id(), appkey=appkey, name=name, description=body.description, pipeline_id=pipeline.id,
            experiment_id=experiment.id, config={**config, **schedule, "arguments": arguments},
            status=RecurringRunStatus.CREATE_REQUESTED.value, enabled=True, created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        session.add(row)
        wire = to_wire(platform, session, row)
    platform.wake()
    return wire


def copy(platform: Platform, appkey: str, recurring_id: str, body: RecurringRunCopy) -> dict:
    with platform.store.session() as session:
        original = get_row(session, appkey, recurring_id)
        names = select(PipelineRecurringRunRow.name).where(PipelineRecurringRunRow.appkey == appkey)
        taken = set(session.scalars(names))
        given = body.model_dump(by_alias=True, mode="json", include=body.model_fields_set)
        schedule = {k: v for k, v in original.config.items() if k in SCHEDULE_FIELDS}
        if any(given.get(k) is not None for k in pipeline_schedule.TRIGGERS):
            schedule = {k: v for k, v in schedule.items() if k not in pipeline_schedule.TRIGGERS}
        fields = {
            "pipelineRunOrRecurringRunName": body.pipeline_recurring_run_name or free_copy_name(original.name, taken),
            "description": body.description if "description" in body.model_fields_set else original.description,
            "pipelineId": body.pipeline_id or original.pipeline_id,
            "experimentId": body.experiment_id or original.experiment_id,
            **schedule,
            **{k: v for k, v in given.items() if k in SCHEDULE_FIELDS},
            **merged_run_fields(original.config, {k: v for k, v in given.items() if k in RUN_FIELDS}),
        }
    return create(platform, appkey, parse(PipelineRunCreate, fields))


def get_row(session: Session, appkey: str, recurring_id: str) -> PipelineRecurringRunRow:
    row = session.get(PipelineRecurringRunRow, recurring_id)
    if row is None or row.appkey != appkey:
        raise not_found("Pipeline recurring run", recurring_id)
    return row


def get(platform: Platform, appkey: str, recurring_id: str) -> dict:
    with platform.store.session() as session:
        return to_wire(platform, session, get_row(session, appkey, recurring_id))


def list_(platform: Platform, appkey: str, filters: dict[str, list[str]]) -> list[dict]:
    with platform.store.session() as session:
        query = select(PipelineRecurringRunRow).where(PipelineRecurringRunRow.appkey == appkey)
        for param, column in (
            ("pipelineRecurringRunIdList", PipelineRecurringRunRow.id),
            ("pipelineRecurringRunNameList", PipelineRecurringRunRow.name),
            ("pipelineIdList", PipelineRecurringRunRow.pipeline_id),
            ("experimentIdList", PipelineRecurringRunRow.experiment_id),
            ("pipelineRecurringRunStatusCodeList", PipelineRecurringRunRow.status),
        ):
            if filters.get(param):
                query = query.where(column.in_(filters[param]))
        rows = session.scalars(query.order_by(PipelineRecurringRunRow.created_at.desc())).all()
        return [to_wire(platform, session, row) for row in rows]


def set_enabled(platform: Platform, appkey: str, recurring_id: str, enabled: bool) -> dict:
    """Start or stop the schedule. Stopping does not stop the runs it already created (as KFP)."""
    with platform.store.session() as session:
        row = get_row(session, appkey, recurring_id)
        if row.status == RecurringRunStatus.CREATE_FAILED.value:
            raise conflict(f"Pipeline recurring run '{row.name}' is CREATE FAILED ({row.status_reason}); create it "
                           "again.")  # fmt: skip
        row.enabled, row.updated_at = enabled, now()
        session.flush()
        # The status follows, unless the controller has not activated the schedule yet (it sets it then). Decided
        # in the UPDATE itself: the controller may have activated it since this request read the row.
        table, waiting = (
            PipelineRecurringRunRow,
            (RecurringRunStatus.CREATE_REQUESTED, RecurringRunStatus.CREATE_FAILED),
        )
        session.execute(
            update(table)
            .where(table.id == row.id, table.status.not_in([s.value for s in waiting]))
            .values(status=status_for(row).value)
        )
        session.refresh(row)
        wire = to_wire(platform, session, row)
    platform.wake()
    return wire


def status_for(row: PipelineRecurringRunRow) -> RecurringRunStatus:
    if not row.enabled:
        return RecurringRunStatus.DISABLED
    if pipeline_schedule.Trigger(row.config, row.created_at).expired(now()):
        return RecurringRunStatus.ENABLED_EXPIRED
    return RecurringRunStatus.ENABLED


def delete(platform: Platform, appkey: str, recurring_id: str) -> None:
    """The schedule goes; the runs it created stay (they keep its name), as in KFP. The console's rule: not while
    one of its runs is in progress (runs already stopping or finishing do not hold it)."""
    with platform.store.session() as session:
        row = get_row(session, appkey, recurring_id)
        running = session.scalars(
            select(PipelineRunRow.name).where(
                PipelineRunRow.recurring_run_id == row.id,
                PipelineRunRow.status.in_([s.value for s in PIPELINE_RUN_STOPPABLE]),
            )
        ).all()  # fmt: skip
        if running:
            raise conflict(
                f"Pipeline recurring run '{row.name}' has pipeline run(s) in progress ({', '.join(sorted(running))}). "
                "Stop the recurring run, wait for its runs to end (or stop them), then delete it."
            )
        session.delete(row)


def active_runs(session: Session, recurring_id: str) -> int:
    return session.scalar(
        select(func.count()).select_from(PipelineRunRow).where(
            PipelineRunRow.recurring_run_id == recurring_id,
            PipelineRunRow.status.not_in([s.value for s in PIPELINE_RUN_FINAL]),
        )
    )  # fmt: skip


def to_wire(platform: Platform, session: Session, row: PipelineRecurringRunRow) -> dict:
    config = row.config
    pipeline = session.get(PipelineRow, row.pipeline_id)
    run_count = session.scalar(
        select(func.count()).select_from(PipelineRunRow).where(PipelineRunRow.recurring_run_id == row.id)
    )
    trigger = pipeline_schedule.Trigger(config, row.created_at)
    upcoming = None
    if row.enabled and row.status != RecurringRunStatus.CREATE_FAILED.value:
        tick = trigger.next_after(row.last_scheduled_at)
        upcoming = None if trigger.end and tick > trigger.end else tick
    return {
        "pipelineRecurringRunId": row.id,
        "pipelineRecurringRunName": row.name,
        "pipelineRecurringRunStatusCode": row.status,
        "statusReason": row.status_reason,
        "description": row.description,
        "appKey": row.appkey,
        "pipeline": pipelines.summary(pipeline, row.pipeline_id),
        "experiment": pipeline_runs.experiment_wire(session.get(ExperimentRow, row.experiment_id), row.experiment_id),
        **pipeline_runs.run_config_wire(platform, config),
        **{k: config.get(k) for k in SCHEDULE_FIELDS},
        "lastScheduledDatetime": wire_time(row.last_scheduled_at),
        "nextScheduledDatetime": wire_time(upcoming),
        "pipelineRunCount": run_count,
        "createdDatetime": wire_time(row.created_at),
        "updatedDatetime": wire_time(row.updated_at),
    }
