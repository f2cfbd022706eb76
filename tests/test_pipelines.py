"""Pipelines and pipeline runs over the REST API: real compiled KFP pipelines run by kfp.local in a detached process."""

from __future__ import annotations

import base64
import time

import psutil
import pytest
from pipeline_defs import compile_all

FINAL = ("COMPLETE", "FAIL PIPELINE RUN", "STOPPED", "CREATE FAILED")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return compile_all(tmp_path_factory.mktemp("pipelines"))


def upload(api, name: str, path) -> dict:
    body = {"pipelineName": name, "base64PipelineSpecManifest": base64.b64encode(path.read_bytes()).decode()}
    return api.post("/pipelines/upload", body)["pipeline"]


def start_run(api, name: str, pipeline_id: str, parameters: dict | None = None, **extra) -> dict:
    body = {
        "pipelineRunOrRecurringRunName": name,
        "pipelineId": pipeline_id,
        "experimentName": "pipeline-tests",
        "flavorId": api.flavor_id(),
        "bootStorageSize": 50,
        "parameterList": [{"parameterName": k, "parameterValue": v} for k, v in (parameters or {}).items()],
        **extra,
    }
    return api.post("/pipeline-runs", body)["pipelineRun"]


def wait_run(api, run_id: str, until=FINAL, timeout: float = 90) -> tuple[dict, list[str]]:
    seen: list[str] = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = api.get(f"/pipeline-runs/{run_id}")["pipelineRun"]
        if not seen or seen[-1] != run["pipelineRunStatusCode"]:
            seen.append(run["pipelineRunStatusCode"])
        if run["pipelineRunStatusCode"] in until:
            return run, seen
        time.sleep(0.1)
    raise AssertionError(f"pipeline run {run_id} still {seen[-1] if seen else '?'} after {timeout}s: {seen}")


def tasks_by_id(api, run_id: str) -> dict[str, dict]:
    return {t["taskId"]: t for t in api.get(f"/pipeline-runs/{run_id}/tasks")["taskList"]}


def test_upload_list_graph_delete(api, compiled):
    pipeline = upload(api, "three-step-graph", compiled["three_step"])
    assert pipeline["pipelineStatusCode"] == "ACTIVE"
    assert pipeline["pipelineSpecName"] == "three-step"
    specs = {p["parameterName"]: p for p in pipeline["pipelineParameterSpecList"]}
    assert specs["rows"] == {"parameterName": "rows", "parameterType": "NUMBER_INTEGER", "isOptional": True,
                             "defaultValue": "5"}  # fmt: skip
    assert specs["lr"]["parameterType"] == "NUMBER_DOUBLE" and specs["lr"]["defaultValue"] == "0.1"
    listed = api.get("/pipelines")["pipelineList"]
    assert pipeline["pipelineId"] in [p["pipelineId"] for p in listed]

    graph = api.get(f"/pipelines/{pipeline['pipelineId']}/graph")["graph"]
    assert {(n["id"], n["kind"], n["parent"]) for n in graph["nodes"]} == {
        ("make-data", "task", None), ("train", "task", None), ("report", "task", None),
    }  # fmt: skip
    assert {(e["source"], e["target"]) for e in graph["edges"]} == {("make-data", "train"), ("train", "report")}

    not_kfp = base64.b64encode(b"x: 1").decode()
    status, body = api.call(
        "POST", "/pipelines/upload", json={"pipelineName": "not-kfp", "base64PipelineSpecManifest": not_kfp}
    )
    assert status == 400 and body["errorList"][0]["field"] == "base64PipelineSpecManifest"
    assert "Not a Kubeflow Pipelines IR YAML" in body["errorList"][0]["message"]
    status, body = api.call("POST", "/pipelines/upload", json={
        "pipelineName": "broken", "base64PipelineSpecManifest": base64.b64encode(b"a: [1, 2").decode()})  # fmt: skip
    assert status == 400 and "not valid YAML" in body["header"]["resultMessage"]
    status, body = api.call("POST", "/pipelines/upload", json={
        "pipelineName": "three-step-graph",
        "base64PipelineSpecManifest": base64.b64encode(compiled["three_step"].read_bytes()).decode()})  # fmt: skip
    assert status == 409 and "already exists" in body["header"]["resultMessage"]

    api.delete(f"/pipelines/{pipeline['pipelineId']}")
    status, _ = api.call("GET", f"/pipelines/{pipeline['pipelineId']}")
    assert status == 404


def test_nested_graph_of_conditions_and_loops(api, compiled):
    pipeline = upload(api, "loop-condition-graph", compiled["loop_condition"])
    graph = api.get(f"/pipelines/{pipeline['pipelineId']}/graph")["graph"]
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes["flip"]["kind"] == "task"
    assert nodes["condition-1"]["kind"] == "condition" and "heads" in nodes["condition-1"]["condition"]
    assert nodes["condition-1/for-loop-2"]["kind"] == "loop"
    assert nodes["condition-1/for-loop-2"]["parent"] == "condition-1"
    assert nodes["condition-1/for-loop-2/square"]["parent"] == "condition-1/for-loop-2"
    assert {"source": "flip", "target": "condition-1"} in graph["edges"]
    api.delete(f"/pipelines/{pipeline['pipelineId']}")


def test_three_step_run_with_artifacts_metrics_logs(api, compiled):
    pipeline = upload(api, "three-step-run", compiled["three_step"])
    run = start_run(api, "three-step-run-1", pipeline["pipelineId"], {"rows": "4"})
    assert run["pipelineRunStatusCode"] == "CREATE REQUESTED"
    assert {p["parameterName"]: p["parameterValue"] for p in run["parameterList"]} == {"rows": "4", "lr": "0.1"}
    run, seen = wait_run(api, run["pipelineRunId"])
    assert run["pipelineRunStatusCode"] == "COMPLETE", run
    assert seen[-1] == "COMPLETE" and set(seen) <= {"CREATE REQUESTED", "CREATE IN PROGRESS", "RUNNING", "COMPLETE"}
    assert run["startedDatetime"] and run["finishedDatetime"] and run["bootStorage"] == {"storageSize": 50}

    tasks = tasks_by_id(api, run["pipelineRunId"])
    assert {t: tasks[t]["state"] for t in tasks} == {"make-data": "SUCCEEDED", "train": "SUCCEEDED",
                                                     "report": "SUCCEEDED"}  # fmt: skip
    train = tasks["train"]
    assert {p["parameterName"]: p["parameterValue"] for p in train["inputParameterList"]} == {"lr": 0.1}
    assert [a["name"] for a in train["inputArtifactList"]] == ["data"]
    assert {p["parameterName"]: p["parameterValue"] for p in train["outputParameterList"]} == {"Output": 0.4}
    artifacts = {a["name"]: a for a in train["outputArtifactList"]}
    assert artifacts["metrics"]["metadata"] == {"accuracy": 0.9}
    assert artifacts["model"]["schemaTitle"] == "system.Model"
    report = tasks["report"]
    assert report["outputParameterList"] == [{"parameterName": "Output", "parameterValue": "score 0.4"}]

    response = api.session.get(f"{api.base}/pipeline-runs/{run['pipelineRunId']}/task-artifact",
                               params={"taskId": "train", "artifactName": "model"}, timeout=30)  # fmt: skip
    assert response.status_code == 200 and response.content == b"model rows=4 lr=0.1"
    log = api.get(f"/pipeline-runs/{run['pipelineRunId']}/task-log", params={"taskId": "train"})["log"]
    assert "trained on 4 rows accuracy=0.9" in log
    graph = api.get(f"/pipeline-runs/{run['pipelineRunId']}/graph")["graph"]
    assert {n["id"]: n["state"] for n in graph["nodes"]} == {"make-data": "SUCCEEDED", "train": "SUCCEEDED",
                                                             "report": "SUCCEEDED"}  # fmt: skip

    status, body = api.call("GET", f"/pipeline-runs/{run['pipelineRunId']}/task-artifact",
                            params={"taskId": "train", "artifactName": "nope"})  # fmt: skip
    assert status == 404 and "model" in body["header"]["resultMessage"]

    copied = api.post(f"/pipeline-runs/{run['pipelineRunId']}/copy", {})["pipelineRun"]
    assert copied["pipelineRunName"] == "three-step-run-1-copy"
    assert copied["parameterList"] == run["parameterList"]
    wait_run(api, copied["pipelineRunId"])
    status, body = api.call("DELETE", f"/pipelines/{pipeline['pipelineId']}")
    assert status == 200, body  # runs keep their own copy of the pipeline
    assert api.get(f"/pipeline-runs/{run['pipelineRunId']}/graph")["graph"]["nodes"]
    for run_id in (run["pipelineRunId"], copied["pipelineRunId"]):
        api.delete(f"/pipeline-runs/{run_id}")


def test_parameters_are_checked_against_the_pipeline(api, compiled):
    pipeline = upload(api, "three-step-params", compiled["three_step"])
    status, body = api.call("POST", "/pipeline-runs", json={
        "pipelineRunOrRecurringRunName": "bad-params", "pipelineId": pipeline["pipelineId"],
        "experimentName": "pipeline-tests", "flavorId": api.flavor_id(), "bootStorageSize": 50,
        "parameterList": [{"parameterName": "rows", "parameterValue": "many"},
                          {"parameterName": "epochs", "parameterValue": "3"}],
    })  # fmt: skip
    assert status == 400
    fields = {e["field"]: e["message"] for e in body["errorList"]}
    assert "must be an integer" in fields["parameterList[0].parameterValue"]
    assert "no parameter 'epochs'" in fields["parameterList[1].parameterName"]
    status, body = api.call("POST", "/pipeline-runs", json={
        "pipelineRunOrRecurringRunName": "no-flavor", "pipelineId": pipeline["pipelineId"],
        "experimentName": "pipeline-tests", "bootStorageSize": 10,
    })  # fmt: skip
    assert status == 400 and {e["field"] for e in body["errorList"]} == {"bootStorageSize"}
    status, body = api.call("POST", "/pipeline-runs", json={
        "pipelineRunOrRecurringRunName": "no-flavor", "pipelineId": pipeline["pipelineId"],
        "experimentName": "pipeline-tests", "bootStorageSize": 50,
    })  # fmt: skip
    assert status == 400 and {e["field"] for e in body["errorList"]} == {"flavorId"}
    assert not [r for r in api.get("/pipeline-runs")["pipelineRunList"] if r["pipelineRunName"] == "no-flavor"]
    api.delete(f"/pipelines/{pipeline['pipelineId']}")


def test_parallel_for_inside_a_condition(api, compiled):
    pipeline = upload(api, "loop-condition-run", compiled["loop_condition"])
    heads = start_run(api, "loop-heads", pipeline["pipelineId"], {"seed": "2", "items": "[3, 4, 5]"})
    tails = start_run(api, "loop-tails", pipeline["pipelineId"], {"seed": "1"})
    heads, _ = wait_run(api, heads["pipelineRunId"])
    tails, _ = wait_run(api, tails["pipelineRunId"])
    assert heads["pipelineRunStatusCode"] == tails["pipelineRunStatusCode"] == "COMPLETE"

    tasks = tasks_by_id(api, heads["pipelineRunId"])
    squares = {t: task for t, task in tasks.items() if task["taskName"] == "square"}
    assert sorted(p["outputParameterList"][0]["parameterValue"] for p in squares.values()) == [9, 16, 25]
    assert all(t.startswith("condition-1/for-loop-2-iteration-") for t in squares)
    graph = {n["id"]: n for n in api.get(f"/pipeline-runs/{heads['pipelineRunId']}/graph")["graph"]["nodes"]}
    assert graph["condition-1/for-loop-2/square"]["state"] == "SUCCEEDED"
    assert len(graph["condition-1/for-loop-2/square"]["taskIdList"]) == 3
    assert graph["condition-1"]["state"] == "SUCCEEDED"

    tasks = tasks_by_id(api, tails["pipelineRunId"])
    assert tasks["flip"]["outputParameterList"] == [{"parameterName": "Output", "parameterValue": "tails"}]
    assert tasks["condition-1"]["state"] == "SKIPPED"
    assert not [t for t in tasks if t.endswith("square")]
    graph = {n["id"]: n for n in api.get(f"/pipeline-runs/{tails['pipelineRunId']}/graph")["graph"]["nodes"]}
    assert graph["condition-1"]["state"] == "SKIPPED"
    assert graph["condition-1/for-loop-2/square"]["state"] == "PENDING"


def test_stop_mid_run_kills_parallel_tasks(api, compiled, tmp_path):
    pipeline = upload(api, "two-sleepers", compiled["two_sleepers"])
    run = start_run(api, "sleepers", pipeline["pipelineId"], {"marker_dir": str(tmp_path)})
    run_id = run["pipelineRunId"]
    deadline = time.time() + 60
    while time.time() < deadline:  # both sleepers running at once: independent tasks run in parallel
        graph = {n["id"]: n["state"] for n in api.get(f"/pipeline-runs/{run_id}/graph")["graph"]["nodes"]}
        if graph["sleeper"] == graph["sleeper-2"] == "RUNNING" and all(
            (tmp_path / side).exists() for side in ("left", "right")
        ):
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"the two independent sleepers never ran together: {graph}")
    assert graph["report"] == "PENDING"
    assert api.get(f"/pipeline-runs/{run_id}")["pipelineRun"]["pipelineRunStatusCode"] == "RUNNING"
    status, body = api.call("DELETE", f"/pipeline-runs/{run_id}")
    assert status == 409 and "stop it first" in body["header"]["resultMessage"]

    stopped = api.put(f"/pipeline-runs/{run_id}/stop")["pipelineRun"]
    assert stopped["pipelineRunStatusCode"] in ("STOP IN PROGRESS", "STOPPED")
    run, _ = wait_run(api, run_id)
    assert run["pipelineRunStatusCode"] == "STOPPED"
    pids = [int((tmp_path / side).read_text().split()[0]) for side in ("left", "right")]
    deadline = time.time() + 10
    while any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids):
        assert time.time() < deadline, "the stopped tasks' processes are still alive"
        time.sleep(0.1)
    states = {n["id"]: n["state"] for n in api.get(f"/pipeline-runs/{run_id}/graph")["graph"]["nodes"]}
    assert states["sleeper"] == states["sleeper-2"] == "STOPPED" and states["report"] == "PENDING"
    status, body = api.call("PUT", f"/pipeline-runs/{run_id}/stop")
    assert status == 409
    api.delete(f"/pipeline-runs/{run_id}")
    assert run_id not in [r["pipelineRunId"] for r in api.get("/pipeline-runs")["pipelineRunList"]]


def test_container_components_fail_clearly_on_the_local_backend(api, compiled):
    pipeline = upload(api, "container-step", compiled["container_step"])
    assert pipeline["containerComponentList"] == ["echo"]
    run = start_run(api, "container-run", pipeline["pipelineId"])
    run, _ = wait_run(api, run["pipelineRunId"])
    assert run["pipelineRunStatusCode"] == "CREATE FAILED"
    assert "echo" in run["statusReason"] and "container components" in run["statusReason"]
    api.delete(f"/pipeline-runs/{run['pipelineRunId']}")


def test_failed_task_fails_the_run_and_skips_downstream(api, compiled):
    pipeline = upload(api, "fails", compiled["fails"])
    run = start_run(api, "fails-run", pipeline["pipelineId"], useLog=True)
    run, _ = wait_run(api, run["pipelineRunId"])
    assert run["pipelineRunStatusCode"] == "FAIL PIPELINE RUN"
    assert "boom" in run["statusReason"]
    tasks = tasks_by_id(api, run["pipelineRunId"])
    assert tasks["boom"]["state"] == "FAILED" and tasks["tick"]["state"] == "SUCCEEDED"
    assert tasks["report"]["state"] == "SKIPPED"
    log = api.get(f"/pipeline-runs/{run['pipelineRunId']}/task-log", params={"taskId": "boom"})["log"]
    assert "RuntimeError: boom on purpose" in log
    mine = api.get("/logs", params={"pipelineRunId": run["pipelineRunId"], "limit": 10000})["logList"]
    assert mine and all(r["category"] == "easymaker.pipeline" for r in mine)
    assert any(r["body"] == "[boom] RuntimeError: boom on purpose" and r["logLevel"] == "ERROR" for r in mine)
    assert any(r["body"].startswith("[tick] ") for r in mine)
    stored = [r["body"].removeprefix("[boom] ") for r in mine if r["body"].startswith("[boom] ")]
    assert stored == [line for line in log.splitlines() if line.strip()], "every line stored once, in order"
    api.delete(f"/pipeline-runs/{run['pipelineRunId']}")
    records = api.get("/logs", params={"category": "easymaker.pipeline", "limit": 10000})["logList"]
    assert not [r for r in records if r["pipelineRunId"] == run["pipelineRunId"]]


def test_answers_match_the_openapi_document(api, compiled):
    from test_openapi import CHECKED_IN, check_object

    paths, prefix = CHECKED_IN["paths"], "/easymaker/v1.0/appkeys/{appkey}"

    def check(method: str, template: str, body: dict, status: int = 200) -> None:
        schema = paths[prefix + template][method]["responses"][str(status)]["content"]["application/json"]["schema"]
        check_object(body, schema, f"{method.upper()} {template}")

    manifest = base64.b64encode(compiled["loop_condition"].read_bytes()).decode()
    uploaded = api.post("/pipelines/upload", {"pipelineName": "documented", "base64PipelineSpecManifest": manifest})
    check("post", "/pipelines/upload", uploaded, 201)
    pid = uploaded["pipeline"]["pipelineId"]
    check("get", "/pipelines", api.get("/pipelines"))
    check("get", "/pipelines/{pipelineId}", api.get(f"/pipelines/{pid}"))
    check("get", "/pipelines/{pipelineId}/graph", api.get(f"/pipelines/{pid}/graph"))
    check("get", "/pipelines/{pipelineId}/manifest", api.get(f"/pipelines/{pid}/manifest"))
    run = start_run(api, "documented-run", pid, {"seed": "2"})
    wait_run(api, run["pipelineRunId"])
    rid = run["pipelineRunId"]
    check("get", "/pipeline-runs", api.get("/pipeline-runs"))
    check("get", "/pipeline-runs/{pipelineRunId}", api.get(f"/pipeline-runs/{rid}"))
    check("get", "/pipeline-runs/{pipelineRunId}/graph", api.get(f"/pipeline-runs/{rid}/graph"))
    check("get", "/pipeline-runs/{pipelineRunId}/tasks", api.get(f"/pipeline-runs/{rid}/tasks"))
    check("get", "/pipeline-runs/{pipelineRunId}/task-log",
          api.get(f"/pipeline-runs/{rid}/task-log", params={"taskId": "flip"}))  # fmt: skip
    body = {"pipelineRunOrRecurringRunName": "documented-schedule", "pipelineId": pid, "experimentName": "docs",
            "flavorId": api.flavor_id(), "bootStorageSize": 50, "schedulePeriodicMinutes": 600}  # fmt: skip
    created = api.post("/pipeline-runs", body)
    check("post", "/pipeline-runs", created, 201)
    recurring_id = created["pipelineRecurringRun"]["pipelineRecurringRunId"]
    check("get", "/pipeline-recurring-runs", api.get("/pipeline-recurring-runs"))
    check("put", "/pipeline-recurring-runs/{pipelineRecurringRunId}/stop",
          api.put(f"/pipeline-recurring-runs/{recurring_id}/stop"))  # fmt: skip
    api.delete(f"/pipeline-recurring-runs/{recurring_id}")
    api.delete(f"/pipeline-runs/{rid}")
    api.delete(f"/pipelines/{pid}")
