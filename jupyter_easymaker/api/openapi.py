"""The OpenAPI document: generated from the route table (`build_document`), checked in as openapi.json, served as is.

Regenerate after changing a route, a handler or a request model: `bash scripts/openapi.sh`
(tests/test_openapi.py fails while the checked-in document is stale or misses a route).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from ..resources.logs import LEVELS, LOG_TYPE, MAX_LIMIT
from ..resources.pipeline_ir import STATE_ORDER
from ..resources.schema import (
    BATCH_DEFAULTS,
    TRAINING_DEFAULTS,
    BatchInferenceCopy,
    BatchInferenceCreate,
    BatchInferenceSettings,
    EndpointCreate,
    EndpointUpdate,
    EnvironmentCreate,
    ExperimentCreate,
    ExperimentUpdate,
    ModelCreate,
    ModelUpdate,
    NasMount,
    NotebookCreate,
    NotebookFlavorChange,
    NotebookUpdate,
    PackageInstall,
    PipelineRunCopy,
    PipelineRunCreate,
    PipelineUpload,
    RecurringRunCopy,
    ScriptPut,
    StageCreate,
    StageResourceCreate,
    Tag,
    TemplateCreate,
    TemplateUpdate,
    TrainingConfig,
    TrainingCopy,
    TrainingCreate,
    TuningConfig,
    TuningCopy,
    TuningCreate,
)
from ..resources.statuses import (
    BatchInferenceStatus,
    EndpointStatus,
    ExperimentStatus,
    GatewayStatus,
    ModelStatus,
    NotebookStatus,
    PipelineRunStatus,
    PipelineStatus,
    RecurringRunStatus,
    StageResourceStatus,
    StageStatus,
    TrainingStatus,
    TrialStatus,
    TuningStatus,
)
from .base import ApiHandler, endpoint

DOCUMENT = Path(__file__).with_name("openapi.json")
HTTP_METHODS = ("get", "post", "put", "delete", "patch")


@cache
def document() -> dict:
    return json.loads(DOCUMENT.read_text())


class OpenApiHandler(ApiHandler):
    @endpoint
    async def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(document()))


# -- route table -> path templates -------------------------------------------------------------------------------------

#: Route group name -> path parameter name, where camelCase of the group name is not the wire name.
PARAMETER_NAMES = {"template_id": "trainingTemplateId", "stage_id": "endpointStageId", "resource_id": "endpointModelId"}
_GROUP = re.compile(r"\(\?P<(\w+)>")


def parameter_name(group: str) -> str:
    return PARAMETER_NAMES.get(group, to_camel(group))


def path_template(regex: str) -> tuple[str, dict[str, str]]:
    """`…/(?P<training_id>[A-Za-z0-9-]{1,64})/stop` -> (`…/{trainingId}/stop`, {"trainingId": "[A-Za-z0-9-]{1,64}"})."""
    parts, patterns, i = [], {}, 0
    while i < len(regex):
        match = _GROUP.match(regex, i)
        if match:
            depth, j = 1, match.end()
            while depth:
                if j >= len(regex):
                    raise ValueError(f"unbalanced group in route {regex!r}")
                depth += {"(": 1, ")": -1}.get(regex[j], 0) if regex[j - 1] != "\\" else 0
                j += 1
            name = parameter_name(match.group(1))
            parts.append(f"{{{name}}}")
            patterns[name] = regex[match.end() : j - 1]
            i = j
        elif regex[i] == "\\" and i + 1 < len(regex):
            parts.append(regex[i + 1])
            i += 2
        elif regex[i] in "()[]*+?|^$":
            raise ValueError(f"route {regex!r} uses a regex construct a path template cannot express: {regex[i]!r}")
        else:
            parts.append(regex[i])
            i += 1
    return "".join(parts), patterns


def handler_methods(handler: type) -> list[str]:
    """The HTTP methods the handler class defines itself (not those it inherits)."""
    return [m for m in HTTP_METHODS if m in vars(handler)]


# -- schemas -----------------------------------------------------------------------------------------------------------


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def array(name: str) -> dict:
    return {"type": "array", "items": ref(name)}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict[str, dict], required: list[str] | None = None, **extra: Any) -> dict:
    required = sorted(properties if required is None else required)
    return {"type": "object", "properties": properties, "required": required, **extra}


STRING, INTEGER, NUMBER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
TIME = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601 with milliseconds and a Z"}


def _config_properties(exclude: tuple[str, ...] = (), config: type[BaseModel] = TrainingConfig) -> dict[str, dict]:
    """TrainingConfig (or TuningConfig) fields as they appear in responses (only those that were set, plus the
    defaults)."""
    schema = config.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    return {k: v for k, v in schema["properties"].items() if k not in exclude}


def _plain_model_schema(model: type[BaseModel]) -> dict:
    """A small request model that also appears, as given, in answers."""
    schema = model.model_json_schema(by_alias=True)
    return obj(schema["properties"], schema.get("required", []))


def response_schemas() -> dict[str, dict]:
    """The response objects, after the `to_wire` functions in resources/."""
    image = obj({
        "imageId": STRING, "imageName": STRING, "imageTypeCode": {"enum": ["NOTEBOOK", "TRAINING"]},
        "coreTypeCode": {"enum": ["CPU", "GPU"]}, "frameworkCode": STRING, "frameworkVersion": STRING,
        "pythonVersion": STRING, "description": STRING, "imageAddress": STRING,
        "groupTypeCodeList": {"type": "array", "items": STRING},
    })  # fmt: skip
    flavor = obj({
        "id": STRING, "name": STRING, "vcpus": INTEGER, "ram": {**INTEGER, "description": "MB"},
        "disk": {**INTEGER, "description": "GB"}, "gpuFlavor": BOOLEAN, "gpuCount": INTEGER,
        "gpuMemory": {**INTEGER, "description": "MB, over all the flavor's GPUs"},
        "coreTypeCode": {"enum": ["CPU", "GPU"]},
    })  # fmt: skip
    hyperparameter_spec = obj({
        "hyperparameterName": STRING, "hyperparameterTypeCode": {"enum": ["int", "double", "discrete", "categorical"]},
        "hyperparameterMinValue": nullable(STRING), "hyperparameterMaxValue": nullable(STRING),
        "hyperparameterStep": nullable(STRING), "hyperparameterSpecifiedValues": nullable(STRING),
        "isOptional": BOOLEAN, "defaultValue": nullable(STRING), "description": STRING,
    })  # fmt: skip
    algorithm = obj({
        "algorithmId": STRING, "algorithmName": STRING, "description": STRING, "cpuTrainingImageId": STRING,
        "gpuTrainingImageId": STRING,
        "algorithmDatasetSchema": {"type": "array", "items": obj({"datasetName": STRING, "isRequired": BOOLEAN,
                                                                  "description": STRING})},
        "hyperparameterSpecList": array("HyperparameterSpec"),
        "metricList": {"type": "array", "items": obj({"name": STRING})},
    })  # fmt: skip
    experiment = obj({
        "experimentId": STRING, "experimentName": STRING,
        "experimentStatusCode": {"enum": [s.value for s in ExperimentStatus]}, "statusReason": nullable(STRING),
        "description": nullable(STRING), "appKey": STRING, "trainingCount": INTEGER, "createdDatetime": TIME,
        "updatedDatetime": TIME, "tensorboardAccessPath": STRING,
    })  # fmt: skip
    template_fixed = {
        "trainingTemplateId": STRING, "trainingTemplateName": STRING, "description": nullable(STRING),
        "appKey": STRING, "image": nullable(ref("Image")), "flavor": nullable(ref("Flavor")),
        "createdDatetime": TIME, "updatedDatetime": TIME,
    }  # fmt: skip
    template = obj({**template_fixed, **_config_properties()}, list(template_fixed),
                   description="The template's training settings appear only when they were set.")  # fmt: skip
    training_fixed = {
        "trainingId": STRING, "trainingName": STRING, "trainingStatusCode": {"enum": [s.value for s in TrainingStatus]},
        "statusReason": nullable(STRING), "description": nullable(STRING), "appKey": STRING,
        "trainingTypeCode": {"const": "NORMAL"}, "trainingTemplateId": nullable(STRING),
        "experiment": {"anyOf": [ref("Experiment"), obj({"experimentId": STRING})]},
        "image": {"anyOf": [ref("Image"), obj({"imageId": STRING})]},
        "flavor": {"anyOf": [ref("Flavor"), obj({"id": STRING})]},
        "dataStorageList": {"type": "array", "items": obj({"storageSize": INTEGER})},
        "elapsedTimeSeconds": INTEGER, "createdDatetime": TIME, "updatedDatetime": TIME,
        "startedDatetime": nullable(TIME), "finishedDatetime": nullable(TIME), "tensorboardAccessPath": STRING,
        "tensorboardLogDir": STRING, "appliedResources": nullable({"type": "object"}),
        "hyperparameterTuningId": nullable({**STRING, "description": "Set on a hyperparameter tuning's trial"}),
    }  # fmt: skip
    training = obj({**training_fixed, **_config_properties(exclude=("imageId", "flavorId"))},
                   [*training_fixed, *TRAINING_DEFAULTS],
                   description="Training settings that were not set and have no default are left out.")  # fmt: skip
    trial_fixed = {
        "trialId": STRING, "trialName": STRING, "trialStatusCode": {"enum": [s.value for s in TrialStatus]},
        "statusReason": nullable(STRING), "hyperparameterTuningId": STRING,
        "trainingId": {**STRING, "description": "The trial's training: its logs, metrics and monitoring"},
        "trainingStatusCode": nullable({"enum": [s.value for s in TrainingStatus]}),
        "hyperparameterList": {"type": "array", "items": obj({"parameterName": STRING, "parameterValue": STRING})},
        "objectiveMetricName": STRING, "objectiveMetricValue": nullable(NUMBER),
        "trialMetricList": {"type": "array", "items": obj({
            "trialMetricName": STRING, "trialMetricMinValue": STRING, "trialMetricMaxValue": STRING,
            "trialMetricLatestValue": STRING})},
        "earlyStoppingRuleValue": nullable({**NUMBER, "description": "The median stopping rule given at creation"}),
        "modelUploadUri": nullable({**STRING, "description": "Where this trial's model was uploaded"}),
        "checkPointUploadUri": nullable(STRING), "tensorboardLogDir": nullable(STRING), "elapsedTimeSeconds": INTEGER,
        "createdDatetime": TIME, "startedDatetime": nullable(TIME), "finishedDatetime": nullable(TIME),
    }  # fmt: skip
    trial = obj(trial_fixed)
    tuning_fixed = {
        "hyperparameterTuningId": STRING, "hyperparameterTuningName": STRING,
        "hyperparameterTuningStatusCode": {"enum": [s.value for s in TuningStatus]},
        "hyperparameterTuningStatusReason": nullable({**STRING, "description": "With COMPLETE: GoalReached, "
                                                      "MaxTrialsReached or SuggestionEndReached"}),
        "statusReason": nullable(STRING), "description": nullable(STRING), "appKey": STRING,
        "trainingTemplateId": nullable(STRING),
        "experiment": {"anyOf": [ref("Experiment"), obj({"experimentId": STRING})]},
        "image": {"anyOf": [ref("Image"), obj({"imageId": STRING})]},
        "flavor": {"anyOf": [ref("Flavor"), obj({"id": STRING})]},
        "objectiveMetricName": STRING, "effectiveRandomState": INTEGER, "nodeCountPerTrial": INTEGER,
        "dataStorageList": {"type": "array", "items": obj({"storageSize": INTEGER})},
        "trialCount": INTEGER, "completedTrialCount": INTEGER, "successfulTrialCount": INTEGER,
        "runningTrialCount": INTEGER, "failedTrialCount": INTEGER, "killedTrialCount": INTEGER,
        "earlyStoppedTrialCount": INTEGER, "optimalTrialId": nullable(STRING), "optimalTrial": nullable(ref("Trial")),
        "elapsedTimeSeconds": INTEGER, "createdDatetime": TIME, "updatedDatetime": TIME,
        "startedDatetime": nullable(TIME), "finishedDatetime": nullable(TIME), "tensorboardAccessPath": STRING,
        "tensorboardLogDir": STRING,
    }  # fmt: skip
    tuning = obj({**tuning_fixed, **_config_properties(("imageId", "flavorId"), TuningConfig)}, list(tuning_fixed),
                 description="Tuning settings that were not set and have no default are left out.")  # fmt: skip
    log = obj({
        "logId": INTEGER, "easymakerAppKey": STRING, "category": STRING, "logLevel": {"enum": list(LEVELS)},
        "body": STRING, "logType": {"const": LOG_TYPE}, "time": TIME, "rank": INTEGER,
        "trainingId": {**STRING, "description": "The resource the record belongs to (category easymaker.training)"},
        "hyperparameterTuningId": {**STRING, "description": "The tuning whose trial wrote the record"},
        "endpointStageId": {**STRING, "description": "The stage (category easymaker.inference)"},
        "endpointId": {**STRING, "description": "The stage's endpoint (category easymaker.inference)"},
        "inferenceId": {**STRING, "description": "The inference request's own id (its X-Request-ID, else a new one); "
                        "absent on the model server's own output lines"},
        "action": {**STRING, "description": "Action classification (Endpoint.Model)"},
        "modelName": {**STRING, "description": "The model inferred"},
        "batchInferenceId": {**STRING, "description": "The resource (category easymaker.batch_inference)"},
        "pipelineRunId": {**STRING, "description": "The resource (category easymaker.pipeline)"},
        "resourceId": {**STRING, "description": "The resource the record belongs to (any other category)"},
    }, ["logId", "easymakerAppKey", "category", "logLevel", "body", "logType", "time", "rank"])  # fmt: skip
    notebook = obj({
        "notebookId": STRING, "notebookName": STRING,
        "notebookStatusCode": {"enum": [s.value for s in NotebookStatus]}, "statusReason": nullable(STRING),
        "description": nullable(STRING), "appKey": STRING,
        "image": {"anyOf": [ref("Image"), obj({"imageId": STRING})]},
        "flavor": {"anyOf": [ref("Flavor"), obj({"id": STRING})]},
        "bootStorageSize": {**INTEGER, "description": "GB; recorded, not enforced on the local backend"},
        "dataStorageSize": {**INTEGER, "description": "GB; recorded, not enforced on the local backend"},
        "nasList": array("NasMount"), "tagList": array("Tag"),
        "notebookAccessPath": {**STRING, "description": "Open Jupyter Notebook: this path under "
                               "{baseUrl}/easymaker/ serves the notebook's JupyterLab to a logged-in user"},
        "createdDatetime": TIME, "updatedDatetime": TIME, "startedDatetime": nullable(TIME),
        "appliedResources": nullable({"type": "object", "description": "What the backend applied (CPUs, the "
                                      "data storage directory) and what it does not enforce"}),
    })  # fmt: skip
    return {
        "Notebook": notebook,
        "NasMount": _plain_model_schema(NasMount),
        "Tag": _plain_model_schema(Tag),
        "Header": obj({"isSuccessful": BOOLEAN, "resultCode": INTEGER, "resultMessage": STRING}),
        "FieldError": obj(
            {"field": {**STRING, "description": "camelCase path, e.g. datasetList[0].dataUri"}, "message": STRING}
        ),  # fmt: skip
        "Envelope": obj({"header": ref("Header")}),
        "ErrorEnvelope": obj(
            {"header": ref("Header"), "errorList": array("FieldError")},
            ["header"],
            description="errorList names each wrong field of a refused request body or query.",
        ),
        "Paging": obj({"totalCount": INTEGER}),
        "Image": image,
        "Flavor": flavor,
        "HyperparameterSpec": hyperparameter_spec,
        "Algorithm": algorithm,
        "Experiment": experiment,
        "TrainingTemplate": template,
        "Training": training,
        "HyperparameterTuning": tuning,
        "Trial": trial,
        "Log": log,
        "Metric": obj({"name": STRING, "step": INTEGER, "value": NUMBER, "time": TIME}),
        "MetricSummary": obj({"name": STRING, "min": NUMBER, "max": NUMBER, "latest": NUMBER, "count": INTEGER}),
        "Usage": obj({"time": TIME, "cpuPercent": NUMBER, "memoryBytes": INTEGER}),
        "MonitoredInstance": obj(
            {
                "instanceName": {
                    **STRING,
                    "description": "The process, e.g. 'model-server-0 (pid 1234)', 'worker-1 (…)'",
                },
                "latestTime": TIME,
                "cpuPercent": {**NUMBER, "description": "Latest sample, % of one core"},
                "memoryBytes": {**INTEGER, "description": "Latest sample, resident"},
                "usageList": array("Usage"),
            }
        ),  # fmt: skip
        **pipeline_schemas(),
        **serving_schemas(),
        "Environment": obj(
            {
                "environmentName": STRING,
                "path": STRING,
                "kind": {"enum": ["conda", "venv"]},
                "pythonVersion": nullable(STRING),
                "kernelName": {
                    **nullable(STRING),
                    "description": "The kernel it appears as (null: no ipykernel in it)",
                },
                "operation": nullable(ref("EnvironmentOperation")),
                "lastOperation": {
                    **nullable(ref("EnvironmentOperation")),
                    "description": "Its newest operation, finished or not",
                },
                "sizeBytes": INTEGER,
                "packageList": {"type": "array", "items": obj({"name": STRING, "version": STRING})},
            }
        ),
        "EnvironmentOperation": obj(
            {
                "operationId": STRING,
                "kind": {"enum": ["create", "install"]},
                "environmentName": STRING,
                "status": {"enum": ["RUNNING", "SUCCEEDED", "FAILED"]},
                "pythonVersion": nullable(STRING),
                "packages": {"type": "array", "items": STRING},
                "exitCode": nullable(INTEGER),
                "message": nullable(STRING),
                "startedDatetime": TIME,
                "finishedDatetime": nullable(TIME),
                "logTail": STRING,
            }
        ),
        "Script": obj(
            {
                "scriptName": STRING,
                "enabled": {**BOOLEAN, "description": "It has the run permission"},
                "hasShebang": BOOLEAN,
                "willRun": BOOLEAN,
                "skipReason": nullable(STRING),
                "lastExitCode": nullable(INTEGER),
                "lastOutput": nullable(STRING),
                "lastRunDatetime": nullable(TIME),
                "sizeBytes": INTEGER,
                "updatedDatetime": TIME,
                "content": STRING,
            },
            [
                "scriptName",
                "enabled",
                "hasShebang",
                "willRun",
                "skipReason",
                "lastExitCode",
                "lastOutput",
                "lastRunDatetime",
                "sizeBytes",
                "updatedDatetime",
            ],
        ),
        "ContInitRun": obj(
            {
                "status": {"enum": ["NEVER RUN", "RUNNING", "FINISHED", "INTERRUPTED"]},
                "startedDatetime": TIME,
                "finishedDatetime": TIME,
                "log": {**STRING, "description": "The tail of cont-init.output"},
                "scriptName": {**nullable(STRING), "description": "The one script a single run ran (null: all)"},
                "resultList": {
                    "type": "array",
                    "items": obj(
                        {
                            "name": STRING,
                            "exit_code": nullable(INTEGER),
                            "skipped": nullable(STRING),
                            "timed_out": BOOLEAN,
                            "seconds": NUMBER,
                        }
                    ),
                },
            },
            ["status", "log"],
        ),
        "UiKind": ui_kind_schema(),
    }


def enum(statuses: type) -> dict:
    return {"enum": [s.value for s in statuses]}


def serving_schemas() -> dict[str, dict]:
    parameter = obj({"parameterName": STRING, "parameterValue": STRING})
    model = obj({
        "modelId": STRING, "modelName": STRING, "description": nullable(STRING), "appKey": STRING,
        "modelStatusCode": enum(ModelStatus), "statusReason": nullable(STRING), "modelFormatCode": STRING,
        "frameworkVersion": nullable(STRING), "modelUploadUri": nullable(STRING),
        "parameterList": {"type": "array", "items": parameter},
        "training": nullable(obj({"trainingId": STRING, "trainingName": STRING})),
        "hyperparameterTuning": nullable({"type": "object"}), "createdDatetime": TIME, "updatedDatetime": TIME,
    })  # fmt: skip
    endpoint = obj({
        "endpointId": STRING, "endpointName": STRING, "description": nullable(STRING), "appKey": STRING,
        "endpointStatusCode": enum(EndpointStatus), "statusReason": nullable(STRING), "apigwAppKey": STRING,
        "apigwRegion": STRING, "apigwServiceId": STRING, "apigwStatusCode": enum(GatewayStatus),
        "defaultStageUrl": {**nullable(STRING), "description": "host:port/…/gateway/{endpoint}/{stage}, no scheme"},
        "defaultEndpointStageId": nullable(STRING), "isPublic": BOOLEAN, "authentication": STRING,
        "endpointStageCount": INTEGER, "createdDatetime": TIME, "updatedDatetime": TIME,
        "apiKey": {**STRING, "description": "Only in the create answer: the endpoint's API key (x-nhn-apikey)"},
    }, required=None)  # fmt: skip
    endpoint["required"].remove("apiKey")
    resource = obj({
        "endpointModelId": STRING, "endpointId": STRING, "endpointStageId": STRING,
        "endpointModelStatusCode": enum(StageResourceStatus), "statusReason": nullable(STRING),
        "description": nullable(STRING), "appKey": STRING, "modelId": STRING, "model": {"type": "object"},
        "stage": obj({"stageId": STRING, "deployStatus": STRING, "stageUrl": STRING}),
        "apigwResourceUri": STRING, "apigwEndpointUri": STRING, "podCount": INTEGER, "runningPodCount": INTEGER,
        "createdDatetime": TIME,
    })  # fmt: skip
    stage = obj({
        "endpointStageId": STRING, "endpointId": STRING, "endpointStageName": STRING, "description": nullable(STRING),
        "appKey": STRING, "endpointStageStatusCode": enum(StageStatus), "statusReason": nullable(STRING),
        "apigwStageId": STRING, "apigwStageName": STRING,
        "apigwStageUrl": {**STRING, "description": "host:port/…/gateway/{endpoint}/{stage}, without a scheme"},
        "apigwStatusCode": enum(GatewayStatus), "deployStatus": enum(GatewayStatus), "isDefaultStage": BOOLEAN,
        "flavor": obj({"id": STRING}), "nodeCount": nullable(INTEGER), "podCount": INTEGER,
        "runningPodCount": {**INTEGER, "description": "Model-server processes running (the pod autoscaler moves it)"},
        "autoScaler": {"type": "object"}, "endpointModelList": array("EndpointModel"), "createdDatetime": TIME,
        "updatedDatetime": TIME,
    })  # fmt: skip
    summary = {
        "callCount": INTEGER, "successCount": INTEGER, "clientErrorCount": INTEGER, "serverErrorCount": INTEGER,
        "averageLatencyMs": nullable(NUMBER), "maxLatencyMs": NUMBER,
    }  # fmt: skip
    batch_settings = BatchInferenceSettings.model_json_schema(by_alias=True)["properties"]
    batch_fixed = {
        "batchInferenceId": STRING, "batchInferenceName": STRING,
        "batchInferenceStatusCode": enum(BatchInferenceStatus), "statusReason": nullable(STRING),
        "description": nullable(STRING), "appKey": STRING, "flavor": {"type": "object"}, "model": {"type": "object"},
        "dataStorageList": {"type": "array", "items": obj({"storageSize": INTEGER})},
        **{k: INTEGER for k in ("inputFileCount", "inputDataCount", "processCount", "success2xxCount",
                                "fail4xxCount", "fail5xxCount", "elapsedTimeSeconds")},
        **{k: {**INTEGER, "description": "The same count, spelled as the easymaker SDK 2.1.5 reads it"}
           for k in ("success2XxCount", "fail4XxCount", "fail5XxCount")},
        "createdDatetime": TIME, "updatedDatetime": TIME, "startedDatetime": nullable(TIME),
        "finishedDatetime": nullable(TIME),
    }  # fmt: skip
    batch = obj({**batch_fixed, **{k: v for k, v in batch_settings.items() if k != "flavorId"}},
                [*batch_fixed, *BATCH_DEFAULTS, "modelId", "inputDataUri", "inputDataTypeCode", "outputUploadUri"],
                description="Settings that were not given and have no default are left out.")  # fmt: skip
    return {
        "BatchInference": batch,
        "Model": model,
        "Endpoint": endpoint,
        "EndpointStage": stage,
        "EndpointModel": resource,
        "CallStatistics": obj(summary),
        "EndpointCallStatistics": obj({"endpointId": STRING, "endpointName": STRING, **summary}),
        "EndpointModelCallStatistics": obj({"endpointModelId": STRING, **summary}),
        "CallStatisticsPoint": obj({"time": TIME, **summary}),
    }


def pipeline_schemas() -> dict[str, dict]:
    """Pipelines, runs, recurring runs, graphs and tasks, after resources/pipelines.py, pipeline_runs.py, …"""
    parameter = obj({"parameterName": STRING, "parameterValue": nullable(STRING)})
    nested_pipeline = obj({"pipelineId": STRING, "pipelineName": nullable(STRING), "pipelineStatusCode": STRING},
                          ["pipelineId", "pipelineStatusCode"])  # fmt: skip
    run_settings = {
        "flavor": {"anyOf": [ref("Flavor"), obj({"id": nullable(STRING)})]}, "instanceCount": INTEGER,
        "bootStorage": obj({"storageSize": nullable(INTEGER)}),
        "nasList": {"type": "array", "items": obj({"mountDirName": STRING, "nasUri": STRING})},
        "parameterList": array("PipelineRunParameter"), "useLog": BOOLEAN,
    }  # fmt: skip
    experiment = {"anyOf": [ref("Experiment"), obj({"experimentId": STRING})]}
    node = obj({
        "id": {**STRING, "description": "The DAG path, e.g. condition-1/for-loop-2/square"}, "name": STRING,
        "kind": {"enum": ["task", "dag", "condition", "loop"]}, "parent": nullable(STRING), "component": STRING,
        "condition": STRING, "iterator": {"type": "object"},
        "state": {"enum": list(STATE_ORDER), "description": "Run graphs only"},
        "taskIdList": {"type": "array", "items": STRING, "description": "Run graphs only: the tasks of this node "
                       "(every iteration of a loop)"},
    }, ["id", "name", "kind", "parent", "component"])  # fmt: skip
    artifact = obj({"name": STRING, "uri": STRING, "schemaTitle": nullable(STRING), "metadata": {"type": "object"}})
    value = obj({"parameterName": STRING, "parameterValue": {}})
    return {
        "PipelineParameterSpec": obj({"parameterName": STRING, "parameterType": STRING, "isOptional": BOOLEAN,
                                      "defaultValue": nullable(STRING)}),
        "Pipeline": obj({
            "pipelineId": STRING, "pipelineName": STRING, "description": nullable(STRING), "appKey": STRING,
            "pipelineStatusCode": {"enum": [s.value for s in PipelineStatus]}, "statusReason": nullable(STRING),
            "pipelineParameterSpecList": array("PipelineParameterSpec"), "createdDatetime": TIME,
            "updatedDatetime": TIME, "pipelineSpecName": STRING,
            "containerComponentList": {"type": "array", "items": STRING,
                                       "description": "Components the local backend cannot run"},
        }, ["pipelineId", "pipelineName", "pipelineStatusCode", "pipelineParameterSpecList", "createdDatetime"]),
        "PipelineRunParameter": parameter,
        "PipelineRun": obj({
            "pipelineRunId": STRING, "pipelineRunName": STRING,
            "pipelineRunStatusCode": {"enum": [s.value for s in PipelineRunStatus]},
            "statusReason": nullable(STRING), "description": nullable(STRING), "appKey": STRING,
            "pipeline": nested_pipeline, "experiment": experiment,
            "pipelineRecurringRun": nullable(obj({"pipelineRecurringRunId": STRING,
                                                  "pipelineRecurringRunName": nullable(STRING),
                                                  "pipelineRecurringRunStatusCode": STRING})),
            **run_settings, "elapsedTimeSeconds": INTEGER, "scheduledDatetime": nullable(TIME),
            "createdDatetime": TIME, "updatedDatetime": TIME, "startedDatetime": nullable(TIME),
            "finishedDatetime": nullable(TIME),
        }),
        "PipelineRecurringRun": obj({
            "pipelineRecurringRunId": STRING, "pipelineRecurringRunName": STRING,
            "pipelineRecurringRunStatusCode": {"enum": [s.value for s in RecurringRunStatus]},
            "statusReason": nullable(STRING), "description": nullable(STRING), "appKey": STRING,
            "pipeline": nested_pipeline, "experiment": experiment, **run_settings,
            "schedulePeriodicMinutes": nullable(INTEGER), "schedulePeriodicSeconds": nullable(INTEGER),
            "scheduleCronExpression": nullable(STRING), "maxConcurrencyCount": nullable(INTEGER),
            "scheduleStartDatetime": nullable(STRING), "scheduleEndDatetime": nullable(STRING),
            "useCatchup": nullable(BOOLEAN), "lastScheduledDatetime": nullable(TIME),
            "nextScheduledDatetime": nullable(TIME), "pipelineRunCount": INTEGER, "createdDatetime": TIME,
            "updatedDatetime": TIME,
        }),
        "PipelineGraph": obj({"nodes": array("PipelineGraphNode"), "edges": {"type": "array", "items": obj(
            {"source": STRING, "target": STRING})}, "pipelineRunStatusCode": STRING}, ["nodes", "edges"]),
        "PipelineGraphNode": node,
        "PipelineRunTask": obj({
            "taskId": STRING, "taskName": STRING, "nodeId": STRING, "kind": STRING, "component": nullable(STRING),
            "state": STRING, "message": nullable(STRING), "startedDatetime": nullable(TIME),
            "finishedDatetime": nullable(TIME), "inputParameterList": {"type": "array", "items": value},
            "outputParameterList": {"type": "array", "items": value},
            "inputArtifactList": {"type": "array", "items": artifact},
            "outputArtifactList": {"type": "array", "items": artifact}, "hasLog": BOOLEAN,
        }),
    }  # fmt: skip


def ui_kind_schema() -> dict:
    strings = {"type": "array", "items": STRING}
    by_field = {"type": "object", "additionalProperties": STRING}
    choice = obj(
        {
            "path": STRING,
            "listKey": STRING,
            "value": STRING,
            "label": STRING,
            "match": {
                **by_field,
                "description": "Entry field -> dotted path into the item: only entries that agree are offered",
            },
        }
    )
    item_action = obj(
        {
            "name": STRING,
            "label": STRING,
            "method": {"enum": ["POST", "PUT", "DELETE"]},
            "path": {**STRING, "description": "After {path}/{id}/ (empty: the item; a leading / : the appkey base)"},
            "schema": {**nullable(STRING), "description": "The request body's form (a components/schemas name)"},
            "body": {"type": "object", "description": "The fixed body sent without a form"},
            "fill": {**by_field, "description": "Form field -> dotted path of its first value in the item"},
            "choices": {"type": "object", "additionalProperties": choice},
            "titles": by_field,
            "statuses": {**strings, "description": "Enabled only in these statuses (empty: any)"},
            "when": {"type": "object", "description": "Shown only where the item's fields have these values"},
            "confirm": nullable(STRING),
            "follow": {**BOOLEAN, "description": "The answer's operation is followed"},
            "submit": {**nullable(STRING), "description": "The form's button (null: the label)"},
        }
    )
    operation = obj(
        {
            "field": STRING,
            "path": STRING,
            "itemKey": STRING,
            "idField": STRING,
            "statusField": STRING,
            "logField": STRING,
            "messageField": STRING,
            "final": strings,
            "statusTones": by_field,
        }
    )
    return obj({
        "kind": STRING, "label": STRING, "singular": STRING,
        "path": {**STRING, "description": "Relative to easymaker/v1.0/appkeys/{appkey}/"},
        "listKey": STRING, "itemKey": STRING, "idField": STRING, "nameField": STRING, "statusField": nullable(STRING),
        "createSchema": {**STRING, "description": "A components/schemas name of this document"},
        "actions": {"type": "array", "items": {"enum": ["create", "copy", "start", "stop", "reboot", "retry", "delete",
                                                       "tensorboard"]}},
        "tabs": {"type": "array", "items": {"enum": ["information", "hyperparameters", "logs", "metrics",
                                                     "monitoring", "children", "output", "operation", "graph"]}},
        "statusTones": {"type": "object", "additionalProperties": {"enum": ["running", "complete", "failed",
                                                                            "stopped"]}},
        "stoppable": strings, "startable": strings, "rebootable": strings, "retryable": strings,
        "deletable": {**strings, "description": "Empty: any status"},
        "copyFrom": {**by_field, "description": "Form field -> dotted path of its value in the item"},
        "choices": {"type": "object", "additionalProperties": choice}, "titles": by_field, "order": strings,
        "hidden": strings, "columns": strings,
        "fillFrom": {**by_field, "description": "Form field -> the kind whose picked item fills the other fields"},
        "children": {**nullable(STRING), "description": "The kind the children tab lists, filtered by this one's id"},
        "createMethod": {"enum": ["POST", "PUT"], "description": "PUT: the form asks for the id too; PUT {path}/{id}"},
        "itemActions": {"type": "array", "items": item_action},
        "operation": {**nullable(operation), "description": "The detached operation the operation tab follows"},
        "output": {**nullable(obj({"facts": strings, "text": STRING})), "description": "What the output tab shows"},
        "childrenFilter": {**nullable(STRING), "description": "The query parameter the children tab filters by "
                                                              "(null: idField)"},
        "createPath": {**nullable(STRING), "description": "Where the create form posts (null: path)"},
        "createNameField": {**nullable(STRING), "description": "The create form's name field (null: nameField)"},
        "files": {**by_field, "description": "Create-form field -> accepted file suffixes; its value is the file's "
                                             "base64"},
        "graph": nullable(obj({"route": STRING, "tasks": nullable(STRING), "log": nullable(STRING),
                               "artifact": nullable(STRING)})),
        "parameters": nullable(obj({"field": STRING, "pickedBy": STRING, "kind": STRING, "specList": STRING})),
    })  # fmt: skip


# -- operations --------------------------------------------------------------------------------------------------------

APPKEY = "/easymaker/v1.0/appkeys/{appkey}"
LIST_NOTE = "Repeat the parameter (`?a=1&a=2`) or separate values with commas (`?a=1,2`)."


def list_query(description: str) -> dict:
    return {"schema": {"type": "array", "items": STRING}, "style": "form", "explode": True,
            "description": f"{description}. {LIST_NOTE}"}  # fmt: skip


def scalar_query(description: str, schema: dict | None = None) -> dict:
    return {"schema": schema or STRING, "description": description}


#: Query parameters. Each entry is checked against the handler's list_arg / get_query_argument calls by the tests.
QUERY: dict[tuple[str, str], dict[str, dict]] = {
    (f"{APPKEY}/images", "get"): {"groupTypeCodeList": list_query("Only images serving these groups "
                                                                  "(NOTEBOOK, TRAINING, HYPERPARAMETER_TUNING)")},
    (f"{APPKEY}/experiments", "get"): {
        "experimentIdList": list_query("Only these experiment ids"),
        "experimentNameList": list_query("Only these experiment names"),
    },
    (f"{APPKEY}/training-templates", "get"): {"trainingTemplateNameList": list_query("Only these template names")},
    (f"{APPKEY}/trainings", "get"): {
        "trainingIdList": list_query("Only these training ids"),
        "trainingNameList": list_query("Only these training names"),
        "experimentIdList": list_query("Only trainings of these experiments"),
        "experimentId": list_query("Only trainings of this experiment (same as experimentIdList)"),
        "trainingStatusCodeList": list_query("Only trainings in these statuses"),
    },
    (f"{APPKEY}/hyperparameter-tunings", "get"): {
        "hyperparameterTuningIdList": list_query("Only these tuning ids"),
        "hyperparameterTuningNameList": list_query("Only these tuning names"),
        "experimentIdList": list_query("Only tunings of these experiments"),
        "experimentId": list_query("Only tunings of this experiment (same as experimentIdList)"),
        "hyperparameterTuningStatusCodeList": list_query("Only tunings in these statuses"),
    },
    (f"{APPKEY}/hyperparameter-tunings/{{hyperparameterTuningId}}/trials", "get"): {
        "trialStatusCodeList": list_query("Only trials in these statuses"),
    },
    (f"{APPKEY}/trainings/{{trainingId}}/metrics", "get"): {
        "metricNameList": list_query("Only these metrics"),
        "maxPoints": scalar_query("Thin each series to about this many evenly spaced points (the last is kept)",
                                  {**INTEGER, "minimum": 2, "maximum": 100000}),
    },
    (f"{APPKEY}/notebooks", "get"): {
        "notebookIdList": list_query("Only these notebook ids"),
        "notebookNameList": list_query("Only these notebook names"),
        "notebookStatusCodeList": list_query("Only notebooks in these statuses"),
    },
    (f"{APPKEY}/logs", "get"): {
        "trainingId": scalar_query("Only records of this training"),
        "hyperparameterTuningId": scalar_query("Only records of this tuning's trials"),
        "endpointId": scalar_query("Only inference records of this endpoint's stages"),
        "endpointStageId": scalar_query("Only inference records of this endpoint stage"),
        "batchInferenceId": scalar_query("Only records of this batch inference"),
        "pipelineRunId": scalar_query("Only records of this pipeline run"),
        "category": scalar_query("Only records of this category: easymaker.training, easymaker.inference, "
                                 "easymaker.batch_inference or easymaker.pipeline"),
        "logLevel": scalar_query("Only records of this level (case-insensitive)", {"enum": list(LEVELS)}),
        "query": scalar_query("Only records whose body contains this text (case-insensitive)"),
        "after": scalar_query("A logId: only records after it (the previous answer's nextCursor)",
                              {**INTEGER, "default": 0}),
        "limit": scalar_query("At most this many records", {**INTEGER, "minimum": 1, "maximum": MAX_LIMIT,
                                                            "default": 1000}),
        "tail": scalar_query("The last N records instead (after and limit are then ignored)",
                             {**INTEGER, "minimum": 0, "maximum": MAX_LIMIT}),
    },
    (f"{APPKEY}/models", "get"): {
        "modelIdList": list_query("Only these model ids"),
        "modelNameList": list_query("Only these model names"),
        "modelStatusCodeList": list_query("Only models in these statuses"),
    },
    (f"{APPKEY}/endpoints", "get"): {
        "endpointIdList": list_query("Only these endpoint ids"),
        "endpointNameList": list_query("Only these endpoint names"),
    },
    (f"{APPKEY}/endpoints/statistics", "get"): {
        "minutes": scalar_query("Over the last this many minutes", {**INTEGER, "minimum": 1, "maximum": 44640}),
        "count": scalar_query("At most this many endpoints (the dashboard shows 3)",
                              {**INTEGER, "minimum": 1, "maximum": 100}),
    },
    (f"{APPKEY}/endpoint-stages", "get"): {"endpointId": scalar_query("Only stages of this endpoint")},
    (f"{APPKEY}/endpoint-stages/{{endpointStageId}}/statistics", "get"): {
        "minutes": scalar_query("Over the last this many minutes", {**INTEGER, "minimum": 1, "maximum": 44640}),
    },
    (f"{APPKEY}/endpoint-models", "get"): {"endpointStageId": scalar_query("Only resources of this stage")},
    (f"{APPKEY}/batch-inferences", "get"): {
        "batchInferenceIdList": list_query("Only these batch inference ids"),
        "batchInferenceNameList": list_query("Only these batch inference names"),
        "batchInferenceStatusCodeList": list_query("Only batch inferences in these statuses"),
    },
}  # fmt: skip
PIPE, PRUN, PREC = f"{APPKEY}/pipelines", f"{APPKEY}/pipeline-runs", f"{APPKEY}/pipeline-recurring-runs"
QUERY.update({
    (PIPE, "get"): {"pipelineIdList": list_query("Only these pipeline ids"),
                    "pipelineNameList": list_query("Only these pipeline names")},
    (PRUN, "get"): {
        "pipelineRunIdList": list_query("Only these run ids"),
        "pipelineRunNameList": list_query("Only these run names"),
        "pipelineIdList": list_query("Only runs of these pipelines"),
        "experimentIdList": list_query("Only runs of these experiments"),
        "pipelineRecurringRunIdList": list_query("Only runs these recurring runs created"),
        "pipelineRunStatusCodeList": list_query("Only runs in these statuses"),
    },
    (PREC, "get"): {
        "pipelineRecurringRunIdList": list_query("Only these recurring run ids"),
        "pipelineRecurringRunNameList": list_query("Only these recurring run names"),
        "pipelineIdList": list_query("Only recurring runs of these pipelines"),
        "experimentIdList": list_query("Only recurring runs of these experiments"),
        "pipelineRecurringRunStatusCodeList": list_query("Only recurring runs in these statuses"),
    },
    (f"{PRUN}/{{pipelineRunId}}/task-log", "get"): {"taskId": scalar_query("The task (its id in the run's tasks)")},
    (f"{PRUN}/{{pipelineRunId}}/task-artifact", "get"): {
        "taskId": scalar_query("The task (its id in the run's tasks)"),
        "artifactName": scalar_query("The name of one of the task's output artifacts"),
    },
})  # fmt: skip


@dataclass(frozen=True)
class Op:
    """What one (path, method) takes and answers. `answer`: top-level keys beside `header` -> their schema."""

    operation_id: str
    summary: str
    answer: dict[str, dict]
    status: int = 200
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    plain: dict | None = None  # the whole answer, for the few routes that do not use the envelope


LISTED = {"paging": ref("Paging")}
EXPERIMENT, TEMPLATE, TRAINING = {"experiment": ref("Experiment")}, {"trainingTemplate": ref("TrainingTemplate")}, {
    "training": ref("Training")}  # fmt: skip
EXP, TPL, TRN = f"{APPKEY}/experiments", f"{APPKEY}/training-templates", f"{APPKEY}/trainings"
ENVS, SCRIPTS = f"{APPKEY}/custom-envs", f"{APPKEY}/cont-init-scripts"
NBK, NOTEBOOK = f"{APPKEY}/notebooks", {"notebook": ref("Notebook")}
HPT, TUNING = f"{APPKEY}/hyperparameter-tunings", {"hyperparameterTuning": ref("HyperparameterTuning")}

MDL, END, STG, RES = (f"{APPKEY}/models", f"{APPKEY}/endpoints", f"{APPKEY}/endpoint-stages",
                      f"{APPKEY}/endpoint-models")  # fmt: skip
MODEL, ENDPOINT = {"model": ref("Model")}, {"endpoint": ref("Endpoint")}
BAT, BATCH = f"{APPKEY}/batch-inferences", {"batchInference": ref("BatchInference")}
STAGE, RESOURCE = {"endpointStage": ref("EndpointStage")}, {"endpointModel": ref("EndpointModel")}
SERVING_OPERATIONS = {
    (MDL, "get"): Op("listModels", "List models, newest first", {"modelList": array("Model"), **LISTED}),
    (MDL, "post"): Op("createModel", "Create a model (its artifact is checked now: a bad one is CREATE FAILED)",
                      MODEL, 201, ModelCreate, (400, 409)),
    (f"{MDL}/{{modelId}}", "get"): Op("getModel", "Get a model", MODEL, errors=(404,)),
    (f"{MDL}/{{modelId}}", "put"): Op("updateModel", "Rename a model or change its description", MODEL,
                                      body=ModelUpdate, errors=(400, 404, 409)),
    (f"{MDL}/{{modelId}}", "delete"): Op("deleteModel", "Delete a model no endpoint serves", {}, errors=(404, 409)),
    (END, "get"): Op("listEndpoints", "List endpoints, newest first", {"endpointList": array("Endpoint"), **LISTED}),
    (END, "post"): Op("createEndpoint", "Create an endpoint with its default stage", ENDPOINT, 201, EndpointCreate,
                      (400, 409)),
    (f"{END}/statistics", "get"): Op("topEndpoints", "Endpoints by gateway calls (the dashboard's top 3)",
                                     {"endpointStatisticsList": array("EndpointCallStatistics")}, errors=(400,)),
    (f"{END}/{{endpointId}}", "get"): Op("getEndpoint", "Get an endpoint", ENDPOINT, errors=(404,)),
    (f"{END}/{{endpointId}}", "put"): Op(
        "updateEndpoint", "Change an endpoint's description, whether it is public, or its default stage (the old "
        "default's resources are removed afterwards)", ENDPOINT, body=EndpointUpdate, errors=(400, 404, 409)),
    (f"{END}/{{endpointId}}", "delete"): Op("deleteEndpoint", "Delete an endpoint that has only its default stage",
                                            {}, errors=(404, 409)),
    (f"{END}/{{endpointId}}/api-key", "post"): Op("renewEndpointApiKey", "Issue a new API key (the old one stops)",
                                                  {"apiKey": STRING}, 201, errors=(404,)),
    (STG, "get"): Op("listEndpointStages", "List endpoint stages", {"endpointStageList": array("EndpointStage"),
                                                                   **LISTED}),
    (STG, "post"): Op("createEndpointStage", "Add a stage to an endpoint", STAGE, 201, StageCreate, (400, 409)),
    (f"{STG}/{{endpointStageId}}", "get"): Op("getEndpointStage", "Get an endpoint stage", STAGE, errors=(404,)),
    (f"{STG}/{{endpointStageId}}", "delete"): Op("deleteEndpointStage", "Delete a stage (not the default)", {},
                                                 errors=(404, 409)),
    (f"{STG}/{{endpointStageId}}/statistics", "get"): Op(
        "getEndpointStageStatistics", "API statistics of a stage: calls, 2xx / 4xx / 5xx and latency per resource",
        {"statistics": ref("CallStatistics"), "endpointModelStatisticsList": array("EndpointModelCallStatistics"),
         "timeSeries": array("CallStatisticsPoint")}, errors=(400, 404)),
    (f"{STG}/{{endpointStageId}}/monitoring", "get"): Op(
        "getEndpointStageMonitoring", "CPU and memory samples of a stage's model servers (every 2 s): summed over "
        "the pool (usageList) and per model-server process (instanceList)",
        {"usageList": array("Usage"), "instanceList": array("MonitoredInstance")}, errors=(404,)),
    (RES, "get"): Op("listEndpointModels", "List stage resources", {"endpointModelList": array("EndpointModel"),
                                                                   **LISTED}),
    (RES, "post"): Op("createEndpointModel", "Add a stage resource (a model at its resource path)", RESOURCE, 201,
                      StageResourceCreate, (400, 404, 409)),
    (f"{RES}/{{endpointModelId}}", "get"): Op("getEndpointModel", "Get a stage resource", RESOURCE, errors=(404,)),
    (f"{RES}/{{endpointModelId}}", "delete"): Op("deleteEndpointModel", "Delete a stage resource", {},
                                                 errors=(404,)),
    (BAT, "get"): Op("listBatchInferences", "List batch inferences, newest first",
                     {"batchInferenceList": array("BatchInference"), **LISTED}),
    (BAT, "post"): Op("createBatchInference", "Create (and start) a batch inference", BATCH, 201,
                      BatchInferenceCreate, (400, 409)),
    (f"{BAT}/{{batchInferenceId}}", "get"): Op("getBatchInference", "Get a batch inference", BATCH, errors=(404,)),
    (f"{BAT}/{{batchInferenceId}}", "delete"): Op("deleteBatchInference", "Delete a finished batch inference", {},
                                                  errors=(404, 409)),
    (f"{BAT}/{{batchInferenceId}}/stop", "put"): Op("stopBatchInference", "Stop a batch inference", BATCH,
                                                    errors=(404, 409)),
    (f"{BAT}/{{batchInferenceId}}/copy", "post"): Op("copyBatchInference", "Start a copy, with changes", BATCH, 201,
                                                     BatchInferenceCopy, (400, 404, 409)),
    (f"{BAT}/{{batchInferenceId}}/monitoring", "get"): Op(
        "getBatchInferenceMonitoring", "CPU and memory samples of a running batch inference (every 2 s): summed "
        "(usageList) and per process, its runner and each inference worker (instanceList)",
        {"usageList": array("Usage"), "instanceList": array("MonitoredInstance")}, errors=(404,)),
}  # fmt: skip

#: Every documented operation. A route missing here still appears, with a generic answer (x-undocumented).
OPERATIONS: dict[tuple[str, str], Op] = {
    (f"{APPKEY}/images", "get"): Op("listImages", "List the images", {"imageList": array("Image")}),
    (f"{APPKEY}/flavors", "get"): Op("listFlavors", "List the instance types", {"flavorList": array("Flavor")}),
    (f"{APPKEY}/algorithms", "get"): Op("listAlgorithms", "List the NHN Cloud algorithms",
                                        {"algorithmList": array("Algorithm")}),
    (EXP, "get"): Op("listExperiments", "List experiments, newest first",
                     {"experimentList": array("Experiment"), **LISTED}),
    (EXP, "post"): Op("createExperiment", "Create an experiment", EXPERIMENT, 201, ExperimentCreate, (400, 409)),
    (f"{EXP}/{{experimentId}}", "get"): Op("getExperiment", "Get an experiment", EXPERIMENT, errors=(404,)),
    (f"{EXP}/{{experimentId}}", "put"): Op("updateExperiment", "Change an experiment's description", EXPERIMENT,
                                           body=ExperimentUpdate, errors=(400, 404)),
    (f"{EXP}/{{experimentId}}", "delete"): Op("deleteExperiment", "Delete an experiment that holds no trainings", {},
                                              errors=(404, 409)),
    (f"{EXP}/{{experimentId}}/retry", "put"): Op("retryExperiment", "Retry an experiment in CREATE FAILED", EXPERIMENT,
                                                 errors=(404, 409)),
    (TPL, "get"): Op("listTrainingTemplates", "List training templates, newest first",
                     {"trainingTemplateList": array("TrainingTemplate"), **LISTED}),
    (TPL, "post"): Op("createTrainingTemplate", "Create a training template", TEMPLATE, 201, TemplateCreate,
                      (400, 409)),
    (f"{TPL}/{{trainingTemplateId}}", "get"): Op("getTrainingTemplate", "Get a training template", TEMPLATE,
                                                 errors=(404,)),
    (f"{TPL}/{{trainingTemplateId}}", "put"): Op("updateTrainingTemplate", "Change a training template", TEMPLATE,
                                                 body=TemplateUpdate, errors=(400, 404, 409)),
    (f"{TPL}/{{trainingTemplateId}}", "delete"): Op("deleteTrainingTemplate", "Delete a training template", {},
                                                    errors=(404,)),
    (f"{TPL}/{{trainingTemplateId}}/copy", "post"): Op(
        "copyTrainingTemplate", "Copy a training template (a free '… (copy)' name unless one is given)", TEMPLATE,
        201, TemplateUpdate, (400, 404, 409)),
    (TRN, "get"): Op("listTrainings", "List trainings, newest first", {"trainingList": array("Training"), **LISTED}),
    (TRN, "post"): Op("createTraining", "Create (and start) a training", TRAINING, 201, TrainingCreate, (400, 409)),
    (f"{TRN}/{{trainingId}}", "get"): Op("getTraining", "Get a training", TRAINING, errors=(404,)),
    (f"{TRN}/{{trainingId}}", "delete"): Op("deleteTraining", "Delete a finished training", {}, errors=(404, 409)),
    (f"{TRN}/{{trainingId}}/stop", "put"): Op("stopTraining", "Stop a training", TRAINING, errors=(404, 409)),
    (f"{TRN}/{{trainingId}}/copy", "post"): Op("copyTraining", "Start a copy of a training, with changes", TRAINING,
                                               201, TrainingCopy, (400, 404, 409)),
    (f"{TRN}/{{trainingId}}/metrics", "get"): Op(
        "getTrainingMetrics", "A training's metric values and their summary",
        {"metricList": array("Metric"), "metricSummaryList": array("MetricSummary")}, errors=(400, 404)),
    (f"{TRN}/{{trainingId}}/monitoring", "get"): Op("getTrainingMonitoring", "A training's CPU and memory samples",
                                                    {"usageList": array("Usage")}, errors=(404,)),
    (NBK, "get"): Op("listNotebooks", "List notebook instances, newest first",
                     {"notebookList": array("Notebook"), **LISTED}),
    (NBK, "post"): Op("createNotebook", "Create (and start) a notebook instance", NOTEBOOK, 201, NotebookCreate,
                      (400, 409)),
    (f"{NBK}/{{notebookId}}", "get"): Op("getNotebook", "Get a notebook instance", NOTEBOOK, errors=(404,)),
    (f"{NBK}/{{notebookId}}", "put"): Op("updateNotebook", "Change a notebook's name or description", NOTEBOOK,
                                         body=NotebookUpdate, errors=(400, 404, 409)),
    (f"{NBK}/{{notebookId}}", "delete"): Op(
        "deleteNotebook", "Delete a notebook and its boot and data storage (not its NAS); it is DELETE IN PROGRESS "
        "until gone", NOTEBOOK, errors=(404, 409)),
    (f"{NBK}/{{notebookId}}/start", "put"): Op("startNotebook", "Start a STOPPED notebook (a fresh boot area)",
                                               NOTEBOOK, errors=(404, 409)),
    (f"{NBK}/{{notebookId}}/stop", "put"): Op("stopNotebook", "Stop a running notebook", NOTEBOOK,
                                              errors=(404, 409)),
    (f"{NBK}/{{notebookId}}/reboot", "put"): Op("rebootNotebook", "Reboot a running notebook (a fresh boot area)",
                                                NOTEBOOK, errors=(404, 409)),
    (f"{NBK}/{{notebookId}}/flavor", "put"): Op(
        "changeNotebookFlavor", "Change a STOPPED notebook's instance type (to one of the same core type)", NOTEBOOK,
        body=NotebookFlavorChange, errors=(400, 404, 409)),
    (f"{NBK}/{{notebookId}}/monitoring", "get"): Op("getNotebookMonitoring", "A notebook's CPU and memory samples",
                                                    {"usageList": array("Usage")}, errors=(404,)),
    (HPT, "get"): Op("listHyperparameterTunings", "List hyperparameter tunings, newest first",
                     {"hyperparameterTuningList": array("HyperparameterTuning"), **LISTED}),
    (HPT, "post"): Op("createHyperparameterTuning", "Create (and start) a hyperparameter tuning", TUNING, 201,
                      TuningCreate, (400, 409)),
    (f"{HPT}/{{hyperparameterTuningId}}", "get"): Op("getHyperparameterTuning", "Get a hyperparameter tuning", TUNING,
                                                     errors=(404,)),
    (f"{HPT}/{{hyperparameterTuningId}}", "delete"): Op(
        "deleteHyperparameterTuning", "Delete a finished hyperparameter tuning with its trials", {},
        errors=(404, 409)),
    (f"{HPT}/{{hyperparameterTuningId}}/stop", "put"): Op(
        "stopHyperparameterTuning", "Stop a hyperparameter tuning (its running trials become KILLED)", TUNING,
        errors=(404, 409)),
    (f"{HPT}/{{hyperparameterTuningId}}/copy", "post"): Op(
        "copyHyperparameterTuning", "Start a copy of a hyperparameter tuning, with changes", TUNING, 201, TuningCopy,
        (400, 404, 409)),
    (f"{HPT}/{{hyperparameterTuningId}}/trials", "get"): Op(
        "listTrials", "The trials (trainings) of a hyperparameter tuning, in creation order",
        {"trialList": array("Trial"), **LISTED}, errors=(404,)),
    (f"{APPKEY}/logs", "get"): Op("listLogs", "Log records, oldest first", {"logList": array("Log"), "nextCursor": {
        **INTEGER, "description": "The last logId answered (else `after`): pass it as `after` next time"}},
        errors=(400,)),
    (ENVS, "get"): Op("listEnvironments", "The environments in custom-conda-envs/ (each with ipykernel is a kernel)",
                      {"environmentList": array("Environment"), "condaAvailable": BOOLEAN,
                       "pythonVersionList": {"type": "array", "items": STRING}}),
    (ENVS, "post"): Op("createEnvironment", "Start creating an environment (conda if present, else venv)",
                       {"operation": ref("EnvironmentOperation")}, 202, EnvironmentCreate, (400, 409)),
    (f"{ENVS}/{{environmentName}}", "get"): Op("getEnvironment", "An environment, its size and packages",
                                               {"environment": ref("Environment")}, errors=(404,)),
    (f"{ENVS}/{{environmentName}}", "delete"): Op("deleteEnvironment", "Delete an environment", {},
                                                  errors=(404, 409)),
    (f"{ENVS}/{{environmentName}}/packages", "post"): Op(
        "installPackages", "Start installing packages into an environment (pip)",
        {"operation": ref("EnvironmentOperation")}, 202, PackageInstall, (400, 404, 409)),
    (f"{APPKEY}/custom-env-operations/{{operationId}}", "get"): Op(
        "getEnvironmentOperation", "An environment operation: its status and the tail of its log",
        {"operation": ref("EnvironmentOperation")}, errors=(404,)),
    (SCRIPTS, "get"): Op("listScripts", "The start-up scripts in cont-init.d/, in the order they run",
                         {"scriptList": array("Script"), "run": ref("ContInitRun")}),
    (f"{SCRIPTS}/{{scriptName}}", "get"): Op("getScript", "A start-up script with its content",
                                             {"script": ref("Script")}, errors=(404,)),
    (f"{SCRIPTS}/{{scriptName}}", "put"): Op("putScript", "Create or change a start-up script (content, run bit)",
                                             {"script": ref("Script")}, body=ScriptPut, errors=(400,)),
    (f"{SCRIPTS}/{{scriptName}}", "delete"): Op("deleteScript", "Delete a start-up script and its records", {},
                                                errors=(404,)),
    (f"{SCRIPTS}/{{scriptName}}/run", "post"): Op(
        "runScript", "Run one start-up script again, in the background (its exit code and output are recorded)",
        {"run": ref("ContInitRun")}, 202, errors=(404, 409)),
    (f"{APPKEY}/cont-init-runs", "get"): Op("getContInitRun", "The last run of the start-up scripts",
                                            {"run": ref("ContInitRun")}),
    (f"{APPKEY}/cont-init-runs", "post"): Op("runContInit", "Run the start-up scripts again, in the background",
                                             {"run": ref("ContInitRun")}, 202, errors=(409,)),
    **SERVING_OPERATIONS,
    ("/easymaker/v1.0/info", "get"): Op(
        "getInfo", "This server: its version, backend, default appkey and region",
        {"info": obj({"version": {"type": "string"}, "backend": {"type": "string"},
                      "defaultAppkey": {"type": "string"}, "region": {"type": "string"}},
                     ["version", "backend", "defaultAppkey", "region"])}),
    ("/easymaker/v1.0/ui/kinds", "get"): Op(
        "listUiKinds", "The resource kinds the JupyterLab sidebar lists, with their forms' schemas, actions and tabs",
        {"kindList": array("UiKind")}),
    ("/easymaker/openapi.json", "get"): Op("getOpenApi", "This OpenAPI document", {},
                                           plain={"type": "object", "description": "OpenAPI 3.1"}),
    ("/easymaker/nhn-api-gateway", "get"): Op("probeRegion", "Answers when the API is up (the SDK checks it)", {},
                                              plain=obj({"status": {"const": "ok"}})),
}  # fmt: skip

PIPELINE, RUN, RECURRING = ({"pipeline": ref("Pipeline")}, {"pipelineRun": ref("PipelineRun")},
                             {"pipelineRecurringRun": ref("PipelineRecurringRun")})  # fmt: skip
GRAPH = {"graph": ref("PipelineGraph")}
OPERATIONS.update({
    (PIPE, "get"): Op("listPipelines", "List pipelines, newest first", {"pipelineList": array("Pipeline"), **LISTED}),
    (f"{PIPE}/upload", "post"): Op("uploadPipeline", "Upload a KFP IR YAML (base64)", PIPELINE, 201, PipelineUpload,
                                   (400, 409)),
    (f"{PIPE}/{{pipelineId}}", "get"): Op("getPipeline", "Get a pipeline", PIPELINE, errors=(404,)),
    (f"{PIPE}/{{pipelineId}}", "delete"): Op("deletePipeline", "Delete a pipeline no recurring run uses", {},
                                             errors=(404, 409)),
    (f"{PIPE}/{{pipelineId}}/graph", "get"): Op("getPipelineGraph", "The pipeline's nodes and edges", GRAPH,
                                                errors=(404,)),
    (f"{PIPE}/{{pipelineId}}/manifest", "get"): Op("getPipelineManifest", "The pipeline's IR YAML as uploaded",
                                                   {"pipelineSpecManifest": STRING}, errors=(404,)),
    (PRUN, "get"): Op("listPipelineRuns", "List pipeline runs, newest first",
                      {"pipelineRunList": array("PipelineRun"), **LISTED}),
    (PRUN, "post"): Op("createPipelineRun", "Create a pipeline run; with a schedule, a recurring run (as the SDK "
                       "does), answered as pipelineRecurringRun", {}, 201, PipelineRunCreate, (400, 409),
                       plain=obj({"header": ref("Header"), **RUN, **RECURRING}, ["header"],
                                 description="pipelineRun, or pipelineRecurringRun when a schedule was given")),
    (f"{PRUN}/{{pipelineRunId}}", "get"): Op("getPipelineRun", "Get a pipeline run", RUN, errors=(404,)),
    (f"{PRUN}/{{pipelineRunId}}", "delete"): Op("deletePipelineRun", "Delete a finished pipeline run", {},
                                                errors=(404, 409)),
    (f"{PRUN}/{{pipelineRunId}}/stop", "put"): Op("stopPipelineRun", "Stop a pipeline run", RUN, errors=(404, 409)),
    (f"{PRUN}/{{pipelineRunId}}/copy", "post"): Op("copyPipelineRun", "Start a copy of a run, with changes", RUN, 201,
                                                   PipelineRunCopy, (400, 404, 409)),
    (f"{PRUN}/{{pipelineRunId}}/graph", "get"): Op("getPipelineRunGraph", "The run's graph with each node's state",
                                                   GRAPH, errors=(404,)),
    (f"{PRUN}/{{pipelineRunId}}/tasks", "get"): Op(
        "listPipelineRunTasks", "The run's tasks: state, parameters, artifacts",
        {"taskList": array("PipelineRunTask"), **LISTED}, errors=(404,)),
    (f"{PRUN}/{{pipelineRunId}}/task-log", "get"): Op("getPipelineRunTaskLog", "A task's log",
                                                      {"taskId": STRING, "log": STRING}, errors=(404,)),
    (f"{PRUN}/{{pipelineRunId}}/task-artifact", "get"): Op(
        "downloadPipelineRunTaskArtifact", "Download a task's output artifact (a directory as .tar.gz)", {},
        errors=(404,), plain={"type": "string", "format": "binary"}),
    (PREC, "get"): Op("listPipelineRecurringRuns", "List recurring runs, newest first",
                      {"pipelineRecurringRunList": array("PipelineRecurringRun"), **LISTED}),
    (PREC, "post"): Op("createPipelineRecurringRun", "Create a recurring run", RECURRING, 201, PipelineRunCreate,
                       (400, 409)),
    (f"{PREC}/{{pipelineRecurringRunId}}", "get"): Op("getPipelineRecurringRun", "Get a recurring run", RECURRING,
                                                      errors=(404,)),
    (f"{PREC}/{{pipelineRecurringRunId}}", "delete"): Op(
        "deletePipelineRecurringRun", "Delete a recurring run none of whose runs is in progress (its runs stay)", {},
        errors=(404, 409)),
    (f"{PREC}/{{pipelineRecurringRunId}}/start", "put"): Op("startPipelineRecurringRun", "Start a recurring run",
                                                            RECURRING, errors=(404, 409)),
    (f"{PREC}/{{pipelineRecurringRunId}}/stop", "put"): Op("stopPipelineRecurringRun", "Stop a recurring run",
                                                           RECURRING, errors=(404, 409)),
    (f"{PREC}/{{pipelineRecurringRunId}}/copy", "post"): Op(
        "copyPipelineRecurringRun", "Create a copy of a recurring run, with changes", RECURRING, 201,
        RecurringRunCopy, (400, 404, 409)),
})  # fmt: skip

#: Operations not behind the server token.
PUBLIC = {("/easymaker/nhn-api-gateway", "get")}

TAGS = {
    "catalog": "Images, instance types (flavors) and algorithms",
    "experiments": "Experiments group related trainings",
    "training-templates": "Saved training settings",
    "trainings": "Trainings, their metrics and resource usage",
    "notebooks": "Notebook instances: JupyterLab servers with their own boot area and data storage",
    "hyperparameter-tunings": "Hyperparameter tunings (Katib experiments) and their trials",
    "logs": "Log records of trainings",
    "pipelines": "Kubeflow Pipelines: pipelines, runs, recurring runs, graphs and task outputs",
    "pod": "The notebook pod: custom-conda-envs/ environments (kernels) and cont-init.d/ start-up scripts",
    "models": "Models: artifacts checked per framework",
    "endpoints": "Endpoints, stages, stage resources and their API statistics",
    "batch-inferences": "Batch inference over files with a model",
    "service": "The API itself",
    "ui": "What the JupyterLab sidebar shows",
}
MODULE_TAGS = {
    "tunings": "hyperparameter-tunings", "batch_inferences": "batch-inferences", "templates": "training-templates",
    "openapi": "service", "api": "service",
}  # fmt: skip

ERRORS = {
    400: ("BadRequest", "Refused: the body is not valid JSON or a field or parameter is wrong (errorList names them)"),
    403: ("Forbidden", "No valid server token (Authorization: token …, X-EasyMaker-Token or x-nhn-authorization)"),
    404: ("NotFound", "No such resource under this appkey"),
    409: ("Conflict", "The resource's state or a taken name does not allow it"),
}

SECURITY_SCHEMES = {
    "jupyterToken": {"type": "apiKey", "in": "header", "name": "Authorization",
                     "description": "The Jupyter server token: `Authorization: token <token>`"},
    "easymakerToken": {"type": "apiKey", "in": "header", "name": "X-EasyMaker-Token",
                       "description": "The Jupyter server token, as the EasyMaker SDK sends it"},
    "nhnBearer": {"type": "apiKey", "in": "header", "name": "x-nhn-authorization",
                  "description": "The Jupyter server token as `Bearer <token>`, as the EasyMaker SDK sends it"},
}  # fmt: skip


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _model_schema(model: type[BaseModel], components: dict[str, dict]) -> dict:
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return ref(model.__name__)


def _tag(handler: type) -> str:
    module = handler.__module__.rsplit(".", 1)[-1]
    return MODULE_TAGS.get(module, module)


def _operation(path: str, method: str, handler: type, patterns: dict[str, str], components: dict) -> dict:
    op = OPERATIONS.get((path, method))
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": f"^{pattern}$"}}
        for name, pattern in patterns.items()
    ]
    parameters += [{"name": name, "in": "query", **spec} for name, spec in QUERY.get((path, method), {}).items()]
    operation: dict[str, Any] = {"tags": [_tag(handler)], "parameters": parameters}
    if op is None:
        operation |= {
            "operationId": f"{method}{handler.__name__.removesuffix('Handler')}",
            "summary": f"{handler.__name__}.{method} (not described in jupyter_easymaker/api/openapi.py)",
            "x-undocumented": True,
            "responses": {"200": {"description": "Undocumented answer", "content": _json({"type": "object"})}},
        }
    else:
        answer = op.plain or obj({"header": ref("Header"), **op.answer})
        operation |= {
            "operationId": op.operation_id,
            "summary": op.summary,
            "responses": {str(op.status): {"description": "Done", "content": _json(answer)}},
        }
        if op.body is not None:
            operation["requestBody"] = {"required": True, "content": _json(_model_schema(op.body, components))}
        # Any path parameter that matches no route (an appkey with other characters, say) answers 404 too.
        implied = (() if (path, method) in PUBLIC else (403,)) + ((404,) if patterns else ())
        for status in sorted({*op.errors, *implied}):
            operation["responses"][str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    if (path, method) in PUBLIC:
        operation["security"] = []
    return operation


def build_document() -> dict:
    from .. import __version__
    from . import routes  # the route table imports this module

    schemas = response_schemas()
    paths: dict[str, dict] = {}
    for regex, handler in routes("/"):
        path, patterns = path_template(regex)
        item = paths.setdefault(path, {})
        for method in handler_methods(handler):
            item[method] = _operation(path, method, handler, patterns, schemas)
    used = [tag for item in paths.values() for op in item.values() for tag in op["tags"]]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "jupyter-easymaker",
            "version": __version__,
            "description": "The AI EasyMaker REST API as this Jupyter server extension serves it. Every answer "
            "under /easymaker/v1.0 is the envelope `{header: {isSuccessful, resultCode, resultMessage}, …}`. "
            "Generated from the route table by jupyter_easymaker/api/openapi.py.",
        },
        "servers": [
            {
                "url": "{origin}{baseUrl}",
                "variables": {
                    "origin": {"default": "http://localhost:8888"},
                    "baseUrl": {
                        "default": "",
                        "description": "The Jupyter server's base_url, without its trailing slash",
                    },
                },
            }
        ],  # fmt: skip
        "tags": [{"name": name, "description": TAGS.get(name, name)} for name in {**TAGS, **dict.fromkeys(used)}],
        "security": [{name: []} for name in SECURITY_SCHEMES],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                name: {"description": text, "content": _json(ref("ErrorEnvelope"))} for name, text in ERRORS.values()
            },
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def render(doc: dict) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    DOCUMENT.write_text(render(build_document()))
    print(f"wrote {DOCUMENT}")


if __name__ == "__main__":
    main()
