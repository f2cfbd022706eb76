"""What the JupyterLab sidebar shows: one declarative entry per resource kind.

The lab extension knows no kind by name. It reads this list (GET easymaker/v1.0/ui/kinds), lists each kind from its
`path`, generates its forms from the named request-body schemas in the OpenAPI document and offers the actions and
detail tabs named here. A later resource family adds itself with one more `Kind(...)` in `KINDS`.

Beyond the fixed actions (create, stop, delete …) a kind lists `item_actions`: buttons that send one request about an
item, with a form generated from a request schema when the request takes input (edit, install packages, change the
instance type …). A kind whose items are named by the user and written with PUT (`create_method="PUT"`, e.g. a
start-up script) is created from a form that also asks for the item's id.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from typing import Any

from ..resources.statuses import (
    BATCH_FINAL,
    BATCH_STOPPABLE,
    NOTEBOOK_DELETABLE,
    NOTEBOOK_REBOOTABLE,
    NOTEBOOK_STARTABLE,
    NOTEBOOK_STOPPABLE,
    PIPELINE_RUN_FINAL,
    PIPELINE_RUN_STOPPABLE,
    TRAINING_FINAL,
    TRAINING_STOPPABLE,
    TUNING_FINAL,
    TUNING_STOPPABLE,
    BatchInferenceStatus,
    EndpointStatus,
    ExperimentStatus,
    ModelStatus,
    NotebookStatus,
    PipelineRunStatus,
    PipelineStatus,
    RecurringRunStatus,
    StageStatus,
    TrainingStatus,
    TuningStatus,
)
from .base import ApiHandler, endpoint

#: Tones the sidebar colours status badges with (the console's: blue working, green done, red failed, grey stopped).
TONES = ("running", "complete", "failed", "stopped")


def tone(status: str) -> str:
    """The console's colour family of a status word."""
    if "FAIL" in status:
        return "failed"
    if status.startswith("STOP"):
        return "stopped"
    if status in ("COMPLETE", "ACTIVE") or status.startswith("ACTIVE"):
        return "complete"
    return "running"


def tones(statuses: type[Enum]) -> dict[str, str]:
    return {s.value: tone(s.value) for s in statuses}


@dataclass(frozen=True)
class Choice:
    """A form field whose value is picked from a list another route answers (e.g. an experiment, an image)."""

    path: str  # relative to the appkey base, may carry a query
    list_key: str
    value: str
    label: str
    #: Entry field -> dotted path into the item an action is about: only entries that agree are offered (e.g. the
    #: instance types of a notebook's own core type).
    match: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemAction:
    """A button on an item's detail tab that sends one request about the item.

    The request is `method {kind.path}/{id}/{path}` (`path` empty: the item itself; starting with "/": relative to
    the appkey base, e.g. a request about all the kind's items). With a `schema` (a components/schemas name) the
    detail first shows that request body's form, filled from the item (`fill`: form field -> dotted path into the
    item), with pick lists (`choices`) and the server's 400 errorList under the fields it names; without one it sends
    `body` (after asking `confirm`, when given). The button shows only where the item's fields equal `when` (an
    enable/disable pair) and is enabled only in `statuses` (empty: any). `follow`: the answer carries an operation
    under the kind's `operation.item_key`, which the "operation" tab then follows.
    """

    name: str
    label: str
    method: str = "PUT"
    path: str = ""
    schema: str | None = None
    body: dict[str, Any] = field(default_factory=dict)
    fill: dict[str, str] = field(default_factory=dict)
    choices: dict[str, Choice] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    statuses: tuple[str, ...] = ()
    when: dict[str, Any] = field(default_factory=dict)
    confirm: str | None = None
    follow: bool = False
    submit: str | None = None  # the form's button (default: the label)


@dataclass(frozen=True)
class OperationView:
    """A detached operation an item carries (an environment's package install) that the "operation" tab follows live.

    The tab reads the operation from the item (`field`), so it finds it again after the panel or the browser was
    closed, then polls `GET {path}/{id}` (relative to the appkey base; the answer's `item_key`) until a `final` status.
    """

    field: str
    path: str
    item_key: str
    id_field: str
    status_field: str
    log_field: str
    message_field: str
    final: tuple[str, ...]
    status_tones: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutputView:
    """The "output" tab: what the item's last run left, its facts (exit code, when) and its text output."""

    facts: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Graph:
    """The "graph" tab: a DAG drawn from `{path}/{id}/{route}` (answering `graph: {nodes, edges}`).

    A run's graph carries each node's `state` and `taskIdList`; with `tasks` (a route answering `taskList`), a picked
    node shows its tasks' parameters, the log from `log` (`?taskId=`) and downloads from `artifact`
    (`?taskId=&artifactName=`). All routes are relative to the item (`{path}/{id}/`).
    """

    route: str = "graph"
    tasks: str | None = None
    log: str | None = None
    artifact: str | None = None


@dataclass(frozen=True)
class Parameters:
    """A form's `{parameterName, parameterValue}` list, filled with the declared parameters (names, defaults, types)
    of the item another field picks: a run's parameters from the picked pipeline's `pipelineParameterSpecList`."""

    field: str  # the form's list field
    picked_by: str  # the form field whose value is the item's id
    kind: str  # the kind of that item
    spec_list: str  # the item's list of {parameterName, parameterType, defaultValue, isOptional}


@dataclass(frozen=True)
class Kind:
    kind: str
    label: str
    singular: str
    path: str  # relative to {base_url}easymaker/v1.0/appkeys/{appkey}/
    list_key: str
    item_key: str
    id_field: str
    name_field: str
    status_field: str | None
    create_schema: str  # a components/schemas name in easymaker/openapi.json
    actions: tuple[str, ...]  # of: create, copy, start, stop, reboot, retry, delete, tensorboard
    #: Of: information, hyperparameters, logs, metrics, monitoring, children, output, operation, graph.
    tabs: tuple[str, ...]
    status_tones: dict[str, str] = field(default_factory=dict)
    stoppable: tuple[str, ...] = ()  # statuses in which stop is offered
    startable: tuple[str, ...] = ()  # statuses in which start (PUT {path}/{id}/start) is offered
    rebootable: tuple[str, ...] = ()  # statuses in which reboot (PUT {path}/{id}/reboot) is offered
    retryable: tuple[str, ...] = ()  # statuses in which retry (PUT {path}/{id}/retry) is offered
    deletable: tuple[str, ...] = ()  # statuses in which delete is offered (empty: any)
    #: Create-form field -> where a copy takes its value from in the item's JSON (dotted path), besides same names.
    copy_from: dict[str, str] = field(default_factory=dict)
    choices: dict[str, Choice] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # field -> the console's label
    order: tuple[str, ...] = ()  # fields first in the form, in this order
    hidden: tuple[str, ...] = ()  # fields the form does not show
    columns: tuple[str, ...] = ()  # extra fields shown in the list row
    #: Form field -> the kind whose item, once picked, fills the form's other fields (the console's "use a template").
    fill_from: dict[str, str] = field(default_factory=dict)
    #: The kind the "children" tab lists: its items whose `{id_field}` query parameter is this item's id.
    children: str | None = None
    #: "POST": create with POST {path}. "PUT": the form also asks for the item's id (`id_field`, checked with the
    #: pattern of the PUT route's path parameter) and the lab PUTs the rest to {path}/{id}, unless that item exists.
    create_method: str = "POST"
    item_actions: tuple[ItemAction, ...] = ()
    operation: OperationView | None = None  # what the "operation" tab follows
    output: OutputView | None = None  # what the "output" tab shows

    #: The query parameter the children tab filters the child kind by (default: this kind's `id_field`).
    children_filter: str | None = None
    #: Where the create form posts, if not `path` (a pipeline is uploaded to pipelines/upload).
    create_path: str | None = None
    #: The create form's name field, if not `name_field` (a run's form names it pipelineRunOrRecurringRunName).
    create_name_field: str | None = None
    #: Create-form fields given as a file picked in the form (field -> accepted suffixes); the value is its base64.
    files: dict[str, str] = field(default_factory=dict)
    graph: Graph | None = None
    parameters: Parameters | None = None

    def to_wire(self) -> dict:
        return _wire(self)


def _wire(value: Any) -> Any:
    """Dataclasses as camelCase objects, all the way down; the keys of plain dicts (field names) stay as they are."""
    if is_dataclass(value):
        return {_camel(f.name): _wire(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wire(v) for v in value]
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


EXPERIMENT = Choice("experiments", "experimentList", "experimentId", "experimentName")
IMAGE = Choice("images?groupTypeCodeList=TRAINING", "imageList", "imageId", "imageName")
NOTEBOOK_IMAGE = Choice("images?groupTypeCodeList=NOTEBOOK", "imageList", "imageId", "imageName")
FLAVOR = Choice("flavors", "flavorList", "id", "name")
SAME_CORE_FLAVOR = Choice("flavors", "flavorList", "id", "name", match={"coreTypeCode": "flavor.coreTypeCode"})
TEMPLATE = Choice("training-templates", "trainingTemplateList", "trainingTemplateId", "trainingTemplateName")
ALGORITHM = Choice("algorithms", "algorithmList", "algorithmId", "algorithmName")
PIPELINE = Choice("pipelines", "pipelineList", "pipelineId", "pipelineName")

#: Training settings as the console guide's Create Training page labels them.
CONFIG_TITLES = {
    "description": "Description",
    "algorithmId": "Algorithm (provided by NHN Cloud)",
    "sourceDirUri": "Algorithm path",
    "entryPoint": "Entry point",
    "hyperparameterList": "Hyperparameters",
    "imageId": "Image",
    "flavorId": "Training instance type",
    "instanceCount": "Number of distributed nodes",
    "useTorchrun": "Enable torchrun",
    "nprocPerNode": "Number of processes per node",
    "datasetList": "Data sets",
    "checkPointInputUri": "Input checkpoint",
    "modelUploadUri": "Output data",
    "checkPointUploadUri": "Output checkpoint",
    "dataStorageSize": "Data storage size (GB)",
    "timeoutMinutes": "Maximum training time (minutes)",
    "useLog": "Log management",
    "metricRegex": "Metric format (regular expression)",
}
CONFIG_ORDER = (
    "algorithmId", "sourceDirUri", "entryPoint", "hyperparameterList", "imageId", "flavorId", "instanceCount",
    "useTorchrun", "nprocPerNode", "datasetList", "checkPointInputUri", "modelUploadUri", "checkPointUploadUri",
    "dataStorageSize", "timeoutMinutes", "useLog", "metricRegex",
)  # fmt: skip
CONFIG_CHOICES = {"imageId": IMAGE, "flavorId": FLAVOR, "algorithmId": ALGORITHM}
CONFIG_COPY = {"imageId": "image.imageId", "flavorId": "flavor.id"}
PIPELINE_FIELDS = ("parentPipelineRunId", "parentPipelineRunTaskName")
COMPLETE_TRAINING = Choice("trainings?trainingStatusCodeList=COMPLETE", "trainingList", "trainingId", "trainingName")
COMPLETE_TUNING = Choice("hyperparameter-tunings?hyperparameterTuningStatusCodeList=COMPLETE",
                         "hyperparameterTuningList", "hyperparameterTuningId", "hyperparameterTuningName")  # fmt: skip
ACTIVE_MODEL = Choice("models?modelStatusCodeList=ACTIVE", "modelList", "modelId", "modelName")
ENDPOINT = Choice("endpoints", "endpointList", "endpointId", "endpointName")
#: Endpoint and stage settings as the console guide's Create Endpoint page labels them.
STAGE_TITLES = {
    "description": "Description", "flavorId": "Instance type", "nodeCount": "Number of instances",
    "endpointModelResourceList": "Stage resources (model ids, resource paths, pods)",
    "caEnable": "Enable autoscaler", "caMinNodeCount": "Minimum number of nodes",
    "caMaxNodeCount": "Maximum number of nodes", "caScaleDownEnable": "Scale down",
    "caScaleDownUtilThresh": "Scale-down resource usage threshold (%)",
    "caScaleDownUnneededTime": "Scale-down threshold duration (minutes)",
    "caScaleDownDelayAfterAdd": "Scale-down delay after scale-up (minutes)", "useLog": "Log management",
}  # fmt: skip
STAGE_ORDER = ("flavorId", "nodeCount", "endpointModelResourceList", "useLog", "caEnable", "caMinNodeCount",
               "caMaxNodeCount", "caScaleDownEnable", "caScaleDownUtilThresh", "caScaleDownUnneededTime",
               "caScaleDownDelayAfterAdd")  # fmt: skip
SCRIPT_TITLES = {"scriptName": "Script name (scripts run in ascending name order)",
                 "content": "Content (its first line starts with #!, e.g. #!/bin/bash)",
                 "enabled": "Enabled (the run permission)"}  # fmt: skip

#: The console's Create a Pipeline Run form (and a recurring run's, which adds the schedule).
RUN_TITLES = {
    "pipelineRunOrRecurringRunName": "Name",
    "description": "Description",
    "pipelineId": "Pipeline",
    "experimentId": "Experiment",
    "experimentName": "New experiment name",
    "experimentDescription": "New experiment description",
    "parameterList": "Execution parameters",
    "flavorId": "Instance type",
    "instanceCount": "Number of instances",
    "bootStorageSize": "Boot storage size (GB)",
    "nasList": "NHN Cloud NAS",
    "useLog": "Manage logs",
}
RUN_ORDER = (
    "pipelineRunOrRecurringRunName", "description", "pipelineId", "experimentId", "experimentName",
    "experimentDescription", "parameterList", "flavorId", "instanceCount", "bootStorageSize", "nasList", "useLog",
)  # fmt: skip
RUN_COPY = {
    "pipelineId": "pipeline.pipelineId", "experimentId": "experiment.experimentId", "flavorId": "flavor.id",
    "bootStorageSize": "bootStorage.storageSize",
}  # fmt: skip
RUN_CHOICES = {"pipelineId": PIPELINE, "experimentId": EXPERIMENT, "flavorId": FLAVOR}
RUN_PARAMETERS = Parameters("parameterList", "pipelineId", "pipelines", "pipelineParameterSpecList")
SCHEDULE_TITLES = {
    "schedulePeriodicMinutes": "Time interval (minutes)",
    "scheduleCronExpression": "Cron expression (6 fields: second minute hour day month weekday)",
    "maxConcurrencyCount": "Maximum concurrent runs",
    "scheduleStartDatetime": "Start time (ISO 8601, e.g. 2026-01-01T09:00:00+09:00)",
    "scheduleEndDatetime": "End time (ISO 8601)",
    "useCatchup": "Catch up on missed runs",
}
SCHEDULE_ORDER = tuple(SCHEDULE_TITLES)
RECURRING_TONES = {
    RecurringRunStatus.CREATE_REQUESTED.value: "running",
    RecurringRunStatus.CREATE_FAILED.value: "failed",
    RecurringRunStatus.ENABLED.value: "complete",
    RecurringRunStatus.ENABLED_EXPIRED.value: "stopped",
    RecurringRunStatus.DISABLED.value: "stopped",
}

KINDS: tuple[Kind, ...] = (
    Kind(
        kind="experiments", label="Experiments", singular="experiment", path="experiments",
        list_key="experimentList", item_key="experiment", id_field="experimentId", name_field="experimentName",
        status_field="experimentStatusCode", create_schema="ExperimentCreate",
        actions=("create", "retry", "delete", "tensorboard"), tabs=("information", "children"), children="trainings",
        status_tones=tones(ExperimentStatus), retryable=(ExperimentStatus.CREATE_FAILED.value,),
        titles={"experimentName": "Experiment name", "description": "Description"},
        order=("experimentName", "description"), hidden=PIPELINE_FIELDS, columns=("trainingCount",),
    ),
    Kind(
        kind="trainings", label="Trainings", singular="training", path="trainings", list_key="trainingList",
        item_key="training", id_field="trainingId", name_field="trainingName", status_field="trainingStatusCode",
        create_schema="TrainingCreate", actions=("create", "copy", "stop", "delete", "tensorboard"),
        tabs=("information", "hyperparameters", "logs", "metrics", "monitoring"),
        status_tones=tones(TrainingStatus), stoppable=tuple(s.value for s in TRAINING_STOPPABLE),
        deletable=tuple(s.value for s in TRAINING_FINAL),
        copy_from={**CONFIG_COPY, "experimentId": "experiment.experimentId"},
        choices={**CONFIG_CHOICES, "experimentId": EXPERIMENT, "trainingTemplateId": TEMPLATE},
        fill_from={"trainingTemplateId": "training-templates"},
        titles={**CONFIG_TITLES, "trainingName": "Training name", "experimentId": "Experiment",
                "experimentName": "New experiment name", "experimentDescription": "New experiment description",
                "trainingTemplateId": "Training template"},
        order=("trainingTemplateId", "trainingName", "description", "experimentId", "experimentName",
               "experimentDescription", *CONFIG_ORDER),
        hidden=PIPELINE_FIELDS,
    ),
    Kind(
        kind="training-templates", label="Training templates", singular="training template",
        path="training-templates", list_key="trainingTemplateList", item_key="trainingTemplate",
        id_field="trainingTemplateId", name_field="trainingTemplateName", status_field=None,
        create_schema="TemplateCreate", actions=("create", "copy", "delete"), tabs=("information", "hyperparameters"),
        copy_from=CONFIG_COPY, choices=CONFIG_CHOICES,
        titles={**CONFIG_TITLES, "trainingTemplateName": "Training template name"},
        order=("trainingTemplateName", "description", *CONFIG_ORDER),
    ),
    Kind(
        kind="hyperparameter-tunings", label="Tunings", singular="hyperparameter tuning",
        path="hyperparameter-tunings", list_key="hyperparameterTuningList", item_key="hyperparameterTuning",
        id_field="hyperparameterTuningId", name_field="hyperparameterTuningName",
        status_field="hyperparameterTuningStatusCode", create_schema="TuningCreate",
        actions=("create", "copy", "stop", "delete", "tensorboard"), tabs=("information",),
        status_tones=tones(TuningStatus), stoppable=tuple(s.value for s in TUNING_STOPPABLE),
        deletable=tuple(s.value for s in TUNING_FINAL),
        copy_from={**CONFIG_COPY, "experimentId": "experiment.experimentId"},
        choices={**CONFIG_CHOICES, "experimentId": EXPERIMENT, "trainingTemplateId": TEMPLATE},
        fill_from={"trainingTemplateId": "training-templates"},
        titles={**CONFIG_TITLES, "hyperparameterTuningName": "Hyperparameter tuning name",
                "experimentId": "Experiment", "trainingTemplateId": "Training template",
                "hyperparameterSpecList": "Hyperparameters to search", "objectiveMetric": "Target metric",
                "objectiveTypeCode": "Target indicator", "objectiveGoal": "Target value",
                "tuningStrategyName": "Tuning strategy", "maxTrialCount": "Maximum number of trainings",
                "parallelTrialCount": "Number of trainings in parallel",
                "maxFailedTrialCount": "Maximum number of failed trainings"},
        order=("trainingTemplateId", "hyperparameterTuningName", "description", "experimentId",
               "hyperparameterSpecList", "objectiveMetric", "objectiveTypeCode", "objectiveGoal",
               "tuningStrategyName", "maxTrialCount", "parallelTrialCount", "maxFailedTrialCount", *CONFIG_ORDER),
        hidden=PIPELINE_FIELDS, columns=("trialCount",),
    ),
    Kind(
        kind="models", label="Models", singular="model", path="models", list_key="modelList", item_key="model",
        id_field="modelId", name_field="modelName", status_field="modelStatusCode", create_schema="ModelCreate",
        actions=("create", "delete"), tabs=("information",), status_tones=tones(ModelStatus),
        choices={"trainingId": COMPLETE_TRAINING, "hyperparameterTuningId": COMPLETE_TUNING},
        titles={"modelName": "Model name", "description": "Description", "modelFormatCode": "Framework",
                "frameworkVersion": "Framework version", "trainingId": "Training (COMPLETE)",
                "hyperparameterTuningId": "Hyperparameter tuning (its best trial)",
                "modelUploadUri": "Model artifact (obs://, nas://, s3:// or a path)", "parameterList": "Parameters"},
        order=("modelName", "description", "modelFormatCode", "frameworkVersion", "trainingId",
               "hyperparameterTuningId", "modelUploadUri", "parameterList"),
        hidden=(*PIPELINE_FIELDS, "fineTuningId"), columns=("modelFormatCode",),
        item_actions=(
            ItemAction("edit", "Edit", "PUT", schema="ModelUpdate", submit="Save",
                       fill={"modelName": "modelName", "description": "description"},
                       titles={"modelName": "Model name", "description": "Description"}),
        ),
    ),
    Kind(
        kind="endpoints", label="Endpoints", singular="endpoint", path="endpoints", list_key="endpointList",
        item_key="endpoint", id_field="endpointId", name_field="endpointName", status_field="endpointStatusCode",
        create_schema="EndpointCreate", actions=("create", "delete"), tabs=("information", "children"),
        children="endpoint-stages", status_tones=tones(EndpointStatus), choices={"flavorId": FLAVOR},
        titles={**STAGE_TITLES, "endpointName": "Endpoint name", "isPublic": "Public (no API key needed)"},
        order=("endpointName", "description", "isPublic", *STAGE_ORDER), hidden=PIPELINE_FIELDS,
        columns=("endpointStageCount",),
        item_actions=(
            ItemAction("edit", "Edit", "PUT", schema="EndpointUpdate", submit="Save",
                       fill={"description": "description", "isPublic": "isPublic"},
                       titles={"description": "Description", "isPublic": "Public (no API key needed)",
                               "defaultEndpointStageId": "Default stage (an ACTIVE stage's id)"}),
        ),
    ),
    Kind(
        kind="endpoint-stages", label="Endpoint stages", singular="endpoint stage", path="endpoint-stages",
        list_key="endpointStageList", item_key="endpointStage", id_field="endpointStageId",
        name_field="apigwStageName", status_field="endpointStageStatusCode", create_schema="StageCreate",
        actions=("create", "delete"), tabs=("information", "logs", "monitoring"), status_tones=tones(StageStatus),
        choices={"endpointId": ENDPOINT, "flavorId": FLAVOR},
        titles={**STAGE_TITLES, "endpointId": "Endpoint", "apigwStageName": "Stage name"},
        order=("endpointId", "apigwStageName", "description", *STAGE_ORDER), hidden=PIPELINE_FIELDS,
        columns=("apigwStageUrl",),
    ),
    Kind(
        kind="batch-inferences", label="Batch inferences", singular="batch inference", path="batch-inferences",
        list_key="batchInferenceList", item_key="batchInference", id_field="batchInferenceId",
        name_field="batchInferenceName", status_field="batchInferenceStatusCode",
        create_schema="BatchInferenceCreate", actions=("create", "copy", "stop", "delete"),
        tabs=("information", "logs", "monitoring"), status_tones=tones(BatchInferenceStatus),
        stoppable=tuple(s.value for s in BATCH_STOPPABLE), deletable=tuple(s.value for s in BATCH_FINAL),
        copy_from={"flavorId": "flavor.id", "modelId": "model.modelId"},
        choices={"modelId": ACTIVE_MODEL, "flavorId": FLAVOR},
        titles={"batchInferenceName": "Batch inference name", "description": "Description", "modelId": "Model",
                "flavorId": "Instance type", "instanceCount": "Number of instances", "podCount": "Number of pods",
                "inputDataUri": "Input data path", "inputDataTypeCode": "Input data type",
                "includeGlobPattern": "Include glob pattern", "excludeGlobPattern": "Exclude glob pattern",
                "outputUploadUri": "Output data path", "maxBatchSize": "Batch size",
                "inferenceTimeoutSeconds": "Inference timeout (seconds)",
                "timeoutMinutes": "Maximum batch inference time (minutes)",
                "dataStorageSize": "Data storage size (GB)", "useLog": "Log management"},
        order=("batchInferenceName", "description", "modelId", "flavorId", "instanceCount", "podCount",
               "inputDataUri", "inputDataTypeCode", "includeGlobPattern", "excludeGlobPattern", "outputUploadUri",
               "maxBatchSize", "inferenceTimeoutSeconds", "timeoutMinutes", "dataStorageSize", "useLog"),
        hidden=(*PIPELINE_FIELDS, "imageId"), columns=("processCount",),
    ),
    Kind(
        kind="notebooks", label="Notebooks", singular="notebook", path="notebooks", list_key="notebookList",
        item_key="notebook", id_field="notebookId", name_field="notebookName", status_field="notebookStatusCode",
        create_schema="NotebookCreate", actions=("create", "start", "stop", "reboot", "delete"),
        tabs=("information", "monitoring"), status_tones=tones(NotebookStatus),
        stoppable=tuple(s.value for s in NOTEBOOK_STOPPABLE), startable=tuple(s.value for s in NOTEBOOK_STARTABLE),
        rebootable=tuple(s.value for s in NOTEBOOK_REBOOTABLE),
        deletable=tuple(s.value for s in NOTEBOOK_DELETABLE),
        choices={"imageId": NOTEBOOK_IMAGE, "flavorId": FLAVOR},
        titles={"notebookName": "Notebook name", "description": "Description", "imageId": "Image",
                "flavorId": "Instance type", "bootStorageSize": "Boot storage size (GB)",
                "dataStorageSize": "Data storage size (GB)", "nasList": "NHN Cloud NAS", "tagList": "Tags"},
        order=("notebookName", "description", "imageId", "flavorId", "bootStorageSize", "dataStorageSize", "nasList",
               "tagList"),
        item_actions=(
            ItemAction("change-flavor", "Change instance type", "PUT", "flavor", schema="NotebookFlavorChange",
                       fill={"flavorId": "flavor.id"}, choices={"flavorId": SAME_CORE_FLAVOR},
                       titles={"flavorId": "Instance type (same core type; the notebook must be STOPPED)"},
                       statuses=(NotebookStatus.STOPPED.value,)),
        ),
    ),
    Kind(
        kind="custom-envs", label="Environments", singular="environment", path="custom-envs",
        list_key="environmentList", item_key="environment", id_field="environmentName",
        name_field="environmentName", status_field=None, create_schema="EnvironmentCreate",
        actions=("create", "delete"),
        titles={"environmentName": "Environment name (a folder of custom-conda-envs/)",
                "pythonVersion": "Python version (e.g. 3.11)", "packageList": "Packages to install"},
        order=("environmentName", "pythonVersion", "packageList"), columns=("kernelName",),
        tabs=("information", "operation"),
        item_actions=(
            ItemAction("install", "Install packages", "POST", "packages", schema="PackageInstall", follow=True,
                       titles={"packageList": "Packages to install (pip requirements, e.g. pandas>=2)"},
                       when={"operation": None}),  # not while another operation runs on it
        ),
        operation=OperationView(
            field="lastOperation", path="custom-env-operations", item_key="operation", id_field="operationId",
            status_field="status", log_field="logTail", message_field="message", final=("SUCCEEDED", "FAILED"),
            status_tones={"RUNNING": "running", "SUCCEEDED": "complete", "FAILED": "failed"},
        ),
    ),
    Kind(
        kind="cont-init-scripts", label="Startup scripts", singular="startup script", path="cont-init-scripts",
        list_key="scriptList", item_key="script", id_field="scriptName", name_field="scriptName", status_field=None,
        create_schema="ScriptPut", create_method="PUT", actions=("create", "delete"), tabs=("output", "information"),
        titles=SCRIPT_TITLES, order=("scriptName", "content", "enabled"), columns=("enabled", "lastExitCode"),
        item_actions=(
            ItemAction("run", "Run", "POST", "run", when={"willRun": True}),
            ItemAction("run-all", "Run all", "POST", "/cont-init-runs",
                       confirm="Run every start-up script again, in order, as the notebook does when it starts?"),
            ItemAction("edit", "Edit", "PUT", schema="ScriptPut", fill={"content": "content", "enabled": "enabled"},
                       titles={k: v for k, v in SCRIPT_TITLES.items() if k != "scriptName"}, submit="Save"),
            ItemAction("disable", "Disable", "PUT", body={"enabled": False}, when={"enabled": True}),
            ItemAction("enable", "Enable", "PUT", body={"enabled": True}, when={"enabled": False}),
        ),
        output=OutputView(facts=("lastExitCode", "lastRunDatetime", "willRun", "skipReason"), text="lastOutput"),
    ),
    Kind(
        kind="pipelines", label="Pipelines", singular="pipeline", path="pipelines", list_key="pipelineList",
        item_key="pipeline", id_field="pipelineId", name_field="pipelineName", status_field="pipelineStatusCode",
        create_schema="PipelineUpload", create_path="pipelines/upload", actions=("create", "delete"),
        tabs=("graph", "information"), status_tones=tones(PipelineStatus),
        deletable=(PipelineStatus.ACTIVE.value, PipelineStatus.CREATE_FAILED.value),
        titles={"pipelineName": "Name", "description": "Description",
                "base64PipelineSpecManifest": "File registration (a compiled KFP IR YAML)"},
        order=("pipelineName", "description", "base64PipelineSpecManifest"), hidden=PIPELINE_FIELDS,
        files={"base64PipelineSpecManifest": ".yaml,.yml"}, graph=Graph(),
    ),
    Kind(
        kind="pipeline-runs", label="Pipeline runs", singular="pipeline run", path="pipeline-runs",
        list_key="pipelineRunList", item_key="pipelineRun", id_field="pipelineRunId", name_field="pipelineRunName",
        status_field="pipelineRunStatusCode", create_schema="PipelineRunCreate",
        create_name_field="pipelineRunOrRecurringRunName", actions=("create", "copy", "stop", "delete"),
        tabs=("graph", "information"), status_tones=tones(PipelineRunStatus),
        stoppable=tuple(sorted(s.value for s in PIPELINE_RUN_STOPPABLE)),
        deletable=tuple(sorted(s.value for s in PIPELINE_RUN_FINAL)),
        copy_from={**RUN_COPY, "pipelineRunOrRecurringRunName": "pipelineRunName"}, choices=RUN_CHOICES,
        titles=RUN_TITLES, order=RUN_ORDER, hidden=(*PIPELINE_FIELDS, *SCHEDULE_ORDER, "schedulePeriodicSeconds"),
        graph=Graph(tasks="tasks", log="task-log", artifact="task-artifact"), parameters=RUN_PARAMETERS,
        columns=("elapsedTimeSeconds",),
    ),
    Kind(
        kind="pipeline-recurring-runs", label="Recurring runs", singular="pipeline recurring run",
        path="pipeline-recurring-runs", list_key="pipelineRecurringRunList", item_key="pipelineRecurringRun",
        id_field="pipelineRecurringRunId", name_field="pipelineRecurringRunName",
        status_field="pipelineRecurringRunStatusCode", create_schema="PipelineRunCreate",
        create_name_field="pipelineRunOrRecurringRunName", actions=("create", "copy", "start", "stop", "delete"),
        tabs=("information", "children"), children="pipeline-runs", children_filter="pipelineRecurringRunIdList",
        status_tones=RECURRING_TONES, startable=(RecurringRunStatus.DISABLED.value,),
        stoppable=(RecurringRunStatus.ENABLED.value, RecurringRunStatus.ENABLED_EXPIRED.value),
        copy_from={**RUN_COPY, "pipelineRunOrRecurringRunName": "pipelineRecurringRunName"}, choices=RUN_CHOICES,
        titles={**RUN_TITLES, **SCHEDULE_TITLES}, order=(*RUN_ORDER, *SCHEDULE_ORDER),
        hidden=(*PIPELINE_FIELDS, "schedulePeriodicSeconds"), parameters=RUN_PARAMETERS,
        columns=("pipelineRunCount",),
    ),
)  # fmt: skip


class KindsHandler(ApiHandler):
    @endpoint
    async def get(self) -> None:
        self.respond({"kindList": [kind.to_wire() for kind in KINDS]})


def routes(root: str) -> list[tuple[str, type]]:
    return [(rf"{root}/v1.0/ui/kinds", KindsHandler)]
