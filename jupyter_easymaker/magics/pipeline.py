"""`%em_pipeline`: compile a `@dsl.pipeline` function defined in the notebook, upload it, and (optionally) run it."""

from __future__ import annotations

import json
import time
from typing import Any

from IPython import get_ipython
from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from .core import client, key_values, magic, options
from .follow import stop_or_detach

DEFAULT_INSTANCE_TYPE = "m2.c2m4"


@magic("line", "em_pipeline")
@magic_arguments()
@argument("function", help="The name of a @dsl.pipeline function defined in this notebook.")
@argument("--name", help="Pipeline name (default: the name in @dsl.pipeline).")
@argument("--description", help="Pipeline description.")
@argument("--default", action="append", metavar="NAME=VALUE", help="Compile in a default for a pipeline parameter.")
@argument("--run", metavar="RUN_NAME", nargs="?", const="", help="Also start a run (default name: <pipeline>-<time>).")
@argument("--experiment", help="Experiment of the run; created if missing. Required with --run.")
@argument("--param", action="append", metavar="NAME=VALUE", help="A run parameter; repeat for more.")
@argument("--instance-type", help=f"Instance type of the run (default: {DEFAULT_INSTANCE_TYPE}).")
@argument("--instance-count", type=int, help="Instances for the run.")
@argument("--boot-storage", type=int, default=50, help="Boot storage of the run in GB (default: 50).")
@argument("--wait", action="store_true", help="With --run: block, printing task states until the run ends.")
def em_pipeline(line: str) -> Any:
    """Upload a pipeline compiled from a `@dsl.pipeline` function in the notebook; with --run, start it too.

        %em_pipeline my_pipeline --run --experiment pipelines --param epochs=3 --wait

    The value is a `Pipeline` (`.run(…)`, `.graph()`), or with --run a `PipelineRun` (`.wait()`, `.tasks()`,
    `.outputs(task)`, `.log(task)`, `.artifact(task, name)`, `.stop()`).
    """
    args = options(em_pipeline, line)
    function = (get_ipython().user_ns if get_ipython() else {}).get(args.function)
    if function is None:
        raise UsageError(f"No '{args.function}' is defined in this notebook; define it with @dsl.pipeline first.")
    if not hasattr(function, "pipeline_spec"):
        raise UsageError(f"'{args.function}' is not a pipeline: decorate it with @dsl.pipeline (from kfp import dsl).")
    if args.run is not None and not args.experiment:
        raise UsageError("Missing --experiment NAME: a run belongs to an experiment (created if missing).")
    if args.run is None and (args.param or args.wait):
        raise UsageError("--param and --wait apply to a run: add --run.")
    defaults = {k: _typed(v) for k, v in key_values(args.default, "--default")}
    parameters = dict(key_values(args.param, "--param"))
    em = client()
    pipeline = em.pipeline_handle(
        em.upload_pipeline_function(function, name=args.name, description=args.description, arguments=defaults or None)
    )
    print(f"Uploaded pipeline '{pipeline.name}' ({len(pipeline.graph()['nodes'])} nodes).", flush=True)
    if args.run is None:
        return pipeline
    run = pipeline.run(
        args.run or f"{pipeline.name[:34]}-{time.strftime('%Y%m%d-%H%M%S')}",
        experiment_name=args.experiment,
        flavor_id=em.flavor_id(args.instance_type or DEFAULT_INSTANCE_TYPE),
        boot_storage_size=args.boot_storage,
        **({"instance_count": args.instance_count} if args.instance_count else {}),
        parameters=parameters,
    )
    if args.wait:
        try:
            follow_run(run)
        except KeyboardInterrupt:
            stop_or_detach(run, "pipeline run")
    return run


def follow_run(run, poll: float = 0.5):
    """Print the run's status and each task's state as they change, until the run ends."""
    seen: dict[str, str] = {}
    last = None
    while True:
        run.refresh()
        if run.status != last:
            last = run.status
            print(f"[{run.name}] {last}", flush=True)
        for task in run.tasks():
            if seen.get(task["taskId"]) != task["state"]:
                seen[task["taskId"]] = task["state"]
                print(f"  task {task['taskId']}: {task['state']}", flush=True)
        if run.is_final:
            reason = run.data.get("statusReason")
            print(f"Run '{run.name}' {run.status}." + (f" {reason}" if reason else ""), flush=True)
            return run
        time.sleep(poll)


def _typed(text: str) -> Any:
    """`3` → 3, `0.5` → 0.5, `true` → True, `[1, 2]` → [1, 2]; anything else stays text."""
    try:
        return json.loads(text)
    except ValueError:
        return text
