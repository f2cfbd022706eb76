"""Browser tests: a real JupyterLab (subprocess server with the prebuilt extension) driven in Debian's chromium."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Api, ServerProcess  # tests/conftest.py

from jupyter_easymaker.testing import TOKEN

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
#: Screenshots and traces of the browser tests; CI keeps this directory as the run's artifacts.
ARTIFACTS = Path(os.environ.get("EM_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))


class LabServer(ServerProcess):
    def lab_url(self, path: str = "lab") -> str:
        return f"{self.url}{path}?token={TOKEN}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser test artifacts: {ARTIFACTS}")
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory) -> LabServer:
    base = tmp_path_factory.mktemp("lab")
    config = base / "config"
    # No news prompt over the screenshots; the app object on window lets a test run lab commands (theme).
    (config / "labconfig").mkdir(parents=True)
    page_config = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
    (config / "labconfig" / "page_config.json").write_text(json.dumps(page_config))
    env = {
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
    }
    args = ("--LabApp.expose_app_in_browser=True", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate")
    server = LabServer(base / "em-data", base / "root", args, env=env).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def lab_api(lab_server) -> Api:
    return lab_server.api


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed; run scripts/setup.sh as root to install it"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def lab(browser, lab_server, artifacts, request):
    """A fresh JupyterLab page with the EasyMaker panel open in the left sidebar."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(lab_server.lab_url())
    # Until the lab has restored its layout it may still open and focus the launcher, taking the keyboard away.
    page.wait_for_function("() => !!window.jupyterapp")
    page.evaluate("() => window.jupyterapp.restored.then(() => true)")
    page.locator(".lm-TabBar-tab[data-id='jupyter-easymaker-panel']").click()
    page.locator("#jupyter-easymaker-panel .jp-EasyMaker-kind").first.wait_for()
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        page.screenshot(path=str(artifacts / f"failed-{request.node.name}.png"))
        notes = page.locator(".jp-EasyMaker-error").all_inner_texts()
        (artifacts / f"failed-{request.node.name}.txt").write_text("\n".join(notes))
    context.close()
    assert not [e for e in errors if "easymaker" in e.lower()], errors


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# pytest-jupyter's autouse fixtures close "the" event loop after each test; under Playwright's sync API that loop is
# Playwright's own, still running. These tests use no in-process server, so they opt out.
@pytest.fixture
def jp_asyncio_loop():
    yield None


@pytest.fixture
def jp_server_cleanup():
    yield
