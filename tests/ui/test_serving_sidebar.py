"""Serving in the sidebar: a model made from a completed training through its generated form; its endpoint's
stage with the Logs and Monitoring tabs (log management, monitored model-server processes)."""

from __future__ import annotations

import re

import requests
from conftest import write_script  # tests/conftest.py
from playwright.sync_api import Page, expect
from serving_helpers import ROWS, TRAIN_SCRIPT, wait_for

from .test_sidebar import current_detail, current_form, panel, pick, row, show_kind


def test_a_model_from_a_completed_training_served_logged_monitored(lab: Page, lab_api, lab_server, artifacts, tmp_path):
    source = write_script(tmp_path / "src", TRAIN_SCRIPT)
    body = lab_api.training_body("ui-model-train", lab_api.experiment("ui-serving"), source, tmp_path / "out")
    training, _ = lab_api.wait_training(lab_api.post("/trainings", body)["training"]["trainingId"])
    assert training["trainingStatusCode"] == "COMPLETE", training

    show_kind(lab, "Models")
    panel(lab).get_by_role("button", name=re.compile("Create")).click()
    form = current_form(lab)
    form.locator("#root_modelName").fill("ui-iris")
    pick(form, "modelFormatCode", "SKLEARN")
    pick(form, "trainingId", "ui-model-train")
    form.get_by_role("button", name="Create model").click()
    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-iris")
    expect(detail.locator(".jp-EasyMaker-tabpanel")).to_contain_text("ACTIVE")
    expect(row(lab, "ui-iris")).to_be_visible()
    (model,) = lab_api.get("/models", params={"modelNameList": "ui-iris"})["modelList"]
    assert model["training"]["trainingId"] == training["trainingId"] and model["modelStatusCode"] == "ACTIVE"
    lab.screenshot(path=str(artifacts / "sidebar-model-from-training.png"))

    created = lab_api.post("/endpoints", {
        "endpointName": "ui-iris-ep", "flavorId": lab_api.flavor_id(), "useLog": True,
        "endpointModelResourceList": [{"modelId": model["modelId"]}]})["endpoint"]  # fmt: skip
    wait_for(lab_api, f"/endpoints/{created['endpointId']}", "endpoint", "endpointStatusCode", ("ACTIVE",))
    answer = requests.post(f"{lab_server.url}easymaker/gateway/ui-iris-ep/ui-iris", json={"instances": ROWS},
                           headers={"x-nhn-apikey": created["apiKey"], "X-Request-ID": "ui-call"})  # fmt: skip
    assert answer.status_code == 200
    show_kind(lab, "Endpoints")
    row(lab, "ui-iris-ep").click()
    detail = current_detail(lab)
    detail.get_by_role("tab", name="Endpoint stages").click()
    detail.get_by_role("button", name="default").click()
    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("default")
    detail.get_by_role("tab", name="Logs").click()
    expect(detail.locator(".jp-EasyMaker-tabpanel")).to_contain_text('"inferenceId": "ui-call"', timeout=30_000)
    detail.get_by_role("tab", name="Monitoring").click()
    instances = detail.get_by_role("table", name="Monitored instances")
    expect(instances).to_contain_text("model-server-0 (pid", timeout=30_000)
    lab.screenshot(path=str(artifacts / "sidebar-stage-monitoring.png"))
    lab_api.delete(f"/endpoints/{created['endpointId']}")
