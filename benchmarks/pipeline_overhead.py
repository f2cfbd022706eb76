"""Per-task overhead of a pipeline run against calling kfp.local directly on the same compiled YAML.

Compiles two pipelines with the kfp SDK: a chain of N trivial lightweight components (each waits for the
previous one) and a fan-out of N independent ones. Each is run, side by side and taking turns going first:

- directly: a fresh `python` process doing `kfp.local.init(SubprocessRunner(use_venv=False))` and calling the
  component loaded with `kfp.components.load_component_from_file` (the process start and `import kfp` are
  counted: a pipeline run pays them too);
- as a pipeline run through the REST API of a real Jupyter server (POST /pipeline-runs → the API reports
  COMPLETE), which runs the same YAML with kfp.local in a detached process, independent tasks in parallel.

A measurement, not a test: nothing is asserted. Usage:

    .venv/bin/python benchmarks/pipeline_overhead.py [--tasks 6] [--repeat 3] [--out PATH]
"""

import argparse
import base64
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

from jupyter_easymaker.testing import TOKEN, ServerProcess

HERE = Path(__file__).resolve().parent
FINAL = ("COMPLETE", "FAIL PIPELINE RUN", "STOPPED", "CREATE FAILED")

DIRECT = """\
import sys
from kfp import local
from kfp.components import load_component_from_file
local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=sys.argv[2])
if sys.argv[3] == "skip-satisfied-installs":  # what the pipeline runner does: no pip run when nothing would change
    from kfp.local import subprocess_task_handler
    from jupyter_easymaker.backends.local.pipeline_runner import _satisfied
    original = subprocess_task_handler.run_local_subprocess
    def without_install(full_command, env_vars=None):
        if full_command[:2] == ["sh", "-c"] and len(full_command) > 3 and _satisfied(full_command[2]):
            full_command = full_command[3:]
        return original(full_command, env_vars)
    subprocess_task_handler.run_local_subprocess = without_install
load_component_from_file(sys.argv[1])()
"""


def compile_pipelines(directory: Path, tasks: int) -> dict[str, Path]:
    from kfp import compiler, dsl

    @dsl.component(base_image="python:3.11")
    def step(x: int) -> int:
        return x + 1

    @dsl.pipeline(name="chain")
    def chain():
        value = step(x=0)
        for _ in range(tasks - 1):
            value = step(x=value.output)

    @dsl.pipeline(name="fan-out")
    def fan_out():
        for i in range(tasks):
            step(x=i)

    paths = {"chain": directory / "chain.yaml", "fan-out": directory / "fan_out.yaml"}
    compiler.Compiler().compile(chain, str(paths["chain"]))
    compiler.Compiler().compile(fan_out, str(paths["fan-out"]))
    return paths


def run_direct(path: Path, root: Path, mode: str = "as-is") -> float:
    started = time.perf_counter()
    command = [sys.executable, "-c", DIRECT, str(path), str(root), mode]
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"kfp.local failed: {done.stderr[-2000:]}")
    return elapsed


class Api:
    def __init__(self, server: ServerProcess) -> None:
        self.base = f"{server.url}easymaker/v1.0/appkeys/local"
        self.session = requests.Session()
        self.session.headers["X-EasyMaker-Token"] = TOKEN

    def call(self, method: str, path: str, **kwargs) -> dict:
        body = self.session.request(method, self.base + path, timeout=60, **kwargs).json()
        if not body["header"]["isSuccessful"]:
            raise RuntimeError(body)
        return body


def run_pipeline(api: Api, pipeline_id: str, flavor: str, label: str, poll: float) -> float:
    started = time.perf_counter()
    run = api.call("POST", "/pipeline-runs", json={
        "pipelineRunOrRecurringRunName": label, "pipelineId": pipeline_id, "experimentName": "bench",
        "flavorId": flavor, "bootStorageSize": 50,
    })["pipelineRun"]  # fmt: skip
    while True:
        found = api.call("GET", f"/pipeline-runs/{run['pipelineRunId']}")["pipelineRun"]
        if found["pipelineRunStatusCode"] in FINAL:
            elapsed = time.perf_counter() - started
            if found["pipelineRunStatusCode"] != "COMPLETE":
                raise RuntimeError(found)
            api.call("DELETE", f"/pipeline-runs/{run['pipelineRunId']}")
            return elapsed
        time.sleep(poll)


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"median": statistics.median(ordered), "min": ordered[0], "max": ordered[-1], "runs": ordered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--poll", type=float, default=0.02)
    parser.add_argument("--controller-interval", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "pipeline_overhead.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = compile_pipelines(tmp, args.tasks)
        (tmp / "root").mkdir()
        server = ServerProcess(
            tmp / "em-data", tmp / "root", (f"--EasyMakerApp.controller_interval={args.controller_interval}",)
        ).start()
        try:
            api = Api(server)
            flavor = next(f["id"] for f in api.call("GET", "/flavors")["flavorList"] if f["name"] == "m2.c2m4")
            ids = {}
            for name, path in paths.items():
                manifest = base64.b64encode(path.read_bytes()).decode()
                body = {"pipelineName": name, "base64PipelineSpecManifest": manifest}
                ids[name] = api.call("POST", "/pipelines/upload", json=body)["pipeline"]["pipelineId"]
            results: dict = {}
            for name, path in paths.items():
                times: dict[str, list[float]] = {"direct": [], "direct-no-install": [], "pipeline": []}
                run_direct(path, tmp / "kfp-root")  # warm-up, uncounted
                run_pipeline(api, ids[name], flavor, f"{name}-warmup", args.poll)
                for i in range(args.repeat):
                    ways = list(times) if i % 2 == 0 else list(reversed(times))  # take turns going first
                    for way in ways:
                        if way == "pipeline":
                            times[way].append(run_pipeline(api, ids[name], flavor, f"{name}-{i}", args.poll))
                        else:
                            mode = "as-is" if way == "direct" else "skip-satisfied-installs"
                            times[way].append(run_direct(path, tmp / "kfp-root", mode))
                run = statistics.median(times["pipeline"])
                results[name] = {
                    "direct_kfp_local_s": summary(times["direct"]),
                    "direct_kfp_local_no_install_s": summary(times["direct-no-install"]),
                    "pipeline_run_s": summary(times["pipeline"]),
                    "per_task_ms": {way: 1000 * statistics.median(t) / args.tasks for way, t in times.items()},
                    "per_task_overhead_vs_no_install_ms": 1000
                    * (run - statistics.median(times["direct-no-install"]))
                    / args.tasks,
                    "ratio_vs_direct": run / statistics.median(times["direct"]),
                    "ratio_vs_no_install": run / statistics.median(times["direct-no-install"]),
                }
        finally:
            server.stop()

    meta = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "tasks": args.tasks,
        "repeat": args.repeat,
        "controller_interval": args.controller_interval,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(f"{args.tasks} tasks, median of {args.repeat} (min-max); {meta['machine']}")
    for name, r in results.items():
        print(f"{name}:")
        for label, key in (("kfp.local direct", "direct_kfp_local_s"),
                           ("kfp.local direct, satisfied installs skipped", "direct_kfp_local_no_install_s"),
                           ("pipeline run (REST API, detached)", "pipeline_run_s")):  # fmt: skip
            s = r[key]
            print(f"  {label:46} {s['median']:6.2f} s  ({s['min']:.2f}-{s['max']:.2f})")
        per = r["per_task_ms"]
        print(f"  per task: direct {per['direct']:.0f} ms, direct without installs {per['direct-no-install']:.0f} ms, "
              f"pipeline run {per['pipeline']:.0f} ms; run / direct {r['ratio_vs_direct']:.2f}x, "
              f"run / direct without installs {r['ratio_vs_no_install']:.2f}x")  # fmt: skip
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
