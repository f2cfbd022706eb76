"""Batch inference over files: `python -m jupyter_easymaker.serving.batch RUN_DIR`.

RUN_DIR/spec.json says what to run: {"model": {name, framework, path, parameters}, "input_dir", "input_type"
(JSON | JSONL), "include", "exclude", "output_dir", "batch_size", "inference_timeout", "workers", "deadline"}.
Each input file gives one output file (same relative path + ".out", JSON lines, one per input record, in input
order): {"index", "status", "prediction"} or {"index", "status", "error"}. A batch the model refuses is retried
record by record, so one bad record fails alone. Progress (counters) goes to status.json; the end to result.json.
A `stop` file ends the run between batches. With "use_log" in the spec, log.jsonl gets one JSON line per log
record ({"t", "level", "body"}): the start, progress, a summary per file and each failed record (at most
MAX_FAILURE_RECORDS per file, then a count), and the end; the controller stores them (log management).
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


def raw_records(path: Path, input_type: str) -> Iterator[str]:
    """Each record's JSON text: a JSONL file's non-empty lines, or the items of a JSON file's list (a file that
    is not such a list gives one record that fails with the reason)."""
    if input_type == "JSONL":
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.strip():
                    yield line
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except ValueError as err:
        yield json.dumps({BAD: f"the file is not valid JSON: {err}"})
        return
    if isinstance(data, dict) and isinstance(data.get("instances"), list):
        data = data["instances"]
    if not isinstance(data, list):
        yield json.dumps({BAD: 'a JSON input file holds a list of records or {"instances": [...]}'})
        return
    for item in data:
        yield json.dumps(item)


BAD = "__em_unreadable__"
MAX_FAILURE_RECORDS = 100  # per input file; a file of many bad records says how many more there were
PROGRESS_SECONDS = 10.0


def _init(model: dict) -> None:
    global _plane, _name
    loaded = load(model["framework"], Path(model["path"]), model.get("parameters") or {})
    _plane, _name = DataPlane([ServedModel(model["name"], model["framework"], loaded)]), model["name"]


def _answer(first: int, lines: list[str]) -> tuple[str, list[int], list[tuple[int, int, str]]]:
    """Parse, predict and format a batch in the worker: the output lines for records `first`…, the count of
    2xx, 4xx and 5xx answers and each failure (index, status, error). If the model refuses the batch, each
    record is tried on its own."""
    answers: list[dict | None] = []
    batch = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError as err:
            answers.append({"status": 400, "error": f"not valid JSON: {err}"})
            continue
        if isinstance(record, dict) and BAD in record:
            answers.append({"status": 400, "error": record[BAD]})
            continue
        answers.append(None)
        batch.append(record)
    predicted = iter(_predict(batch) if batch else [])
    answers = [a if a is not None else next(predicted) for a in answers]
    counts = [0, 0, 0]
    out, failures = [], []
    for offset, answer in enumerate(answers):
        counts[0 if answer["status"] < 400 else 1 if answer["status"] < 500 else 2] += 1
        out.append(json.dumps({"index": first + offset, **answer}))
        if answer["status"] >= 400:
            failures.append((first + offset, answer["status"], answer["error"]))
    return "\n".join(out) + "\n", counts, failures


def _predict(batch: list[Any]) -> list[dict]:
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
        self._last_progress = time.time()
        self._log = open(root / "log.jsonl", "a", encoding="utf-8") if self.spec.get("use_log") else None  # noqa: SIM115

    def log(self, body: str, level: str = "INFO") -> None:
        if self._log is not None:
            self._log.write(json.dumps({"t": time.time(), "level": level, "body": body}) + "\n")
            self._log.flush()

    def progress(self, force: bool = False) -> None:
        if self._log is not None and (force or time.time() - self._last_progress >= PROGRESS_SECONDS):
            self._last_progress = time.time()
            c = self.counters
            self.log(f"Progress: {c['processCount']} of {c['inputDataCount']} records read so far processed "
                     f"({c['success2xxCount']} 2xx, {c['fail4xxCount']} 4xx, {c['fail5xxCount']} 5xx)")  # fmt: skip

    def write(self, name: str, data: dict) -> None:
        tmp = self.root / f".{name}.tmp"
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.root / name)

    def status(self, phase: str, force: bool = False) -> None:
        if force or time.time() - self._last_write > 0.5:
            self.write("status.json", {"phase": phase, "started_at": self.started, **self.counters})
            self._last_write = time.time()

    def finish(self, phase: str, message: str = "") -> None:
        c = self.counters
        self.log(f"Batch inference {phase}{': ' + message if message else ''} ({c['processCount']} records, "
                 f"{c['success2xxCount']} 2xx, {c['fail4xxCount']} 4xx, {c['fail5xxCount']} 5xx)",
                 "ERROR" if phase == "failed" else "INFO")  # fmt: skip
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
        self.log(f"Batch inference started: {len(files)} input file(s), model {spec['model']['name']}, "
                 f"{spec['workers']} worker(s), batches of {spec['batch_size']}")  # fmt: skip
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
        pending: list[tuple[int, int, Any]] = []  # (first index, records, async result)
        before = dict(self.counters)
        logged_failures = 0
        with open(out, "w", encoding="utf-8") as sink:

            def failed(index: int, status: int, error: str) -> None:
                nonlocal logged_failures
                logged_failures += 1
                if logged_failures <= MAX_FAILURE_RECORDS:
                    self.log(f"{relative} record {index}: {status} {error}", "WARNING" if status < 500 else "ERROR")

            def drain(keep: int) -> tuple[str, str] | None:
                while len(pending) > keep:
                    first, count, result = pending.pop(0)
                    try:  # the batches ahead of it are answered: from now on it has had its turn
                        text, counts, failures = result.get(timeout or None)
                    except multiprocessing.TimeoutError:
                        error = {"status": 504, "error": f"inference took over {timeout} s"}
                        text = "".join(json.dumps({"index": first + i, **error}) + "\n" for i in range(count))
                        counts, failures = [0, 0, count], [(first + i, 504, error["error"]) for i in range(count)]
                    sink.write(text)
                    self.count(count, counts)
                    for failure in failures if self._log is not None else ():
                        failed(*failure)
                    self.progress()
                    if self.stop_asked():
                        return "stopped", "Stopped at the user's request."
                    if spec.get("deadline") and time.time() > spec["deadline"]:
                        return "failed", "The maximum batch inference time was exceeded."
                self.status("running")
                return None

            batch: list[str] = []
            index = 0
            for line in raw_records(path, spec["input_type"]):
                batch.append(line)
                if len(batch) >= size:
                    pending.append((index, len(batch), pool.apply_async(_answer, (index, batch))))
                    self.counters["inputDataCount"] += len(batch)
                    index, batch = index + len(batch), []
                    outcome = drain(window)
                    if outcome:
                        return outcome
            if batch:
                pending.append((index, len(batch), pool.apply_async(_answer, (index, batch))))
                self.counters["inputDataCount"] += len(batch)
            outcome = drain(0)
        c = {k: self.counters[k] - before[k] for k in self.counters}
        if logged_failures > MAX_FAILURE_RECORDS:
            self.log(f"{relative}: {logged_failures - MAX_FAILURE_RECORDS} more failed records not logged", "WARNING")
        self.log(f"{relative}: {c['processCount']} records written to {out.name} ({c['success2xxCount']} 2xx, "
                 f"{c['fail4xxCount']} 4xx, {c['fail5xxCount']} 5xx)",
                 "WARNING" if c["fail4xxCount"] + c["fail5xxCount"] else "INFO")  # fmt: skip
        return outcome

    def count(self, records: int, counts: list[int]) -> None:
        self.counters["processCount"] += records
        for key, n in zip(("success2xxCount", "fail4xxCount", "fail5xxCount"), counts, strict=True):
            self.counters[key] += n


def main() -> None:
    run = Run(Path(sys.argv[1]))
    (run.root / "runner.json").write_text(json.dumps({"pid": os.getpid()}))
    try:
        run.main()
    except Exception as err:
        run.finish("failed", f"{type(err).__name__}: {err}")


if __name__ == "__main__":
    main()
