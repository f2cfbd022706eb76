"""The notebook pod in the sidebar: start-up scripts, installing packages into an environment, a notebook's type."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import Page, expect

from ui.test_sidebar import (
    current_detail,
    current_form,
    field_errors,
    panel,
    pick,
    row,
    show_kind,
)  # tests/ui/test_sidebar.py


def close_current_tab(lab: Page) -> None:
    lab.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").click()


def fact(detail, name: str):
    """The value cell of one field in a facts table (output, operation, information)."""
    return detail.locator(f"tr[data-field='{name}'] td").first


def test_startup_scripts_added_run_edited_and_disabled(lab: Page, lab_api, artifacts):
    show_kind(lab, "Startup scripts")
    panel(lab).get_by_role("button", name=re.compile("Create")).click()
    form = current_form(lab)
    # The server's word under the field it names (a name the runner keeps for its records).
    form.locator("#root_scriptName").fill("ui-10-hello.output")
    form.locator("#root_content").fill("#!/bin/sh\necho hello from the sidebar\nexit 3\n")
    form.get_by_role("button", name="Create startup script").click()
    expect(field_errors(form, "scriptName")).to_contain_text("not ending in .exitcode or .output")
    form.locator("#root_scriptName").fill("ui-10-hello.sh")
    lab.screenshot(path=str(artifacts / "startup-script-create.png"))
    form.get_by_role("button", name="Create startup script").click()

    detail = current_detail(lab)
    expect(detail.locator("h1")).to_have_text("ui-10-hello.sh")
    expect(detail.locator(".jp-EasyMaker-tabpanel")).to_contain_text("Not run yet.")
    expect(row(lab, "ui-10-hello.sh")).to_be_visible()

    # A second script cannot take a name in use: the form says so instead of overwriting it.
    panel(lab).get_by_role("button", name=re.compile("Create")).click()
    form = current_form(lab)
    form.locator("#root_scriptName").fill("ui-10-hello.sh")
    form.locator("#root_content").fill("#!/bin/sh\necho would overwrite\n")
    form.get_by_role("button", name="Create startup script").click()
    expect(field_errors(form, "scriptName")).to_contain_text("exists already")
    form.locator("#root_scriptName").fill("ui-20-after.sh")
    form.locator("#root_content").fill("#!/bin/sh\necho after it\n")
    form.get_by_role("button", name="Create startup script").click()
    expect(current_detail(lab).locator("h1")).to_have_text("ui-20-after.sh")
    close_current_tab(lab)

    # Run it alone: its exit code and output show in the output tab.
    lab.locator(".lm-TabBar-tab", has_text="ui-10-hello.sh").first.click()
    detail = current_detail(lab)
    detail.get_by_role("button", name="Run", exact=True).click()
    expect(fact(detail, "lastExitCode")).to_have_text("3", timeout=30_000)
    output = detail.get_by_label("Last output", exact=True)
    expect(output).to_have_text("hello from the sidebar\n")
    expect(row(lab, "ui-10-hello.sh")).to_contain_text("Last exit code: 3")
    lab.screenshot(path=str(artifacts / "startup-script-output.png"))

    # Edit: the form opens filled with the content; the next run runs the new content.
    detail.get_by_role("button", name="Edit", exact=True).click()
    action = detail.locator(".jp-EasyMaker-action-form")
    content = action.locator("#root_content")
    expect(content).to_have_value("#!/bin/sh\necho hello from the sidebar\nexit 3\n")
    content.fill("#!/bin/sh\necho edited in the sidebar\n")
    lab.screenshot(path=str(artifacts / "startup-script-edit.png"))
    action.get_by_role("button", name="Save").click()
    expect(action).to_have_count(0)
    detail.get_by_role("button", name="Run", exact=True).click()
    expect(output).to_have_text("edited in the sidebar\n", timeout=30_000)
    expect(fact(detail, "lastExitCode")).to_have_text("0")
    assert lab_api.get("/cont-init-scripts/ui-10-hello.sh")["script"]["content"] == (
        "#!/bin/sh\necho edited in the sidebar\n"
    )

    # Disable: no run permission, so the whole run skips it (its records stay those of its last run).
    ran_at = fact(detail, "lastRunDatetime").inner_text()
    detail.get_by_role("button", name="Disable").click()
    expect(detail.get_by_role("button", name="Enable")).to_be_visible()
    expect(detail.get_by_role("button", name="Run", exact=True)).to_have_count(0)
    expect(fact(detail, "skipReason")).to_have_text("not executable (no run permission)")
    expect(row(lab, "ui-10-hello.sh")).to_contain_text("Enabled: false")
    before = lab_api.get("/cont-init-runs")["run"]
    detail.get_by_role("button", name="Run all").click()
    lab.locator(".jp-Dialog").get_by_role("button", name="Run all").click()
    deadline = time.time() + 30
    while time.time() < deadline:  # the run all started, not the single run before it, and its end
        run = lab_api.get("/cont-init-runs")["run"]
        if run.get("startedDatetime") != before.get("startedDatetime") and run["status"] != "RUNNING":
            break
        time.sleep(0.2)
    assert run["scriptName"] is None, run
    results = {r["name"]: r for r in run["resultList"]}
    assert results["ui-10-hello.sh"]["skipped"] == "not executable (no run permission)"
    assert results["ui-20-after.sh"]["exit_code"] == 0
    expect(row(lab, "ui-20-after.sh")).to_contain_text("Last exit code: 0")
    expect(fact(detail, "lastRunDatetime")).to_have_text(ran_at)
    lab.screenshot(path=str(artifacts / "startup-script-disabled.png"))

    # Enable it again, then delete it from its tab.
    detail.get_by_role("button", name="Enable").click()
    expect(detail.get_by_role("button", name="Run", exact=True)).to_be_visible()
    detail.get_by_role("button", name="Delete").click()
    lab.locator(".jp-Dialog").get_by_role("button", name="OK").click()
    expect(row(lab, "ui-10-hello.sh")).to_have_count(0)
    lab_api.delete("/cont-init-scripts/ui-20-after.sh")


GATED_BACKEND = """
import base64, hashlib, os, time, zipfile

NAME, VALUE, GATE = {name!r}, {value!r}, {gate!r}


def _digest(text):
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    deadline = time.time() + 120
    while not os.path.exists(GATE) and time.time() < deadline:
        time.sleep(0.1)
    info = f"{{NAME}}-1.0.dist-info"
    files = {{
        f"{{NAME}}.py": f"VALUE = {{VALUE!r}}\\n",
        f"{{info}}/METADATA": f"Metadata-Version: 2.1\\nName: {{NAME}}\\nVersion: 1.0\\n",
        f"{{info}}/WHEEL": "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    }}
    record = [f"{{path}},sha256={{_digest(text)}},{{len(text.encode())}}" for path, text in files.items()]
    files[f"{{info}}/RECORD"] = "\\n".join([*record, f"{{info}}/RECORD,,"]) + "\\n"
    wheel = f"{{NAME}}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel
"""


def gated_package(folder: Path, name: str, value: str, gate: Path) -> Path:
    """A local source package whose build (an in-tree PEP 517 backend, nothing from an index) waits for `gate`:
    its install stays RUNNING until the test says otherwise."""
    folder.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "gated_backend"\nbackend-path = ["."]\n'
    )
    (folder / "gated_backend.py").write_text(GATED_BACKEND.format(name=name, value=value, gate=str(gate)))
    return folder


def test_packages_installed_into_an_environment_with_live_progress(lab: Page, lab_api, lab_server, artifacts,
                                                                    tmp_path):  # fmt: skip
    env = lab_server.data_dir / "custom-conda-envs" / "ui-env"
    subprocess.run([sys.executable, "-m", "venv", env], check=True)
    gate = tmp_path / "gate"
    package = gated_package(tmp_path / "uisidebarpkg", "uisidebarpkg", "installed from the sidebar", gate)
    try:
        show_kind(lab, "Environments")
        row(lab, "ui-env").click()
        detail = current_detail(lab)
        expect(detail.locator("h1")).to_have_text("ui-env")
        detail.get_by_role("button", name="Install packages").click()
        action = detail.locator(".jp-EasyMaker-action-form")
        action.locator("#root_packageList_0").fill("not a requirement!")  # one line is there: at least one is needed
        action.locator("button[type=submit]").click()
        expect(action.locator("form")).to_contain_text("is not a package requirement")  # under the field
        lab.screenshot(path=str(artifacts / "environment-install-error.png"))
        action.locator("#root_packageList_0").fill(f"uisidebarpkg @ {package.as_uri()}")
        action.locator("button[type=submit]").click()

        # The operation tab follows it live, log and all.
        operation = detail.locator(".jp-EasyMaker-operation")
        expect(detail.get_by_role("tab", name="Operation")).to_have_attribute("aria-selected", "true")
        badge = operation.locator(".jp-EasyMaker-badge")
        expect(badge).to_have_text("RUNNING")
        log = operation.get_by_label("Operation log")
        # pip's own lines as they come (the gated build is under way; pip keeps a backend's output to itself).
        expect(log).to_contain_text(re.compile("Preparing metadata|Building wheel"), timeout=60_000)
        lab.screenshot(path=str(artifacts / "environment-install-running.png"))
        running = lab_api.get("/custom-envs/ui-env")["environment"]["operation"]
        assert operation.get_attribute("data-operation") == running["operationId"]
        expect(detail.get_by_role("button", name="Install packages")).to_have_count(0)  # one operation at a time

        # Another page (the browser closed and opened again) finds the running operation and follows it to its end.
        lab.reload()
        lab.locator(".lm-TabBar-tab[data-id='jupyter-easymaker-panel']").click()
        show_kind(lab, "Environments")
        row(lab, "ui-env").click()
        detail = current_detail(lab)
        detail.get_by_role("tab", name="Operation").click()
        operation = detail.locator(f".jp-EasyMaker-operation[data-operation='{running['operationId']}']")
        expect(operation.locator(".jp-EasyMaker-badge")).to_have_text("RUNNING")
        gate.touch()
        expect(operation.locator(".jp-EasyMaker-badge")).to_have_text("SUCCEEDED", timeout=120_000)
        expect(operation.locator(".jp-EasyMaker-badge")).to_have_attribute("data-tone", "complete")
        expect(operation.get_by_label("Operation log")).to_contain_text("Successfully installed uisidebarpkg-1.0")
        expect(detail.get_by_role("button", name="Install packages")).to_be_visible()
        lab.screenshot(path=str(artifacts / "environment-install-operation.png"))

        # The package imports in that environment's own interpreter.
        imported = subprocess.run([env / "bin" / "python", "-c", "import uisidebarpkg; print(uisidebarpkg.VALUE)"],
                                  capture_output=True, text=True, check=True)  # fmt: skip
        assert imported.stdout == "installed from the sidebar\n"

        # The information tab: size, Python version, and the packages as a table.
        detail.get_by_role("tab", name="Information").click()
        expect(fact(detail, "sizeBytes")).to_contain_text("MiB")
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        expect(fact(detail, "pythonVersion")).to_contain_text(version)
        packages = detail.get_by_role("table", name="Package list")
        expect(packages.locator("tr", has_text="uisidebarpkg")).to_contain_text("1.0")
        lab.screenshot(path=str(artifacts / "environment-information.png"))
    finally:
        gate.touch()
        lab_api.call("DELETE", "/custom-envs/ui-env")


def test_a_stopped_notebook_changes_its_instance_type(lab: Page, lab_api, artifacts):
    image = lab_api.image_id("Ubuntu 22.04 CPU Python Notebook")
    body = {"notebookName": "ui-flavor-notebook", "imageId": image, "flavorId": lab_api.flavor_id("m2.c2m4")}
    notebook_id = lab_api.post("/notebooks", body)["notebook"]["notebookId"]
    try:
        show_kind(lab, "Notebooks")
        badge = row(lab, "ui-flavor-notebook").locator(".jp-EasyMaker-badge")
        expect(badge).to_have_text("ACTIVE (HEALTHY)", timeout=60_000)
        row(lab, "ui-flavor-notebook").click()
        detail = current_detail(lab)
        change = detail.get_by_role("button", name="Change instance type")
        expect(change).to_be_disabled()  # the console's rule: stop it first
        expect(change).to_have_attribute("title", "Offered in STOPPED")

        detail.get_by_role("button", name="Stop").click()
        lab.locator(".jp-Dialog").get_by_role("button", name="Stop").click()
        expect(badge).to_have_text("STOPPED", timeout=60_000)
        expect(change).to_be_enabled()
        change.click()
        action = detail.locator(".jp-EasyMaker-action-form")
        select = action.locator("#root_flavorId")
        expect(select.locator("option:checked")).to_contain_text("m2.c2m4")  # filled with its current type
        options = select.locator("option").all_inner_texts()
        assert any("m2.c4m8" in o for o in options) and not any(o.startswith("g2.") for o in options), options
        pick(action, "flavorId", "m2.c4m8")
        lab.screenshot(path=str(artifacts / "notebook-change-instance-type.png"))
        action.locator("button[type=submit]").click()
        expect(action).to_have_count(0)
        expect(detail.locator("tr[data-field='name'] td")).to_have_text("m2.c4m8")
        assert lab_api.get(f"/notebooks/{notebook_id}")["notebook"]["flavor"]["name"] == "m2.c4m8"
    finally:  # best effort: a notebook server outlives the platform server by design
        lab_api.call("PUT", f"/notebooks/{notebook_id}/stop")
        deadline = time.time() + 60
        while lab_api.get(f"/notebooks/{notebook_id}")["notebook"]["notebookStatusCode"] not in (
            "STOPPED", "STOP FAILED", "START FAILED") and time.time() < deadline:  # fmt: skip
            time.sleep(0.2)
        lab_api.call("DELETE", f"/notebooks/{notebook_id}")
