"""The detached pipeline run process: runs a compiled KFP pipeline with kfp.local, in parallel where the DAG allows.

Started as `python -m jupyter_easymaker.backends.local.pipeline_runner RUN_DIR` in a session of its own.
kfp.local (SubprocessRunner, use_venv=False) runs every lightweight Python component task exactly as it
would alone; what is ours is the scheduling: kfp.local walks a DAG's tasks one after another, this
runner starts every task whose upstream tasks are done (ParallelFor iterations already run in parallel
in kfp.local). Each task's state, inputs, outputs, artifacts and log file are recorded in RUN_DIR/tasks.json
as they change, so the server can show the graph live; a stop request (RUN_DIR/stop) ends every task's
process group.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from ...pipeline_spec import container_components
from .rundir import RunDir, process_identity, signal_group, write_json

POLL_SECONDS = 0.1
MAX_PARALLEL_TASKS = 8


class Stopped(Exception):
    pass


class RunState:
    """What tasks.json says, kept in memory and rewritten on every change (atomically)."""

    def __init__(self, run: RunDir) -> None:
        self.run = run
        self.path = run.root / "tasks.json"
        self.logs = run.root / "task-logs"
        self.logs.mkdir(exist_ok=True)
        self.tasks: dict[str, dict] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.processes: dict[int, subprocess.Popen] = {}
        self.local = threading.local()

    def update(self, task_id: str, **fields: Any) -> None:
        with self.lock:
            entry = self.tasks.setdefault(task_id, {"name": task_id.rsplit("/", 1)[-1]})
            entry.update(fields)
            write_json(self.path, self.tasks)

    def log_path(self, task_id: str) -> Path:
        return self.logs / (re.sub(r"[^A-Za-z0-9_.-]", "_", task_id.replace("/", "__")) + ".log")

    def end_processes(self) -> None:
        with self.lock:
            procs = list(self.processes.values())
        for proc in procs:
            signal_group(proc.pid, signal.SIGKILL)


STATE: RunState | None = None


def _task_id(path: str, task_name: str) -> str:
    return f"{path}/{task_name}" if path else task_name


def _wire(value: Any) -> Any:
    """A task input or output as JSON: artifacts by their name, uri, local path and metadata."""
    if hasattr(value, "uri") and hasattr(value, "metadata"):
        return {
            "artifact": True, "name": getattr(value, "name", ""), "uri": value.uri,
            "path": getattr(value, "path", None), "schemaTitle": getattr(value, "schema_title", ""),
            "metadata": _jsonable(value.metadata),
        }  # fmt: skip
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return _jsonable(value)


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


# -- the parts of kfp.local this runner takes over --------------------------------------------------------------------


INSTALL_LOCK = threading.Lock()
PIP_INSTALL = re.compile(r"-m pip install ([^&\n]*)")


def _run_local_subprocess(full_command: list[str], env_vars: dict[str, str] | None = None) -> int:
    """kfp.local's task subprocess, with its output in the task's own log file and in a process group of its own.

    A lightweight component's command is `sh -c "<pip install …> && "$0" "$@"" sh -ec <program> …`. kfp.local
    holds one lock around the whole command, so tasks never overlap; here only the install step is serialized
    (and skipped when every requirement is already satisfied, where pip would change nothing), and the
    component itself runs in parallel with the others."""
    assert STATE is not None
    if STATE.stopping.is_set():
        return 1
    log_path = getattr(STATE.local, "log_path", None) or STATE.logs / "unknown.log"
    task_name = getattr(STATE.local, "task_id", "")
    env = {**os.environ, **(env_vars or {}), "PYTHONUNBUFFERED": "1", "EM_KUBEFLOW_PIPELINE_RUN_TASK_NAME": task_name}
    command = list(full_command)
    with open(log_path, "ab") as out:
        if command[:2] == ["sh", "-c"] and len(command) > 3 and command[3] == "sh" and "pip install" in command[2]:
            install, command = command[2], command[3:]
            if not _satisfied(install):
                with INSTALL_LOCK:
                    code = _wait(STATE, ["sh", "-c", install.replace('"$0" "$@"', "true")], out, env)
                if code != 0:
                    return code
        return _wait(STATE, command, out, env)


def _wait(state: RunState, command: list[str], out, env: dict[str, str]) -> int:
    proc = subprocess.Popen(
        command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
    )
    with state.lock:
        state.processes[proc.pid] = proc
    try:
        return proc.wait()
    finally:
        with state.lock:
            state.processes.pop(proc.pid, None)


def _satisfied(script: str) -> bool:
    """Every requirement the install script names is installed in this environment (False if unsure)."""
    import shlex
    from importlib import metadata

    from packaging.requirements import InvalidRequirement, Requirement

    for match in PIP_INSTALL.finditer(script):
        for token in shlex.split(match.group(1)):
            if token.startswith("-"):
                if token not in ("--quiet", "--no-warn-script-location", "--no-deps"):
                    return False  # an index URL, a constraint file …: let pip decide
                continue
            try:
                requirement = Requirement(token)
            except InvalidRequirement:
                return False
            if requirement.marker is not None and not requirement.marker.evaluate():
                continue
            try:
                installed = metadata.version(requirement.name)
            except metadata.PackageNotFoundError:
                return False
            if requirement.url or not requirement.specifier.contains(installed, prereleases=True):
                return False
    return True


def _execute_single_task(**kwargs: Any):
    """One component task (kfp.local's own implementation), with its state recorded around it."""
    from kfp.local import status

    assert STATE is not None
    task_id = _task_id(kwargs["pipeline_resource_name"], kwargs["task_name"])
    if STATE.stopping.is_set():
        STATE.update(task_id, state="STOPPED", finishedAt=time.time())
        return {}, status.Status.FAILURE
    log_path = STATE.log_path(task_id)
    STATE.local.log_path, STATE.local.task_id = log_path, task_id
    spec = kwargs["task_spec"]
    STATE.update(
        task_id, state="RUNNING", startedAt=time.time(), component=spec.component_ref.name.removeprefix("comp-"),
        log=str(log_path), kind="task",
    )  # fmt: skip
    # A task's directory is its DAG path: kfp.local keys it by component, so two tasks of one component would share it
    kwargs = {**kwargs, "pipeline_resource_name": task_id}
    try:
        from kfp.local.orchestrator.orchestrator_utils import OrchestratorUtils

        inputs = OrchestratorUtils.make_task_arguments(task_inputs_spec=spec.inputs, io_store=kwargs["io_store"])
        STATE.update(task_id, inputs={k: _wire(v) for k, v in inputs.items()})
        outputs, task_status = _ORIGINAL_EXECUTE_SINGLE_TASK(**kwargs)
    except Exception as err:  # kfp.local refusing a task is that task's failure, not the runner's
        with open(log_path, "a", encoding="utf-8") as out:
            out.write(f"{err}\n")
        STATE.update(task_id, state="FAILED", finishedAt=time.time(), message=str(err))
        return {}, status.Status.FAILURE
    ok = task_status == status.Status.SUCCESS
    state = "SUCCEEDED" if ok else ("STOPPED" if STATE.stopping.is_set() else "FAILED")
    STATE.update(task_id, state=state, finishedAt=time.time(), outputs={k: _wire(v) for k, v in outputs.items()})
    return outputs, task_status


def _execute_task(task_name: str, task_spec, pipeline_resource_name: str, components, executors, io_store,
                  pipeline_root: str, runner, unique_pipeline_id: str, fail_stack: list[str]):  # fmt: skip
    """kfp.local's execute_task, with nested DAGs (conditions, loop iterations) run by `run_dag` below."""
    from kfp.local.orchestrator import task_spec_utils

    component_spec = components[task_spec.component_ref.name]
    common = dict(components=components, executors=executors, pipeline_root=pipeline_root, runner=runner,
                  unique_pipeline_id=unique_pipeline_id, fail_stack=fail_stack)  # fmt: skip
    if component_spec.WhichOneof("implementation") == "dag":
        arguments = task_spec_utils.build_nested_dag_arguments(
            task_name=task_name, task_spec=task_spec, component_spec=component_spec, io_store=io_store
        )
        task_id = _task_id(pipeline_resource_name, task_name)
        assert STATE is not None
        STATE.update(task_id, state="RUNNING", startedAt=time.time(), kind="dag")
        outputs, dag_status = run_dag(
            path=task_id, dag_component_spec=component_spec, dag_arguments=arguments, parent_io_store=io_store,
            **common,
        )  # fmt: skip
        STATE.update(task_id, state=_state(dag_status), finishedAt=time.time())
        return outputs, dag_status
    return _execute_single_task(
        task_name=task_name, task_spec=task_spec, pipeline_resource_name=pipeline_resource_name, io_store=io_store,
        **common,
    )  # fmt: skip


def _state(task_status) -> str:
    from kfp.local import status

    assert STATE is not None
    if task_status == status.Status.SUCCESS:
        return "SUCCEEDED"
    return "STOPPED" if STATE.stopping.is_set() else "FAILED"


_ORIGINAL_EXECUTE_SINGLE_TASK = None


def _install_hooks() -> None:
    global _ORIGINAL_EXECUTE_SINGLE_TASK
    from kfp.local import subprocess_task_handler
    from kfp.local.orchestrator import enhanced_dag_orchestrator, task_executor

    _ORIGINAL_EXECUTE_SINGLE_TASK = task_executor.execute_single_task
    from kfp.local.pip_install_manager import pip_install_manager

    # kfp.local would hold its install lock for a task's whole run; _run_local_subprocess serializes installs itself
    pip_install_manager.configure(serialize_installs=False, max_concurrent=1024)
    subprocess_task_handler.run_local_subprocess = _run_local_subprocess
    enhanced_dag_orchestrator.execute_task = _execute_task  # what ParallelFor iterations call


# -- the DAG, in parallel --------------------------------------------------------------------------------------------


def run_dag(path: str, dag_component_spec, dag_arguments: dict, components, executors, pipeline_root: str, runner,
            unique_pipeline_id: str, fail_stack: list[str], parent_io_store=None):  # fmt: skip
    """kfp.local's enhanced DAG semantics (conditions, loops, exit handlers, upstream-failure skips), but every task
    whose upstream tasks are done starts at once instead of in topological order one by one."""
    from kfp.local import io, status
    from kfp.local.orchestrator import enhanced_dag_orchestrator as enhanced
    from kfp.local.orchestrator.orchestrator_utils import OrchestratorUtils
    from kfp.pipeline_spec import pipeline_spec_pb2

    assert STATE is not None
    arguments = OrchestratorUtils.join_user_inputs_and_defaults(
        dag_arguments=dag_arguments, dag_inputs_spec=dag_component_spec.input_definitions
    )
    io_store = io.IOStore(parent=parent_io_store)
    for key, value in arguments.items():
        io_store.put_parent_input(key, value)
    all_completed = pipeline_spec_pb2.PipelineTaskSpec.TriggerPolicy.TriggerStrategy.ALL_UPSTREAM_TASKS_COMPLETED
    common = dict(pipeline_resource_name=path, components=components, executors=executors, io_store=io_store,
                  pipeline_root=pipeline_root, runner=runner, unique_pipeline_id=unique_pipeline_id,
                  fail_stack=fail_stack)  # fmt: skip
    exit_tasks, body = [], {}
    for name, spec in dag_component_spec.dag.tasks.items():
        if spec.trigger_policy.strategy == all_completed and enhanced._has_task_final_status_input(spec):
            exit_tasks.append((name, spec))
        else:
            body[name] = spec

    def run_one(name: str, spec) -> tuple[dict, Any]:
        if spec.trigger_policy.condition:
            if not enhanced.ConditionEvaluator.evaluate_condition(spec.trigger_policy.condition, io_store):
                STATE.update(_task_id(path, name), state="SKIPPED", kind="condition", finishedAt=time.time(),
                             message="The condition was false.")  # fmt: skip
                return {}, None
            return _execute_task(task_name=name, task_spec=spec, **common)
        if spec.WhichOneof("iterator") and enhanced._has_valid_iterator(spec):
            task_id = _task_id(path, name)
            STATE.update(task_id, state="RUNNING", startedAt=time.time(), kind="loop")
            failed = enhanced._run_parallel_for_task(
                task_name=name, task_spec=spec, parallel_executor=enhanced.ParallelExecutor(), **common
            )
            result = status.Status.FAILURE if failed else status.Status.SUCCESS
            STATE.update(task_id, state=_state(result), finishedAt=time.time())
            return {}, result
        return _execute_task(task_name=name, task_spec=spec, **common)

    done: set[str] = set()
    failed: set[str] = set()
    running: dict[concurrent.futures.Future, str] = {}
    pending = dict(body)
    with concurrent.futures.ThreadPoolExecutor(MAX_PARALLEL_TASKS) as pool:
        while pending or running:
            for name in list(pending):
                spec = pending[name]
                deps = set(spec.dependent_tasks)
                if not deps <= done | failed:
                    continue
                del pending[name]
                if STATE.stopping.is_set():
                    failed.add(name)
                    continue
                if deps & failed and spec.trigger_policy.strategy != all_completed:
                    upstream = ", ".join(sorted(deps & failed))
                    message = f"Upstream task(s) {upstream} did not succeed."
                    STATE.update(_task_id(path, name), state="SKIPPED", finishedAt=time.time(), message=message)
                    failed.add(name)
                    continue
                running[pool.submit(run_one, name, spec)] = name
            if not running:
                continue
            finished, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                try:
                    outputs, result = future.result()
                except Exception as err:
                    traceback.print_exc()
                    STATE.update(_task_id(path, name), state="FAILED", finishedAt=time.time(), message=str(err))
                    outputs, result = {}, status.Status.FAILURE
                if result is None:  # a condition that was false: nothing ran, nothing failed
                    done.add(name)
                elif result == status.Status.SUCCESS:
                    if not (body[name].WhichOneof("iterator")):
                        for key, value in outputs.items():
                            io_store.put_task_output(name, key, value)
                    io_store.put_task_status(name, "SUCCEEDED")
                    done.add(name)
                else:
                    io_store.put_task_status(name, "FAILED")
                    fail_stack.append(name)
                    failed.add(name)
    exit_failed = False
    for name, spec in exit_tasks:
        outputs, result = _execute_task(task_name=name, task_spec=spec, **common)
        if result == status.Status.SUCCESS:
            for key, value in outputs.items():
                io_store.put_task_output(name, key, value)
        else:
            exit_failed = True
    if failed or exit_failed or STATE.stopping.is_set():
        return {}, status.Status.FAILURE
    return OrchestratorUtils.get_dag_outputs(dag_outputs_spec=dag_component_spec.dag.outputs, io_store=io_store), (
        status.Status.SUCCESS
    )


# -- the run ---------------------------------------------------------------------------------------------------------


def execute(run: RunDir) -> dict:
    """Run the pipeline; the result to record."""
    global STATE
    plan = json.loads(run.spec.read_text())
    STATE = RunState(run)
    os.environ.update(plan.get("env") or {})
    started = time.time()
    write_json(run.status, {"phase": "running", "message": "", "started_at": started})
    watcher = threading.Thread(target=_watch_stop, args=(run,), daemon=True)
    watcher.start()

    try:
        from kfp import local
        from kfp.components import load_component_from_file
    except ImportError as err:
        return {
            "phase": "create_failed", "started_at": started, "finished_at": time.time(),
            "message": f"The Kubeflow Pipelines SDK is not installed next to the server ({err}); install it with "
            "pip install 'jupyter-easymaker[pipelines]' and run the pipeline again.",
        }  # fmt: skip
    from kfp.local import placeholder_utils, utils

    manifest = run.root / "pipeline.yaml"
    manifest.write_text(plan["manifest"])
    pipeline_spec = load_component_from_file(str(manifest)).pipeline_spec
    from google.protobuf import json_format

    containers = sorted(container_components(json_format.MessageToDict(pipeline_spec)))
    if containers:
        return {
            "phase": "create_failed", "started_at": started, "finished_at": time.time(),
            "message": f"Component(s) {', '.join(containers)} are container components, which need a container "
            "runtime: the local backend runs lightweight Python components (@dsl.component) only. Run this pipeline "
            "on the Kubernetes backend, or write these steps as @dsl.component functions.",
        }  # fmt: skip
    pipeline_root = str(run.root / "artifacts")
    runner = local.SubprocessRunner(use_venv=False)
    local.init(runner=runner, pipeline_root=pipeline_root)
    _install_hooks()
    executors = {n: utils.struct_to_executor_spec(e) for n, e in pipeline_spec.deployment_spec["executors"].items()}
    outputs, result = run_dag(
        path="", dag_component_spec=pipeline_spec.root, dag_arguments=plan["arguments"],
        components=dict(pipeline_spec.components.items()), executors=executors, pipeline_root=pipeline_root,
        runner=runner, unique_pipeline_id=placeholder_utils.make_random_id(), fail_stack=[],
    )  # fmt: skip
    from kfp.local import status

    finished = time.time()
    if STATE.stopping.is_set():
        return {"phase": "stopped", "message": "Stopped at the user's request.", "started_at": started,
                "finished_at": finished}  # fmt: skip
    if result == status.Status.SUCCESS:
        return {"phase": "succeeded", "message": "", "started_at": started, "finished_at": finished,
                "outputs": {k: _wire(v) for k, v in outputs.items()}}  # fmt: skip
    failed = sorted(t for t, e in STATE.tasks.items() if e.get("state") == "FAILED" and e.get("kind") == "task")
    message = f"Task(s) failed: {', '.join(failed)}; see each task's log." if failed else "The pipeline failed."
    return {"phase": "failed", "message": message, "started_at": started, "finished_at": finished}


def _watch_stop(run: RunDir) -> None:
    assert STATE is not None
    while not run.stop.exists():
        time.sleep(POLL_SECONDS)
    STATE.stopping.set()
    STATE.end_processes()
    with STATE.lock:
        for entry in STATE.tasks.values():
            if entry.get("state") == "RUNNING":
                entry["state"], entry["finishedAt"] = "STOPPED", time.time()
        write_json(STATE.path, STATE.tasks)


def main(root: str) -> int:
    run = RunDir(Path(root))
    if not run.claim():
        return 0
    write_json(run.runner, process_identity(os.getpid()))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    started = time.time()
    try:
        result = execute(run)
    except Exception as err:
        traceback.print_exc()
        result = {"phase": "create_failed", "message": f"The pipeline could not be run: {err}",
                  "started_at": started, "finished_at": time.time()}  # fmt: skip
    if STATE is not None:
        STATE.end_processes()
    write_json(run.result, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
