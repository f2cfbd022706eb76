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


@magic("line_cell", "em_train")
@magic_arguments()
@argument("--name", help="Training name (default: <experiment>-<date>-<time>).")
@argument("--experiment", help="Experiment name; created if missing. Required.")
@argument("--description", help="Training description.")
@argument("--template", help="Start from this training template (name or id); other options override it.")
@argument("--image", help=f"Image name or id (default: '{DEFAULT_IMAGE}').")
@argument("--instance-type", help=f"Instance type name, e.g. m2.c4m8 (default: {DEFAULT_INSTANCE_TYPE}).")
@argument("--hp", action="append", metavar="NAME=VALUE", help="A hyperparameter; repeat for more.")
@argument("--dataset", action="append", metavar="NAME=URI", help="An input dataset (EM_DATASET_<NAME>); up to 10.")
@argument("--source-dir", help="A directory shipped with the cell (the cell is written into a copy of it).")
@argument("--entry-point", default="train.py", help="File name the cell is saved as (default: train.py).")
@argument("--output", help="Model upload URI (default: .easymaker/models/<name> beside the notebook).")
@argument("--checkpoint-in", help="Checkpoint input URI.")
@argument("--checkpoint-out", help="Checkpoint upload URI.")
@argument("--nodes", type=int, help="Number of nodes (distributed training), 1-10.")
@argument("--torchrun", action="store_true", help="Launch with torchrun.")
@argument("--nproc-per-node", type=int, help="Processes per node with --torchrun.")
@argument("--max-hours", type=float, help="Maximum training time in hours (default: 720).")
@argument("--metric-regex", help="Regex with two groups (name, value) to scrape metrics (default: Katib's filter).")
@argument("--wait", action="store_true", help="Block, streaming logs; Ctrl-C asks to stop the training or detach.")
def em_train(line: str, cell: str | None = None) -> Training:
    """Submit the cell as a training's entry point script (or, as `%em_train --template T …`, a template's).

    Without --wait it returns at once with a live view; with --wait it streams status and logs until the training
    ends. The value is a `Training` (`.wait()`, `.logs()`, `.metrics()`, `.stop()`).

        %%em_train --experiment mnist --hp epochs=3 --dataset train=obs://store/bucket/mnist
        import os; print(os.environ["EM_HP_EPOCHS"])
    """
    args = options(em_train, line, prefix="%%")
    if not args.experiment:
        raise UsageError("Missing --experiment NAME: every training belongs to an experiment (created if missing).")
    hyperparameters = key_values(args.hp, "--hp")
    datasets = key_values(args.dataset, "--dataset", "uri")
    if args.nproc_per_node and not args.torchrun:
        raise UsageError("--nproc-per-node needs --torchrun.")
    cell = cell or ""
    if not cell.strip() and not args.template:
        raise UsageError("No script: write the training script in a %%em_train cell (or give --template).")
    em = client()
    name = args.name or _default_name(args.experiment)
    body: dict = {"trainingName": name, "experimentName": args.experiment}  # the server creates it with the training
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
        "hyperparameterList": [{"parameterName": k, "parameterValue": v} for k, v in hyperparameters] or None,
        "datasetList": [{"datasetName": k, "dataUri": v} for k, v in datasets] or None,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    training = em.training_handle(em.create_training(body))
    if args.wait:
        wait_and_stream(training)
    return training


def _default_name(experiment: str) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{experiment[: 50 - len(stamp) - 1]}-{stamp}"


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
