"""SQLAlchemy rows. Resource configuration is kept as the validated wire JSON it was created from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ExperimentRow(Base):
    __tablename__ = "experiments"
    __table_args__ = (UniqueConstraint("appkey", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TemplateRow(Base):
    __tablename__ = "training_templates"
    __table_args__ = (UniqueConstraint("appkey", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    config: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TrainingRow(Base):
    __tablename__ = "trainings"
    __table_args__ = (UniqueConstraint("appkey", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    experiment_id: Mapped[str] = mapped_column(ForeignKey("experiments.id"), index=True)
    template_id: Mapped[str | None] = mapped_column(String(36))
    tuning_id: Mapped[str | None] = mapped_column(String(36), index=True)  # set on a tuning's trial
    config: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    log_cursor: Mapped[int] = mapped_column(Integer, default=0)
    usage_cursor: Mapped[int] = mapped_column(Integer, default=0)
    applied_resources: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class TuningRow(Base):
    """A hyperparameter tuning (a Katib experiment): its configuration, status and the ordinal of its next trial."""

    __tablename__ = "hyperparameter_tunings"
    __table_args__ = (UniqueConstraint("appkey", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    experiment_id: Mapped[str] = mapped_column(ForeignKey("experiments.id"), index=True)
    template_id: Mapped[str | None] = mapped_column(String(36))
    config: Mapped[dict] = mapped_column(JSON)
    seed: Mapped[int] = mapped_column(Integer)  # the random state, drawn at creation when none was given
    status: Mapped[str] = mapped_column(String(64), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    suggestions_done: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class TrialRow(Base):
    """One trial of a tuning. Its work is the training row with the same id (trainings.tuning_id set)."""

    __tablename__ = "trials"
    __table_args__ = (UniqueConstraint("tuning_id", "ordinal"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tuning_id: Mapped[str] = mapped_column(ForeignKey("hyperparameter_tunings.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    assignments: Mapped[dict] = mapped_column(JSON)  # hyperparameter name -> value (str)
    sampler_attrs: Mapped[dict] = mapped_column(JSON)  # what the suggestion engine keeps with the trial
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str | None] = mapped_column(Text)
    stop_rule: Mapped[float | None] = mapped_column(Float)  # the median stopping rule value given at creation
    early_stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    objective_value: Mapped[float | None] = mapped_column(Float)
    metric_summary: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LogRow(Base):
    """One log record with the Log & Crash Search fields (console guide, appendix 2)."""

    __tablename__ = "logs"
    __table_args__ = (Index("ix_logs_resource", "resource_id", "id"), Index("ix_logs_parent", "parent_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appkey: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str] = mapped_column(String(36))
    log_level: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    time: Mapped[datetime]
    rank: Mapped[int] = mapped_column(Integer, default=0)
    #: The resource's owner, when a filter needs it (an inference record's endpoint; its resource is the stage).
    parent_id: Mapped[str | None] = mapped_column(String(36))
    #: The category's further wire fields (an inference record's inferenceId, action, modelName).
    fields: Mapped[dict | None] = mapped_column(JSON)


class MetricRow(Base):
    """A metric value scraped from a workload's stdout; step counts the values of that name in order."""

    __tablename__ = "metrics"
    __table_args__ = (Index("ix_metrics_resource", "resource_id", "name", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    value: Mapped[float] = mapped_column(Float)
    step: Mapped[int] = mapped_column(Integer)
    time: Mapped[datetime]


class UsageRow(Base):
    """A CPU / memory sample of a running workload (the console's Monitoring tab)."""

    __tablename__ = "usage"
    __table_args__ = (Index("ix_usage_resource", "resource_id", "time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[str] = mapped_column(String(36))
    time: Mapped[datetime]
    cpu_percent: Mapped[float] = mapped_column(Float)
    memory_bytes: Mapped[int] = mapped_column(Integer)
    #: The monitored instance (a process of a stage's pool, a batch worker); None: the workload as a whole.
    instance: Mapped[str | None] = mapped_column(String(64))


class NotebookRow(Base):
    """A notebook instance. `generation` counts its launches: each start or reboot is a new one (a fresh boot area)."""

    __tablename__ = "notebooks"
    __table_args__ = (UniqueConstraint("appkey", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    config: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    usage_cursor: Mapped[int] = mapped_column(Integer, default=0)
    applied_resources: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    started_at: Mapped[datetime | None]


class PipelineRow(Base):
    """An uploaded KFP pipeline: its IR YAML as uploaded, and the parameters read from it."""

    __tablename__ = "pipelines"
    __table_args__ = (UniqueConstraint("appkey", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    manifest: Mapped[str] = mapped_column(Text)
    parameters: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PipelineRecurringRunRow(Base):
    """A schedule that creates pipeline runs. `last_scheduled_at` is the last tick a run was created for: the
    controller computes every later tick from it, so catch-up after a restart is exact."""

    __tablename__ = "pipeline_recurring_runs"
    __table_args__ = (UniqueConstraint("appkey", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    pipeline_id: Mapped[str] = mapped_column(ForeignKey("pipelines.id"), index=True)
    experiment_id: Mapped[str] = mapped_column(ForeignKey("experiments.id"), index=True)
    config: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_scheduled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PipelineRunRow(Base):
    """One run of a pipeline; `manifest` is the pipeline as it was when the run was created. `tasks` is each task's
    state, inputs, outputs and log as the backend last reported them (the live graph)."""

    __tablename__ = "pipeline_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    pipeline_id: Mapped[str] = mapped_column(String(36), index=True)
    experiment_id: Mapped[str] = mapped_column(ForeignKey("experiments.id"), index=True)
    recurring_run_id: Mapped[str | None] = mapped_column(String(36), index=True)
    manifest: Mapped[str] = mapped_column(Text)
    config: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    tasks: Mapped[dict] = mapped_column(JSON, default=dict)
    log_cursors: Mapped[dict] = mapped_column(JSON, default=dict)  # task id -> bytes of its log already stored
    scheduled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ModelRow(Base):
    """A registered model: its artifact location, framework and serving parameters (config, as wire JSON)."""

    __tablename__ = "models"
    __table_args__ = (UniqueConstraint("appkey", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    config: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class EndpointRow(Base):
    """An endpoint: one API Gateway service. Names are unique on the server: they appear in gateway URLs."""

    __tablename__ = "endpoints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str | None] = mapped_column(Text)
    default_stage_id: Mapped[str | None] = mapped_column(String(36))
    api_key_hash: Mapped[str | None] = mapped_column(String(64))
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class EndpointStageRow(Base):
    """A stage of an endpoint: one model-server process (pool) serving its stage resources."""

    __tablename__ = "endpoint_stages"
    __table_args__ = (UniqueConstraint("endpoint_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("endpoints.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    config: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str | None] = mapped_column(Text)
    gateway_status: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(64))  # host:port of the serving generation
    deployed_revision: Mapped[str | None] = mapped_column(String(64))
    delete_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Log management: how far each generation's model-server output has become log records (revision -> offset).
    log_cursors: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class EndpointModelRow(Base):
    """A stage resource: one model served by a stage at its own gateway resource path."""

    __tablename__ = "endpoint_models"
    __table_args__ = (UniqueConstraint("stage_id", "resource_path"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    endpoint_id: Mapped[str] = mapped_column(String(36), index=True)
    stage_id: Mapped[str] = mapped_column(ForeignKey("endpoint_stages.id"), index=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"), index=True)
    resource_path: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    config: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(32))
    status_reason: Mapped[str | None] = mapped_column(Text)
    delete_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ApiCallStatRow(Base):
    """Gateway calls per stage resource per minute: what API statistics and the dashboard's top 3 read."""

    __tablename__ = "api_call_stats"
    __table_args__ = (UniqueConstraint("endpoint_model_id", "minute"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[str] = mapped_column(String(36), index=True)
    stage_id: Mapped[str] = mapped_column(String(36), index=True)
    endpoint_model_id: Mapped[str] = mapped_column(String(36))
    minute: Mapped[datetime]
    calls: Mapped[int] = mapped_column(Integer, default=0)
    success: Mapped[int] = mapped_column(Integer, default=0)
    client_errors: Mapped[int] = mapped_column(Integer, default=0)
    server_errors: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms_sum: Mapped[float] = mapped_column(Float, default=0.0)
    latency_ms_max: Mapped[float] = mapped_column(Float, default=0.0)


class BatchInferenceRow(Base):
    """A batch inference: a model over input files; `counters` are the figures the SDK shows."""

    __tablename__ = "batch_inferences"
    __table_args__ = (UniqueConstraint("appkey", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appkey: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(255))
    model_id: Mapped[str] = mapped_column(String(36), index=True)
    config: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(40), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    stop_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    counters: Mapped[dict | None] = mapped_column(JSON)
    log_cursor: Mapped[int] = mapped_column(Integer, default=0)  # log management: records read from its run
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
