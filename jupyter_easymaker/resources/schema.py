"""Request bodies as the SDK sends them: camelCase, unknown fields refused, types checked strictly."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from ..errors import EasyMakerError, FieldError, invalid, invalid_fields
from ..storage import StorageError, validate_uri

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
NAME_RULE = "use 1-50 letters, digits, '-' or '_', starting with a letter or digit"
KATIB_DEFAULT_METRIC_FILTER = r"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"


class Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", strict=True)


class PipelineContext(Body):
    """Fields the SDK adds to every create body when it runs inside a pipeline run."""

    parent_pipeline_run_id: str | None = None
    parent_pipeline_run_task_name: str | None = None


def _check_name(value: str | None) -> str | None:
    if value is not None and not re.match(NAME_PATTERN, value):
        raise ValueError(NAME_RULE)
    return value


def _check_uri(value: str | None) -> str | None:
    if value is not None:
        try:
            validate_uri(value)
        except StorageError as err:
            raise ValueError(str(err)) from None
    return value


Name = Annotated[str, StringConstraints(min_length=1, max_length=50), AfterValidator(_check_name)]
Description = Annotated[str, StringConstraints(max_length=255)]
Ident = Annotated[str, StringConstraints(min_length=1, max_length=36)]
Uri = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_check_uri)]


class Parameter(Body):
    parameter_name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    parameter_value: Annotated[str, StringConstraints(max_length=1000)]

    @field_validator("parameter_name")
    @classmethod
    def _usable_as_argument(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*$", value):
            raise ValueError("use letters, digits, '_', '-' or '.', starting with a letter or '_' (it becomes --name)")
        return value


class Dataset(Body):
    dataset_name: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    data_uri: Uri
    dataset_format_code: Literal["CHAT_TEMPLATE", "COMPLETION"] | None = None
    dataset_split_code: Literal["TRAIN", "VALIDATION", "TEST"] | None = None

    @field_validator("dataset_name")
    @classmethod
    def _usable_as_env(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9_-]+$", value):
            raise ValueError("use letters, digits, '_' or '-' (it becomes EM_DATASET_<NAME>)")
        return value


class TrainingConfig(Body):
    """What a training template holds and a training runs. Every field optional here; see `required_training_fields`."""

    image_id: Ident | None = None
    flavor_id: Ident | None = None
    instance_count: Annotated[int, Field(ge=1, le=10)] | None = None
    nproc_per_node: Annotated[int, Field(ge=1)] | None = None
    use_torchrun: bool | None = None
    data_storage_size: Annotated[int, Field(ge=300, le=10000)] | None = None
    algorithm_id: Ident | None = None
    source_dir_uri: Uri | None = None
    entry_point: Uri | None = None
    hyperparameter_list: Annotated[list[Parameter], Field(max_length=100)] | None = None
    dataset_list: Annotated[list[Dataset], Field(max_length=10)] | None = None
    check_point_input_uri: Uri | None = None
    check_point_upload_uri: Uri | None = None
    model_upload_uri: Uri | None = None
    timeout_minutes: Annotated[int, Field(ge=1, le=43200)] | None = None
    use_log: bool | None = None
    metric_regex: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = None

    @field_validator("entry_point")
    @classmethod
    def _relative_file(cls, value: str | None) -> str | None:
        if value is not None and (value.startswith("/") or ".." in value.replace("\\", "/").split("/")):
            raise ValueError("must be a file path relative to sourceDirUri, without '..'")
        return value

    @field_validator("hyperparameter_list")
    @classmethod
    def _unique_hyperparameters(cls, value: list[Parameter] | None) -> list[Parameter] | None:
        _refuse_duplicates([p.parameter_name for p in value or []], "hyperparameter")
        return value

    @field_validator("dataset_list")
    @classmethod
    def _unique_datasets(cls, value: list[Dataset] | None) -> list[Dataset] | None:
        names = [d.dataset_name.upper().replace("-", "_") for d in value or []]
        _refuse_duplicates(names, "dataset (names are compared as EM_DATASET_<NAME>)")
        return value

    @field_validator("metric_regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                pattern = re.compile(value)
            except re.error as err:
                raise ValueError(f"is not a valid regular expression ({err})") from None
            if pattern.groups < 2:
                raise ValueError("needs two groups: the metric name and its value, as in Katib's filter")
        return value


TRAINING_DEFAULTS: dict[str, Any] = {
    "instanceCount": 1,
    "nprocPerNode": 1,
    "useTorchrun": False,
    "hyperparameterList": [],
    "datasetList": [],
    "timeoutMinutes": 43200,
    "useLog": False,
}


class TrainingCreate(TrainingConfig, PipelineContext):
    training_name: Name
    description: Description | None = None
    experiment_id: Ident | None = None
    experiment_name: Name | None = None
    experiment_description: Description | None = None
    training_template_id: Ident | None = None
    training_type_code: Literal["NORMAL"] = "NORMAL"


class TrainingCopy(TrainingConfig):
    """Copy a training: a new name, any setting changed, everything else as the original."""

    training_name: Name | None = None
    description: Description | None = None
    experiment_id: Ident | None = None


class TemplateCreate(TrainingConfig):
    training_template_name: Name
    description: Description | None = None


class TemplateUpdate(TrainingConfig):
    training_template_name: Name | None = None
    description: Description | None = None


class TuningHyperparameterSpec(Body):
    """One searched hyperparameter (Katib's parameter spec); the values are strings, as the SDK sends them."""

    hyperparameter_name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    hyperparameter_type_code: Literal["int", "double", "discrete", "categorical", "INT", "DOUBLE", "DISCRETE",
                                      "CATEGORICAL"]  # fmt: skip
    hyperparameter_min_value: Annotated[str, StringConstraints(max_length=255)] | None = None
    hyperparameter_max_value: Annotated[str, StringConstraints(max_length=255)] | None = None
    hyperparameter_step: Annotated[str, StringConstraints(max_length=255)] | None = None
    hyperparameter_specified_values: Annotated[str, StringConstraints(max_length=3000)] | None = None
    is_optional: bool | None = None
    default_value: Annotated[str, StringConstraints(max_length=1000)] | None = None

    @field_validator("hyperparameter_name")
    @classmethod
    def _usable_as_argument(cls, value: str) -> str:
        return Parameter._usable_as_argument(value)


class MetricSpec(Body):
    """A metric to collect; `strategy` (Katib's metric strategy: min, max or latest) picks its value per trial."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=36)]
    strategy: Literal["min", "max", "latest"] | None = None


class ObjectiveMetric(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=36)]


TUNING_FIELDS = (
    "parallelTrialCount", "hyperparameterSpecList", "metricList", "objectiveMetric", "objectiveTypeCode",
    "objectiveGoal", "maxFailedTrialCount", "maxTrialCount", "tuningStrategyName", "tuningStrategyRandomState",
    "earlyStoppingAlgorithm", "earlyStoppingMinTrialCount", "earlyStoppingStartStep",
)  # fmt: skip


class TuningConfig(TrainingConfig):
    """What a hyperparameter tuning runs: a training configuration and Katib's experiment settings."""

    parallel_trial_count: Annotated[int, Field(ge=1, le=10)] | None = None
    hyperparameter_spec_list: Annotated[list[TuningHyperparameterSpec], Field(min_length=1, max_length=100)] | None = (
        None
    )
    metric_list: Annotated[list[MetricSpec], Field(max_length=10)] | None = None
    objective_metric: ObjectiveMetric | None = None
    objective_type_code: Literal["MINIMIZE", "MAXIMIZE"] | None = None
    objective_goal: Annotated[float, Field(allow_inf_nan=False)] | None = None
    max_failed_trial_count: Annotated[int, Field(ge=0)] | None = None
    max_trial_count: Annotated[int, Field(ge=1)] | None = None
    tuning_strategy_name: Literal[
        "GRID", "RANDOM", "BAYESIAN_OPTIMIZATION", "TPE", "MULTIVARIATE_TPE", "CMAES", "SOBOL"
    ] | None = None  # fmt: skip
    tuning_strategy_random_state: int | None = None
    early_stopping_algorithm: Literal["MEDIAN"] | None = None
    early_stopping_min_trial_count: Annotated[int, Field(ge=1)] | None = None
    early_stopping_start_step: Annotated[int, Field(ge=1)] | None = None

    @field_validator("objective_goal", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("hyperparameter_spec_list")
    @classmethod
    def _unique_specs(cls, value: list[TuningHyperparameterSpec] | None) -> list[TuningHyperparameterSpec] | None:
        _refuse_duplicates([s.hyperparameter_name for s in value or []], "hyperparameter")
        return value

    @field_validator("metric_list")
    @classmethod
    def _unique_metrics(cls, value: list[MetricSpec] | None) -> list[MetricSpec] | None:
        _refuse_duplicates([m.name for m in value or []], "metric")
        return value


class TuningCreate(TuningConfig, PipelineContext):
    hyperparameter_tuning_name: Name
    description: Description | None = None
    experiment_id: Ident | None = None
    experiment_name: Name | None = None
    experiment_description: Description | None = None
    training_template_id: Ident | None = None


class TuningCopy(TuningConfig):
    """Copy a tuning: a new name, any setting changed, everything else as the original."""

    hyperparameter_tuning_name: Name | None = None
    description: Description | None = None
    experiment_id: Ident | None = None


class ExperimentCreate(PipelineContext):
    experiment_name: Name
    description: Description | None = None


class ExperimentUpdate(Body):
    description: Description | None = None


class PipelineUpload(PipelineContext):
    pipeline_name: Name
    description: Description | None = None
    base64_pipeline_spec_manifest: Annotated[str, StringConstraints(min_length=1)]


class RunParameter(Body):
    """A pipeline run parameter: the name the pipeline declares, its value as text (typed by the pipeline)."""

    parameter_name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    parameter_value: Annotated[str, StringConstraints(max_length=1000)] | None = None


RESERVED_MOUNT_NAMES = ("custom-conda-envs", "cont-init.d", "cont-init.output")


class NasMount(Body):
    """NHN Cloud NAS attached to a notebook or a pipeline run, under `mountDirName`."""

    mount_dir_name: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    nas_uri: Uri

    @field_validator("mount_dir_name")
    @classmethod
    def _one_directory(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", value):
            raise ValueError("use letters, digits, '_', '-' or '.', starting with a letter, digit or '_' (one name)")
        if value in RESERVED_MOUNT_NAMES:
            raise ValueError(f"'{value}' is reserved in the data storage; choose another name")
        return value

    @field_validator("nas_uri")
    @classmethod
    def _nas(cls, value: str) -> str:
        if not value.lower().startswith("nas://"):
            raise ValueError("must be an NHN Cloud NAS path, nas://{NAS ID}:/{path}")
        return value


class PipelineRunConfig(Body):
    """What a pipeline run and a recurring run share (the console's run form)."""

    description: Description | None = None
    pipeline_id: Ident | None = None
    experiment_id: Ident | None = None
    experiment_name: Name | None = None
    experiment_description: Description | None = None
    parameter_list: Annotated[list[RunParameter], Field(max_length=100)] | None = None
    flavor_id: Ident | None = None
    instance_count: Annotated[int, Field(ge=1, le=10)] | None = None
    boot_storage_size: Annotated[int, Field(ge=50, le=2000)] | None = None
    nas_list: Annotated[list[NasMount], Field(max_length=10)] | None = None
    use_log: bool | None = None

    @field_validator("parameter_list")
    @classmethod
    def _unique_parameters(cls, value: list[RunParameter] | None) -> list[RunParameter] | None:
        _refuse_duplicates([p.parameter_name for p in value or []], "parameter")
        return value

    @field_validator("nas_list")
    @classmethod
    def _unique_mounts(cls, value: list[NasMount] | None) -> list[NasMount] | None:
        _refuse_duplicates([n.mount_dir_name for n in value or []], "mount directory")
        return value


class ScheduleFields(Body):
    schedule_periodic_minutes: Annotated[int, Field(ge=1, le=525600)] | None = None
    schedule_periodic_seconds: Annotated[int, Field(ge=1, le=31536000)] | None = None  # KFP's interval_second
    schedule_cron_expression: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    max_concurrency_count: Annotated[int, Field(ge=1, le=10)] | None = None
    schedule_start_datetime: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    schedule_end_datetime: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    use_catchup: bool | None = None


class PipelineRunCreate(PipelineRunConfig, ScheduleFields, PipelineContext):
    """POST /pipeline-runs. The SDK sends recurring runs here too (with a schedule): see resources.pipeline_runs."""

    pipeline_run_or_recurring_run_name: Name


class PipelineRunCopy(PipelineRunConfig):
    pipeline_run_name: Name | None = None


class RecurringRunCopy(PipelineRunConfig, ScheduleFields):
    pipeline_recurring_run_name: Name | None = None


Requirement = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _check_requirements(value: list[str] | None) -> list[str] | None:
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Parsed

    for item in value or []:
        try:
            Parsed(item)
        except InvalidRequirement as err:
            example = "e.g. 'pandas' or 'scikit-learn>=1.4'"
            raise ValueError(f"'{item}' is not a package requirement ({example}): {err}") from None
    return value


def _pattern(pattern: str, rule: str) -> AfterValidator:
    def check(value: str | None) -> str | None:
        if value is not None and not re.fullmatch(pattern, value):
            raise ValueError(rule)
        return value

    return AfterValidator(check)


ENVIRONMENT_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
SCRIPT_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}"


class EnvironmentCreate(Body):
    environment_name: Annotated[
        str, _pattern(ENVIRONMENT_NAME, "use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit")
    ]
    python_version: Annotated[str, _pattern(r"3\.\d{1,2}", "write it as 3.MINOR, e.g. 3.11")] | None = None
    package_list: Annotated[list[Requirement], Field(max_length=100), AfterValidator(_check_requirements)] | None = None


class PackageInstall(Body):
    package_list: Annotated[list[Requirement], Field(min_length=1, max_length=100), AfterValidator(_check_requirements)]


class ScriptPut(Body):
    content: Annotated[str, StringConstraints(max_length=1_000_000)] | None = None
    enabled: bool | None = None


STORAGE_STEP_GB, STORAGE_MAX_GB = 10, 2040


def _check_storage_size(value: int | None) -> int | None:
    if value is not None and (value < STORAGE_STEP_GB or value > STORAGE_MAX_GB or value % STORAGE_STEP_GB):
        raise ValueError(f"must be a multiple of {STORAGE_STEP_GB} GB between {STORAGE_STEP_GB} and {STORAGE_MAX_GB}")
    return value


StorageSize = Annotated[int, AfterValidator(_check_storage_size)]


class Tag(Body):
    tag_key: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:/=+@-]+$")]
    tag_value: Annotated[str, StringConstraints(max_length=255)] = ""


NOTEBOOK_DEFAULTS: dict[str, Any] = {"bootStorageSize": 50, "dataStorageSize": 100, "nasList": [], "tagList": []}


class NotebookCreate(Body):
    notebook_name: Name
    description: Description | None = None
    image_id: Ident
    flavor_id: Ident
    boot_storage_size: StorageSize | None = None
    data_storage_size: StorageSize | None = None
    nas_list: Annotated[list[NasMount], Field(max_length=10)] | None = None
    tag_list: Annotated[list[Tag], Field(max_length=10)] | None = None

    @field_validator("nas_list")
    @classmethod
    def _unique_mounts(cls, value: list[NasMount] | None) -> list[NasMount] | None:
        _refuse_duplicates([m.mount_dir_name for m in value or []], "mount directory")
        return value

    @field_validator("tag_list")
    @classmethod
    def _unique_tags(cls, value: list[Tag] | None) -> list[Tag] | None:
        _refuse_duplicates([t.tag_key for t in value or []], "tag key")
        return value


class NotebookUpdate(Body):
    """Rename a notebook or change its description (what the console's **Change** does)."""

    notebook_name: Name | None = None
    description: Description | None = None


class NotebookFlavorChange(Body):
    flavor_id: Ident


def _refuse_duplicates(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{what} '{name}' appears twice")
        seen.add(name)


B = TypeVar("B", bound=BaseModel)


def parse(model: type[B], data: Any) -> B:
    """Validate a decoded JSON body; a 400 naming every wrong field (by its camelCase path) otherwise."""
    if not isinstance(data, dict):
        raise EasyMakerError("The request body must be a JSON object.", 400)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise invalid_fields([_field_error(e) for e in err.errors()]) from None


def _field_error(error: dict) -> FieldError:
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown field; remove it (field names are camelCase, as the SDK sends them)"
    elif kind == "missing":
        message = "is required"
    else:
        message = error["msg"].removeprefix("Value error, ")
    return FieldError(path or "body", message)


def config_fields(model: BaseModel, config: type[BaseModel] = TrainingConfig) -> dict[str, Any]:
    """The `config` (TrainingConfig, TuningConfig) fields that were given, as camelCase wire JSON."""
    names = set(config.model_fields) & model.model_fields_set
    return model.model_dump(by_alias=True, include=names, mode="json")


def query_int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high], or a 400 naming it (an empty one too: `tail=` is no number)."""
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise invalid(name, f"must be an integer, not '{value}'") from None
    if not low <= number <= high:
        raise invalid(name, f"must be between {low} and {high}")
    return number


# -- serving -----------------------------------------------------------------------------------------------------------

ModelFormat = Literal["TENSORFLOW", "PYTORCH", "SKLEARN", "HUGGING_FACE", "TRITON", "SAPEON"]
ResourcePath = Annotated[str, StringConstraints(min_length=2, max_length=255, pattern=r"^(/[A-Za-z0-9._-]+)+$")]


class ModelParameter(Body):
    parameter_name: Annotated[
        str, StringConstraints(min_length=1, max_length=255, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$")
    ]
    parameter_value: Annotated[str, StringConstraints(max_length=1000)]


class ModelCreate(PipelineContext):
    model_name: Name
    description: Description | None = None
    model_format_code: ModelFormat | None = None
    framework_version: Annotated[str, StringConstraints(max_length=50)] | None = None
    model_upload_uri: Uri | None = None
    training_id: Ident | None = None
    hyperparameter_tuning_id: Ident | None = None
    fine_tuning_id: Ident | None = None
    parameter_list: Annotated[list[ModelParameter], Field(max_length=100)] | None = None

    @field_validator("parameter_list")
    @classmethod
    def _unique_parameters(cls, value: list[ModelParameter] | None) -> list[ModelParameter] | None:
        _refuse_duplicates([p.parameter_name for p in value or []], "parameter")
        return value


class ModelUpdate(Body):
    model_name: Name | None = None
    description: Description | None = None


class ResourceOption(Body):
    cpu: Annotated[str, StringConstraints(max_length=20)] | None = None
    memory: Annotated[str, StringConstraints(max_length=20)] | None = None
    gpu: Annotated[str, StringConstraints(max_length=20)] | None = None


class StageResource(Body):
    """One model on a stage (the SDK's EndpointModelResource, plus the console's resource path and pod count)."""

    model_id: Ident
    apigw_resource_uri: ResourcePath | None = None
    resource_option_detail: ResourceOption | None = None
    pod_count: Annotated[int, Field(ge=1, le=16)] | None = None
    pod_auto_scale_enable: bool | None = None
    scale_metric_code: Literal["CPU_UTILIZATION", "MEMORY_UTILIZATION"] | None = None
    scale_metric_target: Annotated[int, Field(ge=1, le=100)] | None = None
    description: Description | None = None


class StageResourceCreate(StageResource):
    endpoint_stage_id: Ident


class StageSettings(PipelineContext):
    flavor_id: Ident
    endpoint_model_resource_list: Annotated[list[StageResource], Field(min_length=1, max_length=10)]
    node_count: Annotated[int, Field(ge=1, le=10)] = 1
    description: Description | None = None
    ca_enable: bool | None = None
    ca_min_node_count: Annotated[int, Field(ge=1, le=10)] | None = None
    ca_max_node_count: Annotated[int, Field(ge=1, le=10)] | None = None
    ca_scale_down_enable: bool | None = None
    ca_scale_down_util_thresh: Annotated[int, Field(ge=1, le=100)] | None = None
    ca_scale_down_unneeded_time: Annotated[int, Field(ge=1, le=1440)] | None = None
    ca_scale_down_delay_after_add: Annotated[int, Field(ge=1, le=1440)] | None = None
    use_log: bool | None = None


class EndpointCreate(StageSettings):
    endpoint_name: Name
    is_public: bool = False


class StageCreate(StageSettings):
    endpoint_id: Ident
    apigw_stage_name: Name


class EndpointUpdate(Body):
    description: Description | None = None
    is_public: bool | None = None
    default_endpoint_stage_id: Ident | None = None


class BatchInferenceSettings(Body):
    instance_count: Annotated[int, Field(ge=1, le=10)] | None = None
    timeout_minutes: Annotated[int, Field(ge=1, le=43200)] | None = None
    flavor_id: Ident | None = None
    model_id: Ident | None = None
    image_id: Ident | None = None
    pod_count: Annotated[int, Field(ge=1, le=16)] | None = None
    max_batch_size: Annotated[int, Field(ge=1, le=10000)] | None = None
    inference_timeout_seconds: Annotated[int, Field(ge=1, le=86400)] | None = None
    input_data_uri: Uri | None = None
    input_data_type_code: Literal["JSON", "JSONL"] | None = None
    include_glob_pattern: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    exclude_glob_pattern: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    output_upload_uri: Uri | None = None
    data_storage_size: Annotated[int, Field(ge=0, le=10000)] | None = None
    use_log: bool | None = None


class BatchInferenceCreate(BatchInferenceSettings, PipelineContext):
    batch_inference_name: Name
    description: Description | None = None


class BatchInferenceCopy(BatchInferenceSettings):
    batch_inference_name: Name | None = None
    description: Description | None = None


BATCH_DEFAULTS: dict[str, Any] = {
    "instanceCount": 1,
    "timeoutMinutes": 43200,
    "podCount": 1,
    "maxBatchSize": 32,
    "inferenceTimeoutSeconds": 120,
    "useLog": False,
}
