"""Search quality: best objective after N trials of BAYESIAN_OPTIMIZATION against RANDOM, over several seeds.

The problem: an RBF SVC on scikit-learn's bundled digits data set, 3-fold cross-validated accuracy (maximize),
searching log10(C) in [-3, 5] and log10(gamma) in [-8, 1]. Every trial is a real trial of a real tuning on a
Jupyter server with the extension (the local backend), one tuning per (strategy, seed) with
`tuningStrategyRandomState` = seed, run one trial at a time so that both strategies see every earlier result.
Reports, per strategy, the best accuracy after N trials for each seed, their mean, and the mean best-so-far curve.

`--in-process` skips the server: it asks `jupyter_easymaker.tuner.suggest.suggest` for each next trial with the
history the controller would hand it (seed, earlier trials and their objective), and evaluates the objective in
this process. Same suggestions as through the server with `--parallel 1`, at a fraction of the time.

Needs scikit-learn (`pip install -e ".[bench]"`). A measurement, not a test: nothing is asserted. Usage:

    .venv/bin/python benchmarks/tuning_quality.py [--trials 30] [--seeds 0 1 2 3 4] [--parallel 1]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import requests

from jupyter_easymaker.testing import TOKEN, ServerProcess

HERE = Path(__file__).resolve().parent
TRAIN_PY = """\
import argparse
from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC
parser = argparse.ArgumentParser()
parser.add_argument("--log_c", type=float)
parser.add_argument("--log_gamma", type=float)
args, _ = parser.parse_known_args()
X, y = load_digits(return_X_y=True)
score = cross_val_score(SVC(C=10 ** args.log_c, gamma=10 ** args.log_gamma), X, y, cv=3).mean()
print(f"accuracy={score}")
"""
STRATEGIES = ("BAYESIAN_OPTIMIZATION", "RANDOM")
SPECS = [
    {"hyperparameterName": "log_c", "hyperparameterTypeCode": "double", "hyperparameterMinValue": "-3",
     "hyperparameterMaxValue": "5"},
    {"hyperparameterName": "log_gamma", "hyperparameterTypeCode": "double", "hyperparameterMinValue": "-8",
     "hyperparameterMaxValue": "1"},
]  # fmt: skip


class Api:
    def __init__(self, server: ServerProcess) -> None:
        self.base = f"{server.url}easymaker/v1.0/appkeys/local"
        self.session = requests.Session()
        self.session.headers["X-EasyMaker-Token"] = TOKEN

    def get(self, path: str) -> dict:
        return self.session.get(self.base + path, timeout=60).json()

    def post(self, path: str, body: dict) -> dict:
        return self.session.post(self.base + path, json=body, timeout=60).json()


def run_tuning(api: Api, source: Path, out: Path, strategy: str, seed: int, trials: int, parallel: int) -> dict:
    images, flavors = api.get("/images")["imageList"], api.get("/flavors")["flavorList"]
    name = f"{strategy.lower().replace('_', '-')}-{seed}"
    body = {
        "hyperparameterTuningName": name, "experimentName": "quality",
        "imageId": next(i["imageId"] for i in images if i["imageName"] == "Ubuntu 22.04 CPU PyTorch Training"),
        "flavorId": next(f["id"] for f in flavors if f["name"] == "m2.c2m4"),
        "sourceDirUri": str(source), "entryPoint": "train.py", "modelUploadUri": str(out / name),
        "hyperparameterSpecList": SPECS,
        "objectiveMetric": {"name": "accuracy"}, "objectiveTypeCode": "MAXIMIZE", "tuningStrategyName": strategy,
        "tuningStrategyRandomState": seed, "maxTrialCount": trials, "parallelTrialCount": parallel,
    }  # fmt: skip
    start = time.perf_counter()
    tuning_id = api.post("/hyperparameter-tunings", body)["hyperparameterTuning"]["hyperparameterTuningId"]
    while True:
        tuning = api.get(f"/hyperparameter-tunings/{tuning_id}")["hyperparameterTuning"]
        if tuning["hyperparameterTuningStatusCode"] in ("COMPLETE", "FAIL HYPERPARAMETER TUNING", "STOPPED"):
            break
        time.sleep(0.2)
    wall = time.perf_counter() - start
    values = [t["objectiveMetricValue"] for t in api.get(f"/hyperparameter-tunings/{tuning_id}/trials")["trialList"]]
    curve, best = [], float("-inf")
    for value in values:
        best = max(best, value if value is not None else float("-inf"))
        curve.append(best)
    return {"status": tuning["hyperparameterTuningStatusCode"], "best": tuning["optimalTrial"]["objectiveMetricValue"],
            "curve": curve, "values": values, "wall_s": wall}  # fmt: skip


def run_in_process(strategy: str, seed: int, trials: int) -> dict:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import SVC

    from jupyter_easymaker.tuner.space import parse_space
    from jupyter_easymaker.tuner.suggest import Past, suggest

    X, y = load_digits(return_X_y=True)
    space, history, curve, values, best = parse_space(SPECS), [], [], [], float("-inf")
    start = time.perf_counter()
    for _ in range(trials):
        (found,) = suggest(strategy, space, seed, True, history, 1)
        c, gamma = 10 ** float(found.params["log_c"]), 10 ** float(found.params["log_gamma"])
        score = float(cross_val_score(SVC(C=c, gamma=gamma), X, y, cv=3).mean())
        history.append(Past(found.params, "complete", score, found.attrs))
        values.append(score)
        best = max(best, score)
        curve.append(best)
    return {"status": "COMPLETE", "best": best, "curve": curve, "values": values, "wall_s": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--in-process", action="store_true", help="drive the tuner's suggest() without a server")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "tuning_quality.json")
    args = parser.parse_args()

    results: dict[str, dict[int, dict]] = {s: {} for s in STRATEGIES}
    if args.in_process:
        for seed in args.seeds:
            for strategy in STRATEGIES:
                run = results[strategy][seed] = run_in_process(strategy, seed, args.trials)
                print(f"seed {seed} {strategy:22} best {run['best']:.4f}  ({run['wall_s']:.0f} s)", flush=True)
    else:
        serve(args, results)
    report(args, results)


def serve(args: argparse.Namespace, results: dict[str, dict[int, dict]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        source = base / "src"
        source.mkdir()
        (source / "train.py").write_text(TRAIN_PY)
        (base / "root").mkdir()
        server = ServerProcess(base / "em-data", base / "root").start()
        try:
            api = Api(server)
            for seed in args.seeds:
                for strategy in STRATEGIES:
                    run = run_tuning(api, source, base / "out", strategy, seed, args.trials, args.parallel)
                    results[strategy][seed] = run
                    print(f"seed {seed} {strategy:22} best {run['best']:.4f}  ({run['wall_s']:.0f} s)", flush=True)
        finally:
            server.stop()


def report(args: argparse.Namespace, results: dict[str, dict[int, dict]]) -> None:
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".raw.json").write_text(json.dumps(results))
    print(f"\nbest 3-fold accuracy after {args.trials} trials (SVC on digits), seeds {args.seeds}")
    summary = {}
    for strategy in STRATEGIES:
        bests = [results[strategy][s]["best"] for s in args.seeds]
        curves = [results[strategy][s]["curve"] for s in args.seeds]
        mean_curve = [statistics.mean(c[i] for c in curves) for i in range(min(map(len, curves)))]
        after = {n: mean_curve[n - 1] for n in (5, 10, 15, 20, 30) if n <= len(mean_curve)}
        late = [v if v is not None else 0.0 for s in args.seeds for v in results[strategy][s]["values"][10:]]
        summary[strategy] = {
            "bests": bests,
            "mean": statistics.mean(bests),
            "min": min(bests),
            "mean_best_after": after,
            "mean_objective_after_trial_10": statistics.mean(late) if late else None,
        }
        print(f"  {strategy:22} mean {summary[strategy]['mean']:.4f}  worst {min(bests):.4f}  "
              f"per seed {' '.join(f'{b:.4f}' for b in bests)}")  # fmt: skip
        print(f"  {'':22} mean best after n trials: {summary[strategy]['mean_best_after']}")
        print(f"  {'':22} mean objective of trials 11..N: {summary[strategy]['mean_objective_after_trial_10']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "when": datetime.now(timezone.utc).isoformat(), "machine": platform.platform(),
        "settings": {**vars(args), "out": str(args.out)}, "results": results, "summary": summary,
    }  # fmt: skip
    args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
