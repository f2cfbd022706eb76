"""Kubeflow Pipelines IR YAML (what `kfp.compiler.Compiler` writes): validation, parameters, and the graph.

Only plain data is read here (PyYAML), so the API answers without importing kfp. Node ids are DAG paths
(`condition-1/for-loop-2/square`), the same ids the run executor records task states under.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from ..errors import EasyMakerError
from ..pipeline_spec import container_components

# KFP parameter types -> how a string from the console / SDK becomes the typed value the executor needs.
PARAMETER_TYPES = ("STRING", "NUMBER_INTEGER", "NUMBER_DOUBLE", "BOOLEAN", "LIST", "STRUCT", "TASK_FINAL_STATUS")
ITERATION = re.compile(r"^(?P<loop>.+)-iteration-\d+$")


class ManifestError(EasyMakerError):
    pass


def load(text: str) -> dict:
    """The pipeline spec of a KFP IR YAML (the first document; a second one is the platform spec)."""
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as err:
        raise ManifestError(f"The pipeline file is not valid YAML: {err}") from None
    if not docs or not isinstance(docs[0], dict):
        raise ManifestError("The pipeline file is empty or not a YAML mapping; upload a KFP IR YAML.")
    spec = docs[0]
    missing = [key for key in ("pipelineInfo", "root", "components", "deploymentSpec") if key not in spec]
    if missing:
        raise ManifestError(
            f"Not a Kubeflow Pipelines IR YAML: {', '.join(missing)} missing. Compile the pipeline with "
            "kfp.compiler.Compiler().compile(pipeline_func, 'pipeline.yaml') (kfp 2.x) and upload that file."
        )
    if not isinstance(spec["root"], dict) or "dag" not in spec["root"]:
        raise ManifestError("Not a Kubeflow Pipelines IR YAML: root.dag is missing; upload a compiled pipeline.")
    try:
        _check_references(spec)
    except (AttributeError, TypeError, KeyError) as err:
        raise ManifestError(f"The pipeline file is not a well-formed KFP IR YAML ({err!r}); compile it again "
                            "with kfp.compiler.Compiler.") from None  # fmt: skip
    return spec


def _check_references(spec: dict) -> None:
    components = spec["components"] or {}
    executors = (spec.get("deploymentSpec") or {}).get("executors") or {}
    for path, task in _walk(spec["root"]["dag"], components, ""):
        ref = (task.get("componentRef") or {}).get("name")
        if ref not in components:
            raise ManifestError(f"Task '{path}' refers to component '{ref}', which the file does not define.")
        label = components[ref].get("executorLabel")
        if label and label not in executors:
            raise ManifestError(f"Component '{ref}' refers to executor '{label}', which the file does not define.")
    graph(spec)  # what the API will read from it reads without surprises
    parameters(spec)
    container_components(spec)


def _walk(dag: dict, components: dict, prefix: str):
    for name, task in (dag.get("tasks") or {}).items():
        path = f"{prefix}{name}"
        yield path, task
        component = components.get((task.get("componentRef") or {}).get("name"), {})
        if "dag" in component:
            yield from _walk(component["dag"], components, f"{path}/")


def pipeline_name(spec: dict) -> str:
    return (spec.get("pipelineInfo") or {}).get("name", "")


def parameters(spec: dict) -> list[dict]:
    """The pipeline's input parameters as the SDK's PipelineParameterSpec list."""
    found = []
    for name, info in ((spec["root"].get("inputDefinitions") or {}).get("parameters") or {}).items():
        default = info.get("defaultValue")
        found.append({
            "parameterName": name,
            "parameterType": info.get("parameterType", "STRING"),
            "isOptional": bool(info.get("isOptional")) or "defaultValue" in info,
            "defaultValue": None if default is None else _to_text(default, info.get("parameterType", "STRING")),
        })  # fmt: skip
    return found


def _to_text(value: Any, kind: str) -> str:
    if kind in ("LIST", "STRUCT") or isinstance(value, (list, dict)):
        return json.dumps(value)
    if kind == "NUMBER_INTEGER" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    if kind == "BOOLEAN":
        return "true" if value else "false"
    return str(value)


def convert(kind: str, text: str) -> Any:
    """A parameter value given as text, as the type the pipeline declares; ValueError says what is wrong."""
    if kind == "STRING":
        return text
    if kind == "NUMBER_INTEGER":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"must be an integer, not '{text}'") from None
    if kind == "NUMBER_DOUBLE":
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"must be a number, not '{text}'") from None
    if kind == "BOOLEAN":
        if text.lower() in ("true", "1"):
            return True
        if text.lower() in ("false", "0"):
            return False
        raise ValueError(f"must be true or false, not '{text}'")
    if kind in ("LIST", "STRUCT"):
        try:
            value = json.loads(text)
        except ValueError:
            raise ValueError(f"must be JSON ({'a list' if kind == 'LIST' else 'an object'})") from None
        if not isinstance(value, list if kind == "LIST" else dict):
            raise ValueError(f"must be a JSON {'list' if kind == 'LIST' else 'object'}")
        return value
    raise ValueError(f"has type {kind}, which cannot be given as a run parameter")


def default_value(info: dict) -> Any:
    value = info.get("defaultValue")
    if info.get("parameterType") == "NUMBER_INTEGER" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def graph(spec: dict) -> dict:
    """Nodes (id, name, kind task|dag|condition|loop, parent, component) and edges (source, target) of every DAG."""
    components = spec["components"] or {}
    nodes: list[dict] = []
    edges: list[dict] = []

    def visit(dag: dict, parent: str | None) -> None:
        prefix = f"{parent}/" if parent else ""
        for name, task in (dag.get("tasks") or {}).items():
            ref = (task.get("componentRef") or {}).get("name", "")
            component = components.get(ref, {})
            node_id = f"{prefix}{name}"
            if "parameterIterator" in task or "artifactIterator" in task:
                kind = "loop"
            elif (task.get("triggerPolicy") or {}).get("condition"):
                kind = "condition"
            elif "dag" in component:
                kind = "dag"
            else:
                kind = "task"
            node = {
                "id": node_id, "name": (task.get("taskInfo") or {}).get("name", name), "kind": kind,
                "parent": parent, "component": ref.removeprefix("comp-"),
            }  # fmt: skip
            condition = (task.get("triggerPolicy") or {}).get("condition")
            if condition:
                node["condition"] = condition
            iterator = task.get("parameterIterator") or task.get("artifactIterator")
            if iterator:
                node["iterator"] = iterator.get("items", {})
            nodes.append(node)
            for upstream in task.get("dependentTasks") or []:
                edges.append({"source": f"{prefix}{upstream}", "target": node_id})
            if "dag" in component:
                visit(component["dag"], node_id)

    visit(spec["root"]["dag"], None)
    return {"nodes": nodes, "edges": edges}


def node_of(task_id: str) -> str:
    """The graph node a run's task belongs to: loop iterations (`for-loop-2-iteration-0`) fold into their loop."""
    return "/".join(ITERATION.sub(r"\g<loop>", part) for part in task_id.split("/"))


STATE_ORDER = ("RUNNING", "FAILED", "STOPPED", "PENDING", "SUCCEEDED", "SKIPPED")


def with_states(graph_: dict, tasks: dict[str, dict]) -> dict:
    """The graph with each node's state from the run's tasks (a loop node sums up its iterations)."""
    by_node: dict[str, list[dict]] = {}
    for task_id, task in tasks.items():
        by_node.setdefault(node_of(task_id), []).append({"id": task_id, **task})
    nodes = []
    for node in graph_["nodes"]:
        found = by_node.get(node["id"], [])
        states = {t["state"] for t in found}
        state = next((s for s in STATE_ORDER if s in states), None) or "PENDING"
        nodes.append({**node, "state": state, "taskIdList": sorted(t["id"] for t in found)})
    return {"nodes": nodes, "edges": graph_["edges"]}
