"""Serving in the sidebar: a model made from a completed training through its generated form."""

from __future__ import annotations

import re

from conftest import write_script  # tests/conftest.py
from playwright.sync_api import Page, expect
from serving_helpers import TRAIN_SCRIPT

from .test_sidebar import current_detail, current_form, panel, pick, row, show_kind


def test_a_model_from_a_completed_training(lab: Page, lab_api, artifacts, tmp_path):
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
