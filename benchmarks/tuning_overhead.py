"""Per-trial overhead of a hyperparameter tuning against Optuna driving the same entry point directly.

Both ways run the same `train.py` (it sleeps `--seconds`, then prints `loss=...`) for `--trials` trials with
`--parallel` at a time, RANDOM search over one double:

- **tuning**: POST /hyperparameter-tunings to a real Jupyter server with the extension (the local backend: each
  trial is a training with its own runner process, logs, metrics and store rows), then poll until COMPLETE;
- **optuna**: `optuna.create_study(sampler=RandomSampler).optimize(objective, n_trials, n_jobs=parallel)`, the
  objective running `python train.py --x X --seconds S` as a subprocess and reading `loss` from its stdout with
  Katib's filter.

A measurement, not a test: nothing is asserted. Usage:

    .venv/bin/python benchmarks/tuning_overhead.py [--trials 50] [--parallel 2] [--seconds 0.5] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import optuna
import requests

from jupyter_easymaker.resources.schema import KATIB_DEFAULT_METRIC_FILTER
from jupyter_easymaker.testing import TOKEN, ServerProcess

HERE = Path(__file__).resolve().parent
TRAIN_PY = """\
import argparse, time
parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float)
parser.add_argument("--seconds", type=float)
args, _ = parser.parse_known_args()
time.sleep(args.seconds)
print(f"loss={(args.x - 0.3) ** 2}", flush=True)
"""


def run_optuna(source: Path, trials: int, parallel: int, seconds: float, seed: int) -> float:
    pattern = re.compile(KATIB_DEFAULT_METRIC_FILTER)

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        out = subprocess.run(
            [sys.executable, str(source / "train.py"), "--x", repr(x), "--seconds", str(seconds)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        return next(float(m.group(2)) for m in pattern.finditer(out) if m.group(1) == "loss")

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    start = time.perf_counter()
    study.optimize(objective, n_trials=trials, n_jobs=parallel)
    return time.perf_counter() - start


def run_tuning(server: ServerProcess, source: Path, out: Path, trials: int, parallel: int, seconds: float,
               seed: int, name: str) -> float:  # fmt: skip
    session = requests.Session()
    session.headers["X-EasyMaker-Token"] = TOKEN
    base = f"{server.url}easymaker/v1.0/appkeys/local"
    images = session.get(f"{base}/images").json()["imageList"]
    flavors = session.get(f"{base}/flavors").json()["flavorList"]
    body = {
        "hyperparameterTuningName": name, "experimentName": "bench",
        "imageId": next(i["imageId"] for i in images if i["imageName"] == "Ubuntu 22.04 CPU PyTorch Training"),
        "flavorId": next(f["id"] for f in flavors if f["name"] == "m2.c2m4"),
        "sourceDirUri": str(source), "entryPoint": "train.py", "modelUploadUri": str(out / name),
        "hyperparameterList": [{"parameterName": "seconds", "parameterValue": str(seconds)}],
        "hyperparameterSpecList": [{"hyperparameterName": "x", "hyperparameterTypeCode": "double",
                                    "hyperparameterMinValue": "0", "hyperparameterMaxValue": "1"}],
        "objectiveMetric": {"name": "loss"}, "objectiveTypeCode": "MINIMIZE", "tuningStrategyName": "RANDOM",
        "tuningStrategyRandomState": seed, "maxTrialCount": trials, "parallelTrialCount": parallel,
    }  # fmt: skip
    start = time.perf_counter()
    answer = session.post(f"{base}/hyperparameter-tunings", json=body).json()
    tuning_id = answer["hyperparameterTuning"]["hyperparameterTuningId"]
    while True:
        tuning = session.get(f"{base}/hyperparameter-tunings/{tuning_id}").json()["hyperparameterTuning"]
        if tuning["hyperparameterTuningStatusCode"] in ("COMPLETE", "FAIL HYPERPARAMETER TUNING", "STOPPED"):
            break
        time.sleep(0.05)
    wall = time.perf_counter() - start
    assert tuning["successfulTrialCount"] == trials, tuning
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=0.5, help="how long each trial's script sleeps")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--controller-interval", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "tuning_overhead.json")
    args = parser.parse_args()

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        source = base / "src"
        source.mkdir()
        (source / "train.py").write_text(TRAIN_PY)
        (base / "root").mkdir()
        server = ServerProcess(base / "em-data", base / "root", controller_interval=args.controller_interval).start()
        try:
            for i in range(args.repeat):
                order = ("tuning", "optuna") if i % 2 == 0 else ("optuna", "tuning")
                run = {}
                for way in order:
                    if way == "optuna":
                        run[way] = run_optuna(source, args.trials, args.parallel, args.seconds, seed=i)
                    else:
                        run[way] = run_tuning(server, source, base / "out", args.trials, args.parallel,
                                              args.seconds, seed=i, name=f"bench-{i}")  # fmt: skip
                    print(f"run {i}: {way} {run[way]:.2f} s", flush=True)
                runs.append(run)
        finally:
            server.stop()

    ideal = args.trials / args.parallel * args.seconds
    per_trial = {w: statistics.median(r[w] for r in runs) / args.trials * args.parallel for w in ("tuning", "optuna")}
    summary = {
        "wall_tuning_s": statistics.median(r["tuning"] for r in runs),
        "wall_optuna_s": statistics.median(r["optuna"] for r in runs),
        "ideal_s": ideal,
        "per_trial_slot_tuning_s": per_trial["tuning"],
        "per_trial_slot_optuna_s": per_trial["optuna"],
        "overhead_per_trial_vs_optuna_ms": (per_trial["tuning"] - per_trial["optuna"]) * 1000,
        "ratio_tuning_over_optuna": statistics.median(r["tuning"] / r["optuna"] for r in runs),
    }
    print(f"\n{args.trials} trials, {args.parallel} in parallel, {args.seconds} s script; median of {args.repeat}")
    for key, value in summary.items():
        print(f"  {key:36} {value:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "when": datetime.now(timezone.utc).isoformat(), "machine": platform.platform(), "settings": vars(args) | {
            "out": str(args.out)}, "runs": runs, "summary": summary}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
