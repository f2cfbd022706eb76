"""The example notebook runs top to bottom against a real server, as a new user would run it."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from jupyter_easymaker.testing import TOKEN

EXAMPLE = Path(__file__).parent.parent / "examples" / "getting-started.ipynb"


def test_getting_started_runs_top_to_bottom(server_factory, tmp_path, monkeypatch):
    server = server_factory()
    monkeypatch.setenv("EM_API_URL", f"{server.url}easymaker")
    monkeypatch.setenv("EM_TOKEN", TOKEN)
    work = tmp_path / "work"
    work.mkdir()
    notebook = nbformat.read(shutil.copy(EXAMPLE, work), as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()

    outputs = {i: cell.get("outputs", []) for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"}
    assert not [o for cell in outputs.values() for o in cell if o["output_type"] == "error"]
    text = "\n".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for cell in outputs.values() for o in cell
    )
    assert "[first-run] COMPLETE" in text and "Training 'first-run' COMPLETE" in text
    assert "'COMPLETE'" in text  # run.wait(); run.status
    assert "saved the model to" in text
    api = server.api
    statuses = {t["trainingName"]: t["trainingStatusCode"] for t in api.get("/trainings")["trainingList"]}
    assert statuses == {"first-run": "COMPLETE", "second-run": "COMPLETE"}
    assert (work / ".easymaker" / "models" / "first-run" / "model.json").exists()
