"""Pipelines, pipeline runs and recurring runs in the EasyMaker sidebar: real compiled KFP pipelines, a real lab."""

from __future__ import annotations

import base64
import re
import shutil
import time
from pathlib import Path

import pytest
from pipeline_defs import compile_all  # tests/pipeline_defs.py
from playwright.sync_api import Page, expect

from .test_sidebar import current_detail, current_form, field_errors, panel, pick, row, show_kind

ENDED = ("COMPLETE", "FAIL PIPELINE RUN", "STOPPED", "CREATE FAILED")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> dict[str, Path]:
    return compile_all(tmp_path_factory.mktemp("ui-pipelines"))


def upload(lab_api, name: str, path: Path) -> str:
    body = {"pipelineName": name, "base64PipelineSpecManifest": base64.b64encode(path.read_bytes()).decode()}
    return lab_api.post("/pipelines/upload", body)["pipeline"]["pipelineId"]


def graph_node(detail, node_id: str):
    return detail.locator(f"svg.jp-EasyMaker-graph g.jp-EasyMaker-graph-node[data-id='{node_id}']")


def labels(detail, kind: str) -> list[str]:
    return sorted(
        detail.locator(f"svg.jp-EasyMaker-graph g[data-kind='{kind}'] > .jp-EasyMaker-graph-label").all_text_contents()
    )


def parameters(form, count: int) -> dict[str, str]:
    """The form's parameter list as {name: value}, once it holds `count` entries."""
    names = form.locator("input[id^='root_parameterList_'][id$='_parameterName']")
    expect(names).to_have_count(count)
    values = form.locator("input[id^='root_parameterList_'][id$='_parameterValue']")
    read = "els => els.map(e => e.value)"
    return dict(zip(names.evaluate_all(read), values.evaluate_all(read), strict=True))


def parameter_input(form, name: str):
    index = list(parameters(form, 2)).index(name)
    return form.locator(f"#root_parameterList_{index}_parameterValue")


def lab_api_wait_ended(lab_api, run_id: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while lab_api.get(f"/pipeline-runs/{run_id}")["pipelineRun"]["pipelineRunStatusCode"] not in ENDED:
        assert time.time() < deadline, f"pipeline run {run_id} did not end"
        time.sleep(0.2)


def dialog_says(lab: Page, text: str) -> None:
    expect(lab.locator(".jp-Dialog")).to_contain_text(text)
    lab.locator(".jp-Dialog").get_by_role("button", name="Close").click()


def test_upload_from_a_file_graph_and_refusals(lab: Page, lab_api, compiled, tmp_path, artifacts):
    show_kind(lab, "Pipelines")
    panel(lab).get_by_role("button", name=re.compile("Create")).click()
    form = current_form(lab)
    # Not a compiled pipeline: the server's reason, under the file field.
    not_kfp = tmp_path / "not-kfp.yaml"
    not_kfp.write_text("x: 1\n")
    form.locator("#root_base64PipelineSpecManifest").set_input_files(str(not_kfp))
    expect(form.locator("#root_pipelineName")).to_have_value("not-kfp")  # named after the file
    form.get_by_role("button", name="Create pipeline").click()
    expect(field_errors(form, "base64PipelineSpecManifest")).to_contain_text("Not a Kubeflow Pipelines IR YAML")
    # The three-step pipeline, named by hand.
    form.locator("#root_pipelineName").fill("ui-three-step")
    form.locator("#root_base64PipelineSpecManifest").set_input_files(str(compiled["three_step"]))
    expect(form.locator("#root_pipelineName")).to_have_value("ui-three-step")  # a typed name stays
    form.get_by_role("button", name="Create pipeline").click()

    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-three-step")
    expect(detail.locator("svg.jp-EasyMaker-graph .jp-EasyMaker-graph-edge")).to_have_count(2)
    assert labels(detail, "task") == ["make-data", "report", "train"]
    edges = detail.locator("svg.jp-EasyMaker-graph .jp-EasyMaker-graph-edge")
    assert sorted(f"{e.get_attribute('data-source')}>{e.get_attribute('data-target')}" for e in edges.all()) == [
        "make-data>train", "train>report"]  # fmt: skip
    # Layered top to bottom: each step below the one it waits for.
    tops = {n: graph_node(detail, n).locator("rect").bounding_box()["y"] for n in ("make-data", "train", "report")}
    assert tops["make-data"] < tops["train"] < tops["report"]
    expect(row(lab, "ui-three-step")).to_be_visible()

    # ParallelFor inside a condition: groups nested as in the IR, marked as condition and loop.
    loop_file = tmp_path / "ui-loop.yaml"
    shutil.copy(compiled["loop_condition"], loop_file)
    panel(lab).get_by_role("button", name=re.compile("Create")).click()
    form = current_form(lab)
    form.locator("#root_base64PipelineSpecManifest").set_input_files(str(loop_file))
    expect(form.locator("#root_pipelineName")).to_have_value("ui-loop")
    form.get_by_role("button", name="Create pipeline").click()
    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-loop")
    expect(detail.locator("svg.jp-EasyMaker-graph .jp-EasyMaker-graph-edge")).to_have_count(1)
    assert labels(detail, "task") == ["flip", "square"]
    assert labels(detail, "condition") == ["condition-1"] and labels(detail, "loop") == ["for-loop-2"]
    condition = graph_node(detail, "condition-1")
    expect(condition.locator(".jp-EasyMaker-graph-note")).to_contain_text("flip-Output == 'heads'")
    expect(graph_node(detail, "condition-1/for-loop-2").locator(".jp-EasyMaker-graph-note")).to_contain_text("items")
    outer = condition.locator("rect").bounding_box()
    inner = graph_node(detail, "condition-1/for-loop-2/square").locator("rect").bounding_box()
    assert outer["x"] < inner["x"] and inner["x"] + inner["width"] < outer["x"] + outer["width"]
    assert outer["y"] < inner["y"] and inner["y"] + inner["height"] < outer["y"] + outer["height"]
    graph_node(detail, "condition-1/for-loop-2").locator(".jp-EasyMaker-graph-label").click()
    side = detail.locator(".jp-EasyMaker-graph-side")
    expect(side).to_contain_text("Iterates over")
    expect(side).to_contain_text("loop")
    lab.screenshot(path=str(artifacts / "pipeline-graph.png"))

    # A pipeline a recurring run uses is not deleted; the server's reason is shown.
    pipeline_id = lab_api.get("/pipelines", params={"pipelineNameList": "ui-loop"})["pipelineList"][0]["pipelineId"]
    body = {"pipelineRunOrRecurringRunName": "ui-holds-loop", "pipelineId": pipeline_id, "experimentName": "ui-pl",
            "flavorId": lab_api.flavor_id(), "bootStorageSize": 50, "schedulePeriodicMinutes": 600,
            "scheduleStartDatetime": "2099-01-01T00:00:00Z"}  # fmt: skip
    recurring = lab_api.post("/pipeline-recurring-runs", body)["pipelineRecurringRun"]["pipelineRecurringRunId"]
    detail.get_by_role("button", name="Delete").click()
    lab.locator(".jp-Dialog").get_by_role("button", name="OK").click()
    dialog_says(lab, "Delete the pipeline recurring runs first")
    lab_api.delete(f"/pipeline-recurring-runs/{recurring}")
    detail.get_by_role("button", name="Delete").click()
    lab.locator(".jp-Dialog").get_by_role("button", name="OK").click()
    expect(row(lab, "ui-loop")).to_have_count(0)


def test_run_from_the_sidebar_live_graph_task_logs_and_artifacts(lab: Page, lab_api, compiled, artifacts):
    upload(lab_api, "ui-run-three-step", compiled["three_step"])
    show_kind(lab, "Pipeline runs")
    panel(lab).get_by_role("button", name=re.compile("Create")).click()
    form = current_form(lab)
    form.locator("#root_pipelineRunOrRecurringRunName").fill("ui-run")
    pick(form, "pipelineId", "ui-run-three-step")
    # The pipeline's parameters, with its defaults and their types.
    assert parameters(form, 2) == {"rows": "5", "lr": "0.1"}
    expect(form).to_contain_text("rows: NUMBER_INTEGER (default 5)")
    parameter_input(form, "rows").fill("seven")
    form.locator("#root_experimentName").fill("ui-pipelines")
    pick(form, "flavorId", "m2.c2m4")
    form.locator("#root_bootStorageSize").fill("50")
    form.get_by_role("button", name="Create pipeline run").click()
    expect(form).to_contain_text("must be an integer")  # the server's word on the typed parameter
    parameter_input(form, "rows").fill("7")
    form.get_by_role("button", name="Create pipeline run").click()

    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-run")
    report = graph_node(detail, "report")
    expect(report).to_have_attribute("data-state", re.compile("PENDING|RUNNING"))
    expect(report).to_have_class(re.compile(r"jp-EasyMaker-state-(pending|running)"))
    for node in ("make-data", "train", "report"):
        expect(graph_node(detail, node)).to_have_class(re.compile("jp-EasyMaker-state-succeeded"), timeout=120_000)
    expect(detail.locator(".jp-EasyMaker-detail-header .jp-EasyMaker-badge")).to_have_text("COMPLETE", timeout=60_000)
    expect(row(lab, "ui-run").locator(".jp-EasyMaker-badge")).to_have_text("COMPLETE")

    # A task: its parameters, its log, its artifacts to download.
    graph_node(detail, "train").click()
    task = detail.locator(".jp-EasyMaker-task[data-task-id='train']")
    expect(task.get_by_label("Input parameters")).to_contain_text("lr")
    expect(task.get_by_label("Output parameters")).to_contain_text("0.7")
    expect(task.locator(".jp-EasyMaker-task-log")).to_contain_text("trained on 7 rows accuracy=0.9")
    lab.screenshot(path=str(artifacts / "pipeline-run-graph.png"))
    with lab.expect_download() as download:
        task.get_by_role("button", name="Download model").click()
    assert Path(download.value.path()).read_text() == "model rows=7 lr=0.1"

    # Copy: the create form with the run's settings and parameters.
    detail.get_by_role("button", name="Copy").click()
    form = current_form(lab)
    expect(form.locator("#root_pipelineRunOrRecurringRunName")).to_have_value("ui-run-copy")
    assert parameters(form, 2) == {"rows": "7", "lr": "0.1"}
    expect(form.locator("#root_bootStorageSize")).to_have_value("50")
    expect(form).to_contain_text("lr: NUMBER_DOUBLE (default 0.1)")
    lab.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").click()

    # A finished run is deleted.
    lab.locator(".lm-TabBar-tab", has_text="ui-run").first.click()
    current_detail(lab).get_by_role("button", name="Delete").click()
    lab.locator(".jp-Dialog").get_by_role("button", name="OK").click()
    expect(row(lab, "ui-run")).to_have_count(0)

    # A loop inside a condition: the loop's body node gathers its iterations' tasks.
    pipeline_id = upload(lab_api, "ui-run-loop", compiled["loop_condition"])
    body = {"pipelineRunOrRecurringRunName": "ui-loop-run", "pipelineId": pipeline_id, "experimentName": "ui-pl",
            "flavorId": lab_api.flavor_id(), "bootStorageSize": 50}  # fmt: skip
    lab_api.post("/pipeline-runs", body)
    row(lab, "ui-loop-run").click()
    detail = current_detail(lab)
    square = graph_node(detail, "condition-1/for-loop-2/square")
    expect(square).to_have_class(re.compile("jp-EasyMaker-state-succeeded"), timeout=120_000)
    expect(graph_node(detail, "condition-1")).to_have_attribute("data-state", "SUCCEEDED")
    square.click()
    tasks = detail.locator(".jp-EasyMaker-task")
    expect(tasks).to_have_count(3)
    for i, x in enumerate((1, 2, 3)):
        task = detail.locator(f".jp-EasyMaker-task[data-task-id='condition-1/for-loop-2-iteration-{i}/square']")
        expect(task.get_by_label("Output parameters")).to_contain_text(str(x * x))
        expect(task.locator(".jp-EasyMaker-task-log")).to_contain_text(f"squaring {x}")
    lab.screenshot(path=str(artifacts / "pipeline-run-loop-graph.png"))  # docs/pipeline-run-graph.png is one


def test_recurring_run_enable_disable_and_its_runs(lab: Page, lab_api, compiled):
    upload(lab_api, "ui-every-few-seconds", compiled["one_step"])
    show_kind(lab, "Recurring runs")
    panel(lab).get_by_role("button", name=re.compile("Create")).click()
    form = current_form(lab)
    form.locator("#root_pipelineRunOrRecurringRunName").fill("ui-recurring")
    pick(form, "pipelineId", "ui-every-few-seconds")
    assert parameters(form, 1) == {"note": "tick"}
    form.locator("#root_experimentName").fill("ui-pipelines")
    pick(form, "flavorId", "m2.c2m4")
    form.locator("#root_bootStorageSize").fill("50")
    form.locator("#root_scheduleCronExpression").fill("*/3 * * * *")
    form.get_by_role("button", name="Create pipeline recurring run").click()
    expect(field_errors(form, "scheduleCronExpression")).to_contain_text("needs 6 fields")
    form.locator("#root_scheduleCronExpression").fill("*/3 * * * * *")
    form.locator("#root_maxConcurrencyCount").fill("1")
    form.get_by_role("button", name="Create pipeline recurring run").click()

    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-recurring")
    badge = row(lab, "ui-recurring").locator(".jp-EasyMaker-badge")
    expect(badge).to_have_text("ENABLED", timeout=30_000)
    detail.get_by_role("tab", name="Pipeline runs").click()
    runs = detail.locator(".jp-EasyMaker-tabpanel tr")
    expect(runs.first).to_contain_text("ui-recurring", timeout=60_000)

    detail.get_by_role("button", name="Stop").click()
    lab.locator(".jp-Dialog").get_by_role("button", name="Stop").click()
    expect(badge).to_have_text("DISABLED")
    expect(detail.get_by_role("button", name="Start")).to_be_enabled()
    expect(detail.get_by_role("button", name="Stop")).to_be_disabled()
    detail.get_by_role("button", name="Start").click()
    lab.locator(".jp-Dialog").get_by_role("button", name="Start").click()
    expect(badge).to_have_text("ENABLED")
    detail.get_by_role("button", name="Stop").click()
    lab.locator(".jp-Dialog").get_by_role("button", name="Stop").click()
    expect(badge).to_have_text("DISABLED")

    # The runs it made list its name; one opens in its own tab with its graph.
    recurring_id = lab_api.get("/pipeline-recurring-runs", params={"pipelineRecurringRunNameList": "ui-recurring"})[
        "pipelineRecurringRunList"][0]["pipelineRecurringRunId"]  # fmt: skip
    made = lab_api.get("/pipeline-runs", params={"pipelineRecurringRunIdList": recurring_id})["pipelineRunList"]
    assert made and all(r["pipelineRecurringRun"]["pipelineRecurringRunId"] == recurring_id for r in made)
    expect(runs).to_have_count(len(made))
    runs.first.get_by_role("button").click()
    expect(current_detail(lab).locator("svg.jp-EasyMaker-graph g[data-id='tick']")).to_be_visible()

    # Deleted once its runs are over (the server refuses while one is in progress: tests/test_pipeline_recurring.py).
    for run in made:
        lab_api_wait_ended(lab_api, run["pipelineRunId"])
    show_kind(lab, "Recurring runs")
    row(lab, "ui-recurring").click()
    current_detail(lab).get_by_role("button", name="Delete").click()
    lab.locator(".jp-Dialog").get_by_role("button", name="OK").click()
    expect(row(lab, "ui-recurring")).to_have_count(0)


def test_upload_a_yaml_from_the_file_browser(lab: Page, lab_server, compiled):
    shutil.copy(compiled["three_step"], lab_server.root_dir / "ui-from-browser.yaml")
    (lab_server.root_dir / "notes.txt").write_text("not a pipeline")
    lab.locator(".lm-TabBar-tab[data-id='filebrowser']").click()
    lab.evaluate("window.jupyterapp.commands.execute('filebrowser:refresh')")
    item = lab.locator(".jp-DirListing-item", has_text="ui-from-browser.yaml")
    menu = lab.locator(".lm-Menu")
    lab.locator(".jp-DirListing-item", has_text="notes.txt").click(button="right")
    expect(menu.get_by_text("Rename", exact=True)).to_be_visible()
    expect(menu.get_by_text("Upload as EasyMaker pipeline")).to_be_hidden()  # offered on YAML files only
    lab.keyboard.press("Escape")
    item.click()
    item.click(button="right")
    menu.get_by_text("Upload as EasyMaker pipeline").click()
    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-from-browser")
    expect(detail.locator("svg.jp-EasyMaker-graph .jp-EasyMaker-graph-edge")).to_have_count(2)
    # Again: the name is taken, and the dialog says so.
    item.click(button="right")
    menu.get_by_text("Upload as EasyMaker pipeline").click()
    dialog_says(lab, "already exists")
