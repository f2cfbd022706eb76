"""Following a training from a cell: its log lines and status changes printed as they come."""

from __future__ import annotations

import time

from IPython.core.error import StdinNotImplementedError

from ..client import Training
from ..widgets.render import duration


def print_new_logs(training: Training, after: int = 0) -> int:
    """Print the log lines after `after`; the id of the last one printed."""
    records = training.client.all_logs(training.id, after=after)
    for record in records:
        print(record["body"], flush=True)
    return records[-1]["logId"] if records else after


def follow(training: Training, poll: float = 0.5, after: int = 0, show_status: bool = True) -> Training:
    """Print status changes and log lines until the training ends (KeyboardInterrupt propagates)."""
    last = None
    while True:
        training.refresh()  # a final status is stored with the last lines, so reading after it reads them all
        if show_status and training.status != last:
            last = training.status
            print(f"[{training.name}] {last}", flush=True)
        after = print_new_logs(training, after)
        if training.is_final:
            return training
        time.sleep(poll)


def wait_and_stream(training: Training) -> Training:
    """`--wait`: follow until the end, then a summary; Ctrl-C asks whether to stop the training or detach."""
    try:
        follow(training)
    except KeyboardInterrupt:
        stop_or_detach(training)
        return training
    print(summary(training), flush=True)
    return training


def stop_or_detach(work, what: str = "training") -> None:
    """After Ctrl-C while waiting: stop the work too, or only stop watching it (anything with name/status/stop())."""
    try:
        answer = input(f"Interrupted. Stop {what} '{work.name}' too, or only detach? [s]top / [d]etach: ")
    except (StdinNotImplementedError, EOFError, KeyboardInterrupt):  # IPython's "this frontend has no stdin"
        answer = "detach"
    if answer.strip().lower().startswith("s"):
        work.stop()
        print(f"Stopping '{work.name}' ({work.status}).", flush=True)
    else:
        print(f"Detached; '{work.name}' keeps running: %em_status {work.name} shows it again.", flush=True)


def summary(training: Training) -> str:
    data = training.data
    text = f"Training '{training.name}' {training.status} after {duration(data.get('elapsedTimeSeconds') or 0)}."
    if data.get("statusReason") and training.status != "COMPLETE":
        text += f" {data['statusReason']}"
    latest = training.client.metrics(training.id)["metricSummaryList"]
    if latest:
        text += " Latest metrics: " + ", ".join(f"{m['name']}={m['latest']:g}" for m in latest) + "."
    if training.status == "COMPLETE":
        text += f" Model: {data.get('modelUploadUri')}"
    return text
