"""The EasyMaker sidebar in a real JupyterLab: create from the forms, watch, read logs, copy, delete."""

from __future__ import annotations

import re
import time

from conftest import write_script  # tests/conftest.py
from playwright.sync_api import Page, expect

SCRIPT = """
import time
for step in range(5):
    print(f"epoch {step} loss={1.0 / (step + 1):.4f} accuracy={0.5 + step / 10:.2f}", flush=True)
    time.sleep(0.3)
print("ui-training finished", flush=True)
"""


def panel(lab: Page):
    return lab.locator("#jupyter-easymaker-panel")


def show_kind(lab: Page, label: str) -> None:
    panel(lab).get_by_role("tab", name=label, exact=True).click()


def row(lab: Page, name: str):
    return panel(lab).locator(".jp-EasyMaker-row", has=lab.locator(".jp-EasyMaker-row-name", has_text=re.compile(
        f"^{re.escape(name)}$")))  # fmt: skip


def current_form(lab: Page):
    return lab.locator(".jp-EasyMaker-form-widget:visible")


def current_detail(lab: Page):
    return lab.locator(".jp-EasyMaker-detail-widget:visible")


def field_errors(form, field: str):
    """The error line of one field (JupyterLab's form template puts it under the field)."""
    group = form.locator(f"#root_{field}").locator("xpath=ancestor::div[contains(@class, 'form-group')][1]")
    return group.locator(".validationErrors")


def pick(form, field: str, value: str) -> None:
    """Choose the option whose label carries `value` (labels read "name (id)")."""
    select = form.locator(f"#root_{field}")
    label = select.locator("option", has_text=value).first.inner_text()
    select.select_option(label=label)


def set_theme(lab: Page, theme: str) -> None:
    lab.evaluate("theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme)
    expect(lab.locator("#jupyterlab-splash")).to_have_count(0)  # the splash shown while the theme loads


def test_template_from_its_form_and_copied(lab: Page, lab_api, tmp_path):
    source = write_script(tmp_path / "src", SCRIPT)
    show_kind(lab, "Training templates")
    panel(lab).get_by_role("button", name=re.compile("Create")).click()
    form = current_form(lab)
    form.locator("#root_trainingTemplateName").fill("ui-template")
    pick(form, "imageId", "Ubuntu 22.04 CPU PyTorch Training")
    pick(form, "flavorId", "m2.c2m4")
    form.locator("#root_sourceDirUri").fill(str(source))
    form.locator("#root_entryPoint").fill("train.py")
    form.locator("#root_timeoutMinutes").fill("0")
    expect(field_errors(form, "timeoutMinutes")).to_contain_text("1")
    form.locator("#root_timeoutMinutes").fill("30")
    hyperparameters = form.locator(".jp-arrayFieldWrapper", has=lab.locator("#root_hyperparameterList__title"))
    hyperparameters.get_by_title("Add item").click()
    form.locator("#root_hyperparameterList_0_parameterName").fill("learning_rate")
    form.locator("#root_hyperparameterList_0_parameterValue").fill("0.01")
    form.get_by_role("button", name="Create training template").click()
    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-template")
    detail.get_by_role("tab", name="Hyperparameters").click()
    expect(detail.locator(".jp-EasyMaker-tabpanel")).to_contain_text("learning_rate")
    expect(row(lab, "ui-template")).to_be_visible()

    detail.get_by_role("button", name="Copy").click()
    form = current_form(lab)
    expect(form.locator("#root_trainingTemplateName")).to_have_value("ui-template-copy")
    expect(form.locator("#root_hyperparameterList_0_parameterValue")).to_have_value("0.01")
    expect(form.locator("#root_timeoutMinutes")).to_have_value("30")
    form.get_by_role("button", name="Create training template").click()
    expect(current_detail(lab).locator("h1")).to_have_text("ui-template-copy")
    expect(row(lab, "ui-template-copy")).to_be_visible()
    copied = lab_api.get("/training-templates", params={"trainingTemplateNameList": "ui-template-copy"})
    template = copied["trainingTemplateList"][0]
    assert template["hyperparameterList"] == [{"parameterName": "learning_rate", "parameterValue": "0.01"}]
    assert template["sourceDirUri"] == str(source) and template["timeoutMinutes"] == 30

    # A training form that uses the template: picking it fills the settings, as the console's "use" does.
    show_kind(lab, "Trainings")
    panel(lab).get_by_role("button", name=re.compile("Create")).click()
    form = current_form(lab)
    pick(form, "trainingTemplateId", "ui-template-copy")
    expect(form.locator("#root_sourceDirUri")).to_have_value(str(source))
    expect(form.locator("#root_entryPoint")).to_have_value("train.py")
    expect(form.locator("#root_hyperparameterList_0_parameterName")).to_have_value("learning_rate")
    expect(form.locator("#root_trainingName")).to_have_value("")
    lab.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").click()


def test_create_watch_logs_copy_delete(lab: Page, lab_api, lab_server, artifacts, tmp_path):
    source = write_script(tmp_path / "src", SCRIPT)
    output = tmp_path / "out"

    # An experiment from its form.
    show_kind(lab, "Experiments")
    panel(lab).get_by_role("button", name=re.compile("Create")).click()
    form = current_form(lab)
    form.locator("#root_experimentName").fill("ui-experiment")
    form.locator("#root_description").fill("made in the lab")
    form.get_by_role("button", name="Create experiment").click()
    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-experiment")
    expect(detail.locator(".jp-EasyMaker-detail-header .jp-EasyMaker-badge")).to_have_text("ACTIVE", timeout=30_000)
    expect(detail.get_by_role("button", name="Retry")).to_be_disabled()  # only a CREATE FAILED one is retried
    expect(row(lab, "ui-experiment")).to_be_visible()
    experiment_id = lab_api.get("/experiments", params={"experimentNameList": "ui-experiment"})["experimentList"][0][
        "experimentId"
    ]

    # A training from its form: checked as the user types, then the server's word next to the field it names.
    show_kind(lab, "Trainings")
    panel(lab).get_by_role("button", name=re.compile("Create")).click()
    form = current_form(lab)
    name = form.locator("#root_trainingName")
    name.fill("x" * 51)
    expect(field_errors(form, "trainingName")).to_contain_text("50")
    name.fill("ui-training")
    expect(field_errors(form, "trainingName")).to_have_text("")
    pick(form, "experimentId", experiment_id)
    pick(form, "imageId", "Ubuntu 22.04 CPU PyTorch Training")
    pick(form, "flavorId", "m2.c2m4")
    form.locator("#root_sourceDirUri").fill(str(tmp_path / "missing"))
    form.locator("#root_entryPoint").fill("train.py")
    form.locator("#root_modelUploadUri").fill(str(output))
    form.get_by_role("button", name="Create training").click()
    expect(field_errors(form, "sourceDirUri")).to_contain_text("does not exist")
    form.locator("#root_sourceDirUri").scroll_into_view_if_needed()
    lab.screenshot(path=str(artifacts / "form-server-error.png"))
    form.locator("#root_sourceDirUri").fill(str(source))
    form.get_by_role("button", name="Create training").click()

    # Its tab opens; the list follows it to COMPLETE without a reload.
    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-training")
    expect(row(lab, "ui-training").locator(".jp-EasyMaker-badge")).to_have_text("COMPLETE", timeout=90_000)
    expect(row(lab, "ui-training").locator(".jp-EasyMaker-badge")).to_have_attribute("data-tone", "complete")

    # Logs: the tail, and search marks what it finds.
    detail.get_by_role("tab", name="Logs").click()
    lines = detail.locator(".jp-EasyMaker-log-lines")
    expect(lines).to_contain_text("ui-training finished")
    detail.get_by_label("Search logs").fill("epoch 3")
    expect(lines.locator("mark")).to_have_count(1)
    expect(lines.locator("div")).to_have_count(1)
    detail.get_by_label("Search logs").fill("")

    # Metrics and monitoring draw charts; hyperparameters and information show the settings.
    detail.get_by_role("tab", name="Metrics").click()
    expect(detail.locator("figure[aria-label='loss'] polyline")).to_be_visible()
    expect(detail.locator("figure[aria-label='accuracy'] polyline")).to_be_visible()
    lab.screenshot(path=str(artifacts / "detail-metrics.png"))
    detail.get_by_role("tab", name="Monitoring").click()
    expect(detail.locator("figure[aria-label='CPU (%)']")).to_be_visible()
    detail.get_by_role("tab", name="Information").click()
    expect(detail.locator(".jp-EasyMaker-info")).to_contain_text(str(source))
    detail.get_by_role("tab", name="Logs").click()
    expect(lines).to_contain_text("ui-training finished")
    lab.screenshot(path=str(artifacts / "panel-and-logs.png"))

    # Readable in the dark theme too (the same screen, for a look at the artifact).
    set_theme(lab, "JupyterLab Dark")
    expect(lab.locator("body[data-jp-theme-light='false']")).to_have_count(1)
    lab.screenshot(path=str(artifacts / "panel-and-logs-dark.png"))
    set_theme(lab, "JupyterLab Light")
    expect(lab.locator("body[data-jp-theme-light='true']")).to_have_count(1)

    # TensorBoard opens in a lab tab (its content is another part's job).
    detail.get_by_role("button", name="TensorBoard").click()
    frame = lab.locator(".jp-EasyMaker-tensorboard:visible iframe")
    expect(frame).to_have_attribute("src", re.compile(r"/easymaker/v1\.0/appkeys/local/trainings/[\w-]+/tensorboard/$"))
    lab.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").click()

    # Copy: the create form, pre-filled with the original's settings.
    lab.locator(".lm-TabBar-tab", has_text="ui-training").first.click()
    detail = current_detail(lab)
    detail.get_by_role("button", name="Copy").click()
    form = current_form(lab)
    expect(form.locator("#root_trainingName")).to_have_value("ui-training-copy")
    expect(form.locator("#root_sourceDirUri")).to_have_value(str(source))
    expect(form.locator("#root_entryPoint")).to_have_value("train.py")
    form.get_by_role("button", name="Create training").click()
    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-training-copy")
    expect(row(lab, "ui-training-copy")).to_be_visible()

    # The console's rules: an experiment that holds trainings is not deleted, and says why.
    show_kind(lab, "Experiments")
    row(lab, "ui-experiment").click()
    detail = current_detail(lab)
    detail.get_by_role("tab", name="Trainings").click()
    expect(detail.locator(".jp-EasyMaker-tabpanel")).to_contain_text("ui-training-copy")
    lab.screenshot(path=str(artifacts / "experiment-trainings.png"))
    detail.get_by_role("button", name="Delete").click()
    lab.locator(".jp-Dialog").get_by_role("button", name="OK").click()
    expect(lab.locator(".jp-Dialog")).to_contain_text("still holds 2 training")
    lab.locator(".jp-Dialog").get_by_role("button", name="Close").click()
    expect(row(lab, "ui-experiment")).to_be_visible()

    # Delete the original training after the console's confirmation; it leaves the list.
    show_kind(lab, "Trainings")
    row(lab, "ui-training").click()
    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-training")
    detail.get_by_role("button", name="Delete").click()
    expect(lab.locator(".jp-Dialog")).to_contain_text("cannot be undone")
    lab.locator(".jp-Dialog").get_by_role("button", name="OK").click()
    expect(row(lab, "ui-training")).to_have_count(0)
    names = [t["trainingName"] for t in lab_api.get("/trainings")["trainingList"]]
    assert "ui-training" not in names and "ui-training-copy" in names


def test_stop_a_running_training_and_the_delete_rule(lab: Page, lab_api, tmp_path):
    source = write_script(tmp_path / "src", "import time\nprint('working', flush=True)\ntime.sleep(120)\n")
    experiment = lab_api.experiment("ui-stop-experiment")
    body = lab_api.training_body("ui-long", experiment, source, tmp_path / "out")
    training = lab_api.post("/trainings", body)["training"]["trainingId"]
    lab_api.wait_training(training, until=("RUNNING",))

    show_kind(lab, "Trainings")
    expect(row(lab, "ui-long").locator(".jp-EasyMaker-badge")).to_have_attribute("data-tone", "running")
    row(lab, "ui-long").click()
    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-long")
    detail.get_by_role("tab", name="Monitoring").click()
    # Two samples or more make a line (a sleeping process draws it flat, which counts as invisible).
    cpu = detail.locator("figure[aria-label='CPU (%)'] polyline")
    expect(cpu).to_have_attribute("points", re.compile(r"^\S+ \S+"), timeout=30_000)
    expect(detail.locator("figure[aria-label='Memory (MiB)'] polyline")).to_have_attribute("points", re.compile(" "))

    # A running training is not deleted: the console's rule, said before anything is sent.
    detail.get_by_role("button", name="Delete").click()
    expect(lab.locator(".jp-Dialog")).to_contain_text("Stop it first")
    lab.locator(".jp-Dialog").get_by_role("button", name="Close").click()

    detail.get_by_role("button", name="Stop").click()
    lab.locator(".jp-Dialog").get_by_role("button", name="Stop").click()
    badge = row(lab, "ui-long").locator(".jp-EasyMaker-badge")
    expect(badge).to_have_text("STOPPED", timeout=30_000)
    expect(badge).to_have_attribute("data-tone", "stopped")
    expect(detail.get_by_role("button", name="Stop")).to_be_disabled()


def test_notebook_stop_start_and_reboot_from_its_tab(lab: Page, lab_api, lab_server):
    image = lab_api.image_id("Ubuntu 22.04 CPU Python Notebook")
    body = {"notebookName": "ui-notebook", "imageId": image, "flavorId": lab_api.flavor_id()}
    notebook_id = lab_api.post("/notebooks", body)["notebook"]["notebookId"]
    try:
        show_kind(lab, "Notebooks")
        badge = row(lab, "ui-notebook").locator(".jp-EasyMaker-badge")
        expect(badge).to_have_text("ACTIVE (HEALTHY)", timeout=60_000)
        row(lab, "ui-notebook").click()
        detail = current_detail(lab)
        expect(detail.get_by_role("button", name="Start")).to_be_disabled()

        detail.get_by_role("button", name="Stop").click()
        lab.locator(".jp-Dialog").get_by_role("button", name="Stop").click()
        expect(badge).to_have_text("STOPPED", timeout=60_000)
        expect(detail.get_by_role("button", name="Reboot")).to_be_disabled()

        detail.get_by_role("button", name="Start").click()
        lab.locator(".jp-Dialog").get_by_role("button", name="Start").click()
        expect(badge).to_have_text("ACTIVE (HEALTHY)", timeout=60_000)
        first = lab_api.get(f"/notebooks/{notebook_id}")["notebook"]

        detail.get_by_role("button", name="Reboot").click()
        lab.locator(".jp-Dialog").get_by_role("button", name="Reboot").click()
        expect(badge).to_have_text("ACTIVE (HEALTHY)", timeout=60_000)
        assert lab_api.get(f"/notebooks/{notebook_id}")["notebook"] != first  # a new launch, seen by the API too
    finally:  # best effort: a notebook server outlives the platform server by design
        lab_api.call("PUT", f"/notebooks/{notebook_id}/stop")
        deadline = time.time() + 60
        while lab_api.get(f"/notebooks/{notebook_id}")["notebook"]["notebookStatusCode"] not in (
            "STOPPED", "STOP FAILED", "START FAILED", "REBOOT FAILED") and time.time() < deadline:  # fmt: skip
            time.sleep(0.2)
        lab_api.call("DELETE", f"/notebooks/{notebook_id}")
