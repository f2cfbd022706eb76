"""Overhead of a local training against running the same entry point directly with `python`.

Starts a real Jupyter server with the extension (as tests/conftest.py's ServerProcess does), then for each
script duration runs, side by side, `python train.py ARGS` as a plain subprocess and the same entry point with
the same ARGS as a training through the REST API. The entry point records `time.time()` as its very first
statement, so both submit→script-start and the total wall time can be compared directly.

A measurement, not a test: nothing is asserted. Usage:

    .venv/bin/python benchmarks/training_overhead.py [--repeat 5] [--durations 0.1 5] [--out PATH]
"""

from __future__ import annotations

import argparse
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
APPKEY = "local"
IMAGE = "Ubuntu 22.04 CPU PyTorch Training"
FLAVOR = "m2.c2m4"
TIMES_ENV = "EM_BENCH_TIMES_DIR"
FINAL = ("COMPLETE", "FAIL TRAIN", "STOPPED", "CREATE FAILED")

# The entry point: its first statement takes the time; it then sleeps `--seconds` and writes both times to
# $EM_BENCH_TIMES_DIR/<--label>.json. The same file and the same arguments are used for both ways of running it.
TRAIN_PY = """\
import time

T0 = time.time()  # the first line that runs: the script has started

import json
import os
import sys

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
time.sleep(float(args["--seconds"]))
T1 = time.time()
with open(os.path.join(os.environ["EM_BENCH_TIMES_DIR"], args["--label"] + ".json"), "w") as out:
    json.dump({"start": T0, "end": T1}, out)
"""

# Where a training's wall time goes, from the timestamps the server, the runner and the script leave behind.
# Each stage runs from the previous mark to its own; their sum is the total (submit → API reports COMPLETE).
STAGES = {
    "submit": "POST sent → controller has written the run's spec.json (request handled, controller woken, pass)",
    "runner_boot": "spec.json written → run claimed by the runner (Popen, interpreter start, runner imports)",
    "staging": "run claimed → worker about to be started (source copied, status files written)",
    "worker_boot": "worker Popen → first line of train.py (interpreter start, same as running python directly)",
    "script": "train.py runs (its own sleep)",
    "runner_notice": "train.py ends → runner notices and starts the upload (its 0.1 s supervise poll, reaping)",
    "upload_finish": "model upload → result.json written (copy, log close, bookkeeping)",
    "report_lag": "result.json written → API first reports COMPLETE (controller tick + client poll)",
}


# -- the server ------------------------------------------------------------------------------------------------------


def start_server(base: Path, interval: float, times_dir: Path) -> ServerProcess:
    """A real server whose runners and workers inherit the times directory."""
    env = {TIMES_ENV: str(times_dir)}
    return ServerProcess(base / "em-data", base / "root", env=env, controller_interval=interval).start()


class Api:
    def __init__(self, server: ServerProcess) -> None:
        self.base = f"{server.url}easymaker/v1.0/appkeys/{APPKEY}"
        self.session = requests.Session()
        self.session.headers["X-EasyMaker-Token"] = TOKEN

    def call(self, method: str, path: str, **kwargs) -> dict:
        response = self.session.request(method, self.base + path, timeout=30, **kwargs)
        body = response.json()
        if response.status_code not in (200, 201) or not body["header"]["isSuccessful"]:
            raise RuntimeError(f"{method} {path}: {response.status_code} {body}")
        return body


# -- one run of each kind -------------------------------------------------------------------------------------------


def read_times(times_dir: Path, label: str) -> dict:
    return json.loads((times_dir / f"{label}.json").read_text())


def run_direct(source: Path, times_dir: Path, seconds: float, label: str) -> dict:
    env = {**os.environ, TIMES_ENV: str(times_dir)}
    command = [sys.executable, "train.py", "--seconds", str(seconds), "--label", label]
    t0 = time.time()
    subprocess.run(command, cwd=source, env=env, check=True, stdin=subprocess.DEVNULL, capture_output=True)
    t1 = time.time()
    times = read_times(times_dir, label)
    return {"start_latency": times["start"] - t0, "wall": t1 - t0, "script": times["end"] - times["start"]}


def run_training(api: Api, ctx: dict, seconds: float, label: str, poll: float) -> dict:
    body = {
        "trainingName": label,
        "experimentId": ctx["experiment_id"],
        "imageId": ctx["image_id"],
        "flavorId": ctx["flavor_id"],
        "sourceDirUri": str(ctx["source"]),
        "entryPoint": "train.py",
        "modelUploadUri": str(ctx["models"] / label),
        "hyperparameterList": [
            {"parameterName": "seconds", "parameterValue": str(seconds)},
            {"parameterName": "label", "parameterValue": label},
        ],
    }
    t_submit = time.time()
    training_id = api.call("POST", "/trainings", json=body)["training"]["trainingId"]
    t_posted = time.time()
    first_seen: dict[str, float] = {}
    deadline = t_submit + seconds + 120
    while True:
        status = api.call("GET", f"/trainings/{training_id}")["training"]["trainingStatusCode"]
        first_seen.setdefault(status, time.time())
        if status in FINAL:
            break
        if time.time() > deadline:
            raise RuntimeError(f"training {label} still {status} after {deadline - t_submit:.0f}s")
        time.sleep(poll)
    if status != "COMPLETE":
        raise RuntimeError(f"training {label} ended {status}; see {ctx['runs'] / training_id}")
    marks = run_marks(ctx["runs"] / training_id)
    times = read_times(ctx["times"], label)
    t_complete = first_seen["COMPLETE"]
    chain = [
        ("submit", marks["spec_written"]),
        ("runner_boot", marks["claimed"]),
        ("staging", marks["worker_popen"]),
        ("worker_boot", times["start"]),
        ("script", times["end"]),
        ("runner_notice", marks["upload_start"]),
        ("upload_finish", marks["finished"]),
        ("report_lag", t_complete),
    ]
    stages, previous = {}, t_submit
    for name, mark in chain:
        stages[name] = mark - previous
        previous = mark
    return {
        "post_roundtrip": t_posted - t_submit,
        "to_running_api": first_seen["RUNNING"] - t_submit if "RUNNING" in first_seen else None,
        "start_latency": times["start"] - t_submit,
        "wall": t_complete - t_submit,
        "statuses": list(first_seen),
        "stages": stages,
    }


def run_marks(run: Path) -> dict:
    """Timestamps the runner left in its run directory (see backends/local/rundir.py)."""
    logs = [json.loads(line) for line in (run / "logs.jsonl").read_text().splitlines() if line.strip()]
    system = [r for r in logs if r["s"] == "system"]
    return {
        # written by LocalBackend.submit just before it starts the runner (psutil's process create_time would
        # be nearer, but on Linux it is only good to the second: /proc/stat's boot time is whole seconds)
        "spec_written": (run / "spec.json").stat().st_mtime,
        "claimed": float((run / "started").read_text()),
        "worker_popen": next(r["t"] for r in system if r["x"].startswith("Starting worker 0")),
        "upload_start": next(r["t"] for r in system if r["x"].startswith("Uploading the model")),
        "finished": json.loads((run / "result.json").read_text())["finished_at"],
    }


def calibrate(repeat: int) -> dict:
    """Process start-up costs on this machine, to attribute `runner_boot` and `worker_boot`."""
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import …local.runner'": [sys.executable, "-c", "import jupyter_easymaker.backends.local.runner"],
    }
    result = {}
    for name, command in commands.items():
        walls = []
        for _ in range(repeat):
            t0 = time.time()
            subprocess.run(command, check=True, stdin=subprocess.DEVNULL, capture_output=True)
            walls.append(time.time() - t0)
        result[name] = summary(walls)
    return result


# -- statistics and output ------------------------------------------------------------------------------------------


def summary(values: list[float]) -> dict:
    values = sorted(values)
    if len(values) == 1:
        return {"median": values[0], "p90": values[0], "min": values[0], "max": values[0]}
    p90 = statistics.quantiles(values, n=10, method="inclusive")[-1]
    return {"median": statistics.median(values), "p90": p90, "min": values[0], "max": values[-1]}


def summarise(seconds: float, direct: list[dict], trained: list[dict]) -> dict:
    figures = {
        "direct_start_latency": [d["start_latency"] for d in direct],
        "direct_wall": [d["wall"] for d in direct],
        "training_post_roundtrip": [t["post_roundtrip"] for t in trained],
        "training_to_running_api": [t["to_running_api"] for t in trained if t["to_running_api"] is not None],
        "training_start_latency": [t["start_latency"] for t in trained],
        "training_wall": [t["wall"] for t in trained],
        "wall_ratio": [t["wall"] / d["wall"] for d, t in zip(direct, trained, strict=True)],
        "overhead_seconds": [t["wall"] - d["wall"] for d, t in zip(direct, trained, strict=True)],
    }
    stages = {name: summary([t["stages"][name] for t in trained]) for name in STAGES}
    return {
        "script_seconds": seconds,
        "repeat": len(trained),
        "figures": {name: summary(values) for name, values in figures.items() if values},
        "stages": stages,
        "runs": {"direct": direct, "training": trained},
    }


def _case(case: dict) -> str:
    return f"{case['script_seconds']:g} s"


def ms(value: float) -> str:
    return f"{value * 1000:7.0f}"


def print_report(result: dict) -> None:
    cfg = result["config"]
    print(
        f"\ncontroller_interval={cfg['controller_interval']}s  client poll={cfg['poll']}s  repeat={cfg['repeat']}"
        f"  cpus={cfg['cpus']}  python {cfg['python']}"
    )
    rows = [
        ("POST /trainings round trip", "training_post_roundtrip", 1000, "ms"),
        ("submit → API RUNNING", "training_to_running_api", 1000, "ms"),
        ("submit → script start (training)", "training_start_latency", 1000, "ms"),
        ("spawn → script start (direct)", "direct_start_latency", 1000, "ms"),
        ("wall, training (submit → COMPLETE)", "training_wall", 1, "s"),
        ("wall, python train.py", "direct_wall", 1, "s"),
        ("overhead (training − direct)", "overhead_seconds", 1000, "ms"),
        ("ratio training / direct", "wall_ratio", 1, "×"),
    ]
    cases = result["cases"]
    header = f"{'figure':<36}" + "".join(f"{_case(c) + '  median':>16}{'p90':>9}" for c in cases)
    print(header)
    print("-" * len(header))
    for label, key, scale, unit in rows:
        line = f"{label + f' ({unit})':<36}"
        for case in cases:
            fig = case["figures"].get(key)
            if fig is None:
                line += f"{'-':>16}{'-':>9}"
                continue
            digits = 0 if scale == 1000 else (3 if unit == "s" else 2)
            line += f"{fig['median'] * scale:>16.{digits}f}{fig['p90'] * scale:>9.{digits}f}"
        print(line)
    print("\nwhere a training's wall time goes (ms, median / p90):")
    print(f"{'stage':<16}" + "".join(f"{_case(c):>16}" for c in cases) + "   what")
    for name, what in STAGES.items():
        cells = "".join(f"{ms(c['stages'][name]['median'])} /{ms(c['stages'][name]['p90'])}" for c in cases)
        print(f"{name:<16}{cells}   {what}")
    print("\nfor comparison, process start-up on this machine (ms, median / p90):")
    for name, fig in result["calibration"].items():
        print(f"  {name:<36}{ms(fig['median'])} /{ms(fig['p90'])}")


# -- main -----------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each case (default 5)")
    parser.add_argument("--durations", type=float, nargs="+", default=[0.1, 5.0], help="script run times, seconds")
    parser.add_argument("--controller-interval", type=float, default=0.1, help="EasyMakerApp.controller_interval")
    parser.add_argument("--poll", type=float, default=0.02, help="seconds between the client's status polls")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted runs of each kind before measuring")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "training_overhead.json")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="em-bench-") as tmp:
        base = Path(tmp)
        times_dir, source, models = base / "times", base / "root" / "source", base / "root" / "models"
        for directory in (times_dir, source, models):
            directory.mkdir(parents=True)
        (source / "train.py").write_text(TRAIN_PY)
        server = start_server(base, args.controller_interval, times_dir)
        try:
            api = Api(server)
            stamp = datetime.now().strftime("%H%M%S")
            images = api.call("GET", "/images")["imageList"]
            flavors = api.call("GET", "/flavors")["flavorList"]
            experiment = api.call("POST", "/experiments", json={"experimentName": f"bench-{stamp}"})["experiment"]
            ctx = {
                "image_id": next(i["imageId"] for i in images if i["imageName"] == IMAGE),
                "flavor_id": next(f["id"] for f in flavors if f["name"] == FLAVOR),
                "experiment_id": experiment["experimentId"],
                "source": source,
                "models": models,
                "times": times_dir,
                "runs": server.data_dir / "runs",
            }
            time.sleep(max(0.5, 3 * args.controller_interval))  # the experiment becomes ACTIVE
            counter = iter(range(10**6))
            for _ in range(args.warmup):
                run_direct(source, times_dir, 0.1, f"warm-direct-{next(counter)}")
                run_training(api, ctx, 0.1, f"warm-training-{next(counter)}", args.poll)
            calibration = calibrate(max(args.repeat, 5))
            cases = []
            for seconds in args.durations:
                direct, trained = [], []
                for i in range(args.repeat):
                    print(f"  {seconds:g} s script: run {i + 1}/{args.repeat}", file=sys.stderr, flush=True)
                    # alternate which goes first, so neither always runs right after the other
                    for kind in ("direct", "training") if i % 2 == 0 else ("training", "direct"):
                        label = f"{kind}-{next(counter)}"
                        if kind == "direct":
                            direct.append(run_direct(source, times_dir, seconds, label))
                        else:
                            trained.append(run_training(api, ctx, seconds, label, args.poll))
                cases.append(summarise(seconds, direct, trained))
        finally:
            server.stop()

    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": {
            "controller_interval": args.controller_interval,
            "runner_poll_seconds": 0.1,  # backends/local/runner.py POLL_SECONDS
            "poll": args.poll,
            "repeat": args.repeat,
            "warmup": args.warmup,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "stage_meaning": STAGES,
        "calibration": calibration,
        "cases": cases,
    }
    print_report(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
