"""`%%em_train`: the cell is the entry point of a training; options are the console's Create Training fields."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from ..client import Training
from .core import client, key_values, magic, options
from .follow import wait_and_stream

DEFAULT_IMAGE = "Ubuntu 22.04 CPU PyTorch Training"
DEFAULT_INSTANCE_TYPE = "m2.c2m4"
STAGING = Path(".easymaker")  # beside the notebook: cells/<name>/ (what ran), models/<name>/ (default output)


#: The console's training fields as options; %%em_train and every magic that runs trainings (%%em_tune) share them.
TRAINING_OPTIONS = (
    argument("--name", help="Name (default: <experiment>-<date>-<time>)."),
    argument("--experiment", help="Experiment name; created if missing. Required."),
    argument("--description", help="Description."),
    argument("--template", help="Start from this training template (name or id); other options override it."),
    argument("--image", help=f"Image name or id (default: '{DEFAULT_IMAGE}')."),
    argument("--instance-type", help=f"Instance type name, e.g. m2.c4m8 (default: {DEFAULT_INSTANCE_TYPE})."),
    argument("--dataset", action="append", metavar="NAME=URI", help="An input dataset (EM_DATASET_<NAME>); up to 10."),
    argument("--source-dir", help="A directory shipped with the cell (the cell is written into a copy of it)."),
    argument("--entry-point", default="train.py", help="File name the cell is saved as (default: train.py)."),
    argument("--output", help="Model upload URI (default: .easymaker/models/<name> beside the notebook)."),
    argument("--checkpoint-in", help="Checkpoint input URI."),
    argument("--checkpoint-out", help="Checkpoint upload URI."),
    argument("--nodes", type=int, help="Number of nodes (distributed training), 1-10."),
    argument("--torchrun", action="store_true", help="Launch with torchrun."),
    argument("--nproc-per-node", type=int, help="Processes per node with --torchrun."),
    argument("--max-hours", type=float, help="Maximum time in hours (default: 720)."),
    argument("--metric-regex", help="Regex with two groups (name, value) to scrape metrics (default: Katib's filter)."),
    argument("--wait", action="store_true", help="Block, streaming progress; Ctrl-C asks to stop the work or detach."),
)


def training_options(func):
    """Add TRAINING_OPTIONS to a magic (under its own @magic_arguments())."""
    for add in reversed(TRAINING_OPTIONS):
        func = add(func)
    return func


@magic("line_cell", "em_train")
@magic_arguments()
@argument("--hp", action="append", metavar="NAME=VALUE", help="A hyperparameter; repeat for more.")
@training_options
def em_train(line: str, cell: str | None = None) -> Training:
    """Submit the cell as a training's entry point script (or, as `%em_train --template T …`, a template's).

    Without --wait it returns at once with a live view; with --wait it streams status and logs until the training
    ends. The value is a `Training` (`.wait()`, `.logs()`, `.metrics()`, `.stop()`).

        %%em_train --experiment mnist --hp epochs=3 --dataset train=obs://store/bucket/mnist
        import os; print(os.environ["EM_HP_EPOCHS"])
    """
    args = options(em_train, line, prefix="%%")
    hyperparameters = key_values(args.hp, "--hp")
    em = client()
    name = args.name or default_name(args)
    body = {"trainingName": name, **training_body(em, args, cell or "", name)}
    if hyperparameters:
        body["hyperparameterList"] = [{"parameterName": k, "parameterValue": v} for k, v in hyperparameters]
    training = em.training_handle(em.create_training(body))
    if args.wait:
        wait_and_stream(training)
    return training


def default_name(args) -> str:
    """`<experiment>-<date>-<time>`, cut to the 50-character limit."""
    _require_experiment(args)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{args.experiment[: 50 - len(stamp) - 1]}-{stamp}"


def _require_experiment(args) -> None:
    if not args.experiment:
        raise UsageError("Missing --experiment NAME: all work belongs to an experiment (created if missing).")


def training_body(em, args, cell: str, name: str) -> dict:
    """The API body for TRAINING_OPTIONS (everything but the name and the hyperparameters)."""
    _require_experiment(args)
    datasets = key_values(args.dataset, "--dataset", "uri")
    if args.nproc_per_node and not args.torchrun:
        raise UsageError("--nproc-per-node needs --torchrun.")
    if not cell.strip() and not args.template:
        raise UsageError("No script: write the script in the cell of a cell magic (or give --template).")
    body: dict = {"experimentName": args.experiment}  # the server creates it along with the work, or not at all
    if args.template:
        body["trainingTemplateId"] = _template_id(em, args.template)
    if args.image or not args.template:
        body["imageId"] = em.image_id(args.image or DEFAULT_IMAGE, "TRAINING")
    if args.instance_type or not args.template:
        body["flavorId"] = em.flavor_id(args.instance_type or DEFAULT_INSTANCE_TYPE)
    if cell.strip():
        body["sourceDirUri"] = str(_stage(name, cell, args.entry_point, args.source_dir))
        body["entryPoint"] = args.entry_point
    if args.output or not args.template:
        body["modelUploadUri"] = args.output or str((STAGING / "models" / name).resolve())
    optional = {
        "description": args.description,
        "checkPointInputUri": args.checkpoint_in,
        "checkPointUploadUri": args.checkpoint_out,
        "instanceCount": args.nodes,
        "useTorchrun": True if args.torchrun else None,
        "nprocPerNode": args.nproc_per_node,
        "timeoutMinutes": round(args.max_hours * 60) if args.max_hours else None,
        "metricRegex": args.metric_regex,
        "datasetList": [{"datasetName": k, "dataUri": v} for k, v in datasets] or None,
    }
    return body | {key: value for key, value in optional.items() if value is not None}


def _template_id(em, name_or_id: str) -> str:
    for template in em.templates():
        if name_or_id in (template["trainingTemplateName"], template["trainingTemplateId"]):
            return template["trainingTemplateId"]
    names = ", ".join(t["trainingTemplateName"] for t in em.templates()) or "none yet"
    raise UsageError(f"No training template named '{name_or_id}'; the templates are: {names}.")


def _stage(name: str, cell: str, entry_point: str, source_dir: str | None) -> Path:
    """A fresh directory with the source dir's files and the cell as the entry point: what the training runs."""
    target = (STAGING / "cells" / name).resolve()
    if target.exists():
        shutil.rmtree(target)
    if source_dir:
        source = Path(source_dir).expanduser()
        if not source.is_dir():
            raise UsageError(f"--source-dir '{source_dir}' is not a directory.")
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(".easymaker", ".ipynb_checkpoints"))
    target.mkdir(parents=True, exist_ok=True)
    script = target / entry_point
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(cell)
    return target
