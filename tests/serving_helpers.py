"""Helpers for the serving tests: a trained scikit-learn model on disk, and waiting for stages."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

TRAIN_SCRIPT = """
import os, joblib
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
X, y = load_iris(return_X_y=True)
model = LogisticRegression(max_iter=500).fit(X, y)
print(f"accuracy={model.score(X, y)}")
joblib.dump(model, os.path.join(os.environ["EM_MODEL_DIR"], "model.joblib"))
"""

ROWS = [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6], [5.1, 3.5, 1.4, 0.2]]


def save_sklearn_model(directory: Path, max_iter: int = 500) -> Path:
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    directory.mkdir(parents=True, exist_ok=True)
    features, labels = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few iterations make a different model on purpose; it need not converge
        joblib.dump(LogisticRegression(max_iter=max_iter).fit(features, labels), directory / "model.joblib")
    return directory


def expected(directory: Path, rows: list) -> list:
    import joblib

    return joblib.load(directory / "model.joblib").predict(rows).tolist()


def wait_for(api, path: str, key: str, field: str, until: tuple[str, ...], timeout: float = 60) -> dict:
    deadline = time.time() + timeout
    seen = []
    while time.time() < deadline:
        found = api.get(path)[key]
        if not seen or seen[-1] != found[field]:
            seen.append(found[field])
        if found[field] in until:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{path} still {seen} after {timeout}s")
