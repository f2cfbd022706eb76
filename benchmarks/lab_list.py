"""How long the JupyterLab sidebar takes to show N trainings, side by side for several N.

Starts a real Jupyter server with JupyterLab and the extension (as tests/ui does), runs one real training, then
writes finished copies of it straight into the store until the list holds each N. For each N it opens a fresh
JupyterLab page in Debian's chromium (Playwright), opens the EasyMaker panel and clicks "Trainings"; it times from
that click until the count reads "N trainings" and the first row is drawn (what a user waits for). It also times
the bare `GET /trainings` the panel makes, and counts the DOM rows the list keeps.

A measurement, not a test: nothing is asserted. Usage:

    .venv/bin/python benchmarks/lab_list.py [--sizes 10 100 1000] [--repeat 5] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

from jupyter_easymaker.testing import TOKEN, ServerProcess, clone_trainings

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


def start_server(base: Path) -> ServerProcess:
    config = base / "config" / "labconfig"
    config.mkdir(parents=True)
    disabled = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
    (config / "page_config.json").write_text(json.dumps(disabled))
    env = {"JUPYTER_CONFIG_DIR": str(base / "config"), "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces")}  # fmt: skip
    return ServerProcess(base / "data", base / "root", env=env).start()


def seed_training(server: ServerProcess, base: Path) -> str:
    session = requests.Session()
    session.headers["X-EasyMaker-Token"] = TOKEN
    root = f"{server.url}easymaker/v1.0/appkeys/local"
    image = next(i["imageId"] for i in session.get(f"{root}/images").json()["imageList"]
                 if i["imageName"] == "Ubuntu 22.04 CPU PyTorch Training")  # fmt: skip
    flavor = next(f["id"] for f in session.get(f"{root}/flavors").json()["flavorList"] if f["name"] == "m2.c2m4")
    experiment = session.post(f"{root}/experiments", json={"experimentName": "bench"}).json()["experiment"]
    source = base / "src"
    source.mkdir()
    (source / "train.py").write_text("print('loss=0.1')\n")
    body = {"trainingName": "bench-seed", "experimentId": experiment["experimentId"], "imageId": image,
            "flavorId": flavor, "sourceDirUri": str(source), "entryPoint": "train.py",
            "modelUploadUri": str(base / "out")}  # fmt: skip
    training = session.post(f"{root}/trainings", json=body).json()["training"]
    deadline = time.time() + 120
    while time.time() < deadline:
        status = session.get(f"{root}/trainings/{training['trainingId']}").json()["training"]["trainingStatusCode"]
        if status == "COMPLETE":
            return training["trainingId"]
        time.sleep(0.1)
    raise RuntimeError(f"the seed training did not complete ({status})")


def time_panel(browser, server: ServerProcess, count: int) -> tuple[float, int]:
    """Seconds from clicking "Trainings" to the count and the first row on screen; DOM rows then."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.goto(f"{server.url}lab?token={TOKEN}")
        page.locator(".lm-TabBar-tab[data-id='jupyter-easymaker-panel']").click()
        panel = page.locator("#jupyter-easymaker-panel")
        panel.get_by_role("tab", name="Experiments", exact=True).wait_for()
        start = time.perf_counter()
        panel.get_by_role("tab", name="Trainings", exact=True).click()
        page.wait_for_function(
            "text => { const c = document.querySelector('#jupyter-easymaker-panel .jp-EasyMaker-count');"
            " return c && c.textContent.trim() === text &&"
            " document.querySelector('#jupyter-easymaker-panel .jp-EasyMaker-row'); }",
            arg=f"{count} trainings",
            timeout=60_000,
            polling="raf",
        )
        elapsed = time.perf_counter() - start
        return elapsed, panel.locator(".jp-EasyMaker-row").count()
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "lab_list.json")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory(prefix="em-bench-lab-") as tmp:
        base = Path(tmp)
        server = start_server(base)
        try:
            seed = seed_training(server, base)
            database = f"sqlite:///{server.data_dir / 'easymaker.db'}"
            have = 1
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                time_panel(browser, server, have)  # warm-up: caches, first compile of the lab's bundles
                for size in sorted(args.sizes):
                    clone_trainings(database, seed, size - have, prefix=f"n{size}")
                    have = size
                    url = f"{server.url}easymaker/v1.0/appkeys/local/trainings"
                    api, rows, panel = [], [], []
                    for _ in range(args.repeat):
                        started = time.perf_counter()
                        answer = requests.get(url, headers={"X-EasyMaker-Token": TOKEN}, timeout=60)
                        api.append(time.perf_counter() - started)
                        elapsed, dom_rows = time_panel(browser, server, size)
                        panel.append(elapsed)
                        rows.append(dom_rows)
                    results.append({"trainings": size, "answer_bytes": len(answer.content), "api_s": api,
                                    "panel_s": panel, "dom_rows": rows})  # fmt: skip
                    print(f"{size:>6} trainings: panel median {statistics.median(panel) * 1000:7.0f} ms "
                          f"(min {min(panel) * 1000:.0f}, max {max(panel) * 1000:.0f}); GET /trainings median "
                          f"{statistics.median(api) * 1000:6.0f} ms, {len(answer.content) / 1024:.0f} KiB; "
                          f"DOM rows {max(rows)}", flush=True)  # fmt: skip
                browser.close()
        finally:
            server.stop()
    first = results[0]
    for result in results[1:]:
        ratio = statistics.median(result["panel_s"]) / statistics.median(first["panel_s"])
        print(f"panel time, {result['trainings']} vs {first['trainings']} trainings: x{ratio:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"when": datetime.now(timezone.utc).isoformat(), "python": sys.version.split()[0],
            "machine": platform.platform(), "repeat": args.repeat}  # fmt: skip
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
