"""Batch inference over files: `python -m jupyter_easymaker.serving.batch RUN_DIR`.

RUN_DIR/spec.json says what to run: {"model": {name, framework, path, parameters}, "input_dir", "input_type"
(JSON | JSONL), "include", "exclude", "output_dir", "batch_size", "inference_timeout", "workers", "deadline"}.
Each input file gives one output file (same relative path + ".out", JSON lines, one per input record, in input
order): {"index", "status", "prediction"} or {"index", "status", "error"}. A batch the model refuses is retried
record by record, so one bad record fails alone. Progress (counters) goes to status.json; the end to result.json.
A `stop` file ends the run between batches.
"""

from __future__ import annotations

import fnmatch
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .dataplane import DataPlane, InferenceError, ServedModel
from .loaders import load

_plane: DataPlane | None = None
_name = ""


def selected_files(root: Path, include: str | None, exclude: str | None) -> list[Path]:
    """Files under `root` (or `root` itself) matching `include` and not `exclude` (exclude wins). A pattern without
    '/' is matched against the file name, one with '/' against the path relative to `root`; '*' crosses folders."""
    if root.is_file():
        return [root]
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if include and not _matches(relative, include):
            continue
        if exclude and _matches(relative, exclude):
            continue
        found.append(path)
    return found


def _matches(relative: str, pattern: str) -> bool:
    target = relative if "/" in pattern else relative.rsplit("/", 1)[-1]
    return fnmatch.fnmatchcase(target, pattern.removeprefix("**/")) or fnmatch.fnmatchcase(relative, pattern)


def records(path: Path, input_type: str) -> Iterator[tuple[Any, str | None]]:
    """(record, None), or (None, why) for a record that is not valid JSON."""
    if input_type == "JSONL":
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    yield json.loads(line), None
                except ValueError as err:
                    yield None, f"not valid JSON: {err}"
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except ValueError as err:
        yield None, f"the file is not valid JSON: {err}"
        return
    if isinstance(data, dict) and isinstance(data.get("instances"), list):
        data = data["instances"]
    if not isinstance(data, list):
        yield None, 'a JSON input file holds a list of records or {"instances": [...]}'
        return
    for item in data:
        yield item, None


def _init(model: dict) -> None:
    global _plane, _name
    loaded = load(model["framework"], Path(model["path"]), model.get("parameters") or {})
    _plane, _name = DataPlane([ServedModel(model["name"], model["framework"], loaded)]), model["name"]


def _predict(batch: list[Any]) -> list[dict]:
    """Answers for a batch; if the model refuses the batch, each record on its own."""
    assert _plane is not None
    try:
        predictions = _plane.v1_predict(_name, {"instances": batch})["predictions"]
        return [{"status": 200, "prediction": p} for p in predictions]
    except InferenceError:
        if len(batch) == 1:
            return [_one(batch[0])]
        return [_one(record) for record in batch]
    except Exception as err:
        return [{"status": 500, "error": f"{type(err).__name__}: {err}"} for _ in batch]


def _one(record: Any) -> dict:
    assert _plane is not None
    try:
        return {"status": 200, "prediction": _plane.v1_predict(_name, {"instances": [record]})["predictions"][0]}
    except InferenceError as err:
        return {"status": err.status, "error": err.message}
    except Exception as err:
        return {"status": 500, "error": f"{type(err).__name__}: {err}"}


class Run:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.spec = json.loads((root / "spec.json").read_text())
        self.counters = {"inputFileCount": 0, "inputDataCount": 0, "processCount": 0, "success2xxCount": 0,
                         "fail4xxCount": 0, "fail5xxCount": 0}  # fmt: skip
        self.started = time.time()
        self._last_write = 0.0

    def write(self, name: str, data: dict) -> None:
        tmp = self.root / f".{name}.tmp"
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.root / name)

    def status(self, phase: str, force: bool = False) -> None:
        if force or time.time() - self._last_write > 0.5:
            self.write("status.json", {"phase": phase, "started_at": self.started, **self.counters})
            self._last_write = time.time()

    def finish(self, phase: str, message: str = "") -> None:
        self.status(phase, force=True)
        self.write("result.json", {"phase": phase, "message": message, "started_at": self.started,
                                   "finished_at": time.time(), **self.counters})  # fmt: skip

    def stop_asked(self) -> bool:
        return (self.root / "stop").exists()

    def main(self) -> None:
        spec = self.spec
        files = selected_files(Path(spec["input_dir"]), spec.get("include"), spec.get("exclude"))
        self.counters["inputFileCount"] = len(files)
        if not files:
            return self.finish("failed", f"No input file under {spec['input_dir']} matches the glob patterns.")
        self.status("running", force=True)
        try:
            _init(spec["model"])  # a model that does not load fails the run here, not in every worker
        except Exception as err:
            return self.finish("failed", f"The model could not be loaded: {type(err).__name__}: {err}")
        context = multiprocessing.get_context("spawn")
        with context.Pool(max(1, spec["workers"]), initializer=_init, initargs=(spec["model"],)) as pool:
            for path in files:
                outcome = self.file(pool, path)
                if outcome:
                    pool.terminate()
                    return self.finish(*outcome)
        self.finish("succeeded")

    def file(self, pool: Any, path: Path) -> tuple[str, str] | None:
        spec = self.spec
        root = Path(spec["input_dir"])
        relative = path.name if root.is_file() else path.relative_to(root).as_posix()
        out = Path(spec["output_dir"]) / f"{relative}.out"
        out.parent.mkdir(parents=True, exist_ok=True)
        size, window, timeout = spec["batch_size"], max(2, 2 * spec["workers"]), spec["inference_timeout"]
        pending: list[tuple[list[int], list[dict | None], Any, float]] = []
        index = 0
        with open(out, "w", encoding="utf-8") as sink:

            def drain(keep: int) -> tuple[str, str] | None:
                while len(pending) > keep:
                    indexes, answers, result, submitted = pending.pop(0)
                    wait = timeout or None  # the batches ahead of it are answered: this one has had its turn
                    try:
                        predicted = iter(result.get(wait) if result is not None else [])
                    except multiprocessing.TimeoutError:
                        predicted = iter([{"status": 504, "error": f"inference took over {timeout} s"}] * len(answers))
                    for i, answer in zip(indexes, answers, strict=True):
                        self.write_answer(sink, i, answer if answer is not None else next(predicted))
                    if self.stop_asked():
                        return "stopped", "Stopped at the user's request."
                    if spec.get("deadline") and time.time() > spec["deadline"]:
                        return "failed", "The maximum batch inference time was exceeded."
                self.status("running")
                return None

            batch, batch_indexes, answers = [], [], []
            for record, problem in records(path, spec["input_type"]):
                self.counters["inputDataCount"] += 1
                batch_indexes.append(index)
                index += 1
                if problem:
                    answers.append({"status": 400, "error": problem})
                else:
                    answers.append(None)
                    batch.append(record)
                if len(batch) >= size or len(answers) >= size * 4:
                    result = pool.apply_async(_predict, (batch,)) if batch else None
                    pending.append((batch_indexes, answers, result, time.time()))
                    batch, batch_indexes, answers = [], [], []
                    outcome = drain(window)
                    if outcome:
                        return outcome
            if answers:
                pending.append((batch_indexes, answers, pool.apply_async(_predict, (batch,)) if batch else None,
                                time.time()))  # fmt: skip
            return drain(0)

    def write_answer(self, sink: Any, index: int, answer: dict) -> None:
        sink.write(json.dumps({"index": index, **answer}) + "\n")
        self.counters["processCount"] += 1
        status = answer["status"]
        key = "success2xxCount" if status < 400 else "fail4xxCount" if status < 500 else "fail5xxCount"
        self.counters[key] += 1


def main() -> None:
    run = Run(Path(sys.argv[1]))
    (run.root / "runner.json").write_text(json.dumps({"pid": os.getpid()}))
    try:
        run.main()
    except Exception as err:
        run.finish("failed", f"{type(err).__name__}: {err}")


if __name__ == "__main__":
    main()
