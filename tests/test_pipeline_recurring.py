"""Pipeline runs and recurring runs through a server restart: the store is the truth, the work is detached, and a
schedule catches up exactly as configured."""

from __future__ import annotations

import base64
import time
from datetime import datetime, timedelta, timezone

import pytest
from pipeline_defs import compile_all


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    return compile_all(tmp_path_factory.mktemp("pipelines"))


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def wire(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def upload(api, name: str, path) -> str:
    body = {"pipelineName": name, "base64PipelineSpecManifest": base64.b64encode(path.read_bytes()).decode()}
    return api.post("/pipelines/upload", body)["pipeline"]["pipelineId"]


def recurring_body(api, name: str, pipeline_id: str, **schedule) -> dict:
    return {
        "pipelineRunOrRecurringRunName": name, "pipelineId": pipeline_id, "experimentName": "recurring",
        "flavorId": api.flavor_id(), "bootStorageSize": 50, **schedule,
    }  # fmt: skip


def runs_of(api, recurring_id: str) -> list[dict]:
    return api.get("/pipeline-runs", params={"pipelineRecurringRunIdList": recurring_id})["pipelineRunList"]


def wait_for(predicate, timeout: float = 60, what: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_second_interval_through_a_restart_with_and_without_catch_up(server_factory, compiled):
    server = server_factory()
    api = server.api
    pipeline_id = upload(api, "one-step", compiled["one_step"])
    start = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0) + timedelta(seconds=2)
    # catch-up on: ticks start+2 … start+10; the first runs live, the rest while the server is down
    caught_up = api.post("/pipeline-recurring-runs", recurring_body(
        api, "every-2s-catch-up", pipeline_id, schedulePeriodicSeconds=2, maxConcurrencyCount=10,
        useCatchup=True, scheduleStartDatetime=iso(start), scheduleEndDatetime=iso(start + timedelta(seconds=10)),
    ))["pipelineRecurringRun"]  # fmt: skip
    # catch-up off: ticks start+6 … start+10, all while the server is down
    latest_only = api.post("/pipeline-runs", recurring_body(  # the SDK's route for recurring runs
        api, "every-2s-latest", pipeline_id, schedulePeriodicSeconds=2, maxConcurrencyCount=10, useCatchup=False,
        scheduleStartDatetime=iso(start + timedelta(seconds=4)),
        scheduleEndDatetime=iso(start + timedelta(seconds=10)),
    ))["pipelineRecurringRun"]  # fmt: skip
    assert caught_up["pipelineRecurringRunStatusCode"] == "CREATE REQUESTED"
    assert caught_up["nextScheduledDatetime"] == wire(start + timedelta(seconds=2))
    ids = caught_up["pipelineRecurringRunId"], latest_only["pipelineRecurringRunId"]
    wait_for(lambda: api.get(f"/pipeline-recurring-runs/{ids[0]}")["pipelineRecurringRun"][
        "pipelineRecurringRunStatusCode"] == "ENABLED", what="ENABLED")  # fmt: skip
    wait_for(lambda: runs_of(api, ids[0]), what="the first scheduled run")
    server.kill()
    assert datetime.now(timezone.utc).replace(tzinfo=None) < start + timedelta(seconds=6), "the test ran too slowly"

    time.sleep(max(0.0, (start + timedelta(seconds=10.5) - datetime.now(timezone.utc).replace(tzinfo=None))
                   .total_seconds()))  # fmt: skip
    api = server_factory(data_dir=server.data_dir).api
    wait_for(lambda: len(runs_of(api, ids[0])) >= 5 and runs_of(api, ids[1]), what="the missed runs")
    time.sleep(1)  # a few more controller passes: nothing more may be created
    ticks = [wire(start + timedelta(seconds=k)) for k in (2, 4, 6, 8, 10)]
    assert sorted(r["scheduledDatetime"] for r in runs_of(api, ids[0])) == ticks
    assert [r["scheduledDatetime"] for r in runs_of(api, ids[1])] == [ticks[-1]]
    for run in runs_of(api, ids[0]) + runs_of(api, ids[1]):
        assert run["pipelineRecurringRun"]["pipelineRecurringRunId"] in ids
    recurring = api.get(f"/pipeline-recurring-runs/{ids[0]}")["pipelineRecurringRun"]
    assert recurring["pipelineRecurringRunStatusCode"] == "ENABLED(EXPIRED)"
    assert recurring["pipelineRunCount"] == 5 and recurring["nextScheduledDatetime"] is None
    assert recurring["lastScheduledDatetime"] == ticks[-1]

    for run in runs_of(api, ids[0]) + runs_of(api, ids[1]):
        wait_for(lambda run=run: api.get(f"/pipeline-runs/{run['pipelineRunId']}")["pipelineRun"][
            "pipelineRunStatusCode"] == "COMPLETE", what="the scheduled runs to complete")  # fmt: skip

    assert api.put(f"/pipeline-recurring-runs/{ids[0]}/stop")["pipelineRecurringRun"][
        "pipelineRecurringRunStatusCode"] == "DISABLED"  # fmt: skip
    assert api.put(f"/pipeline-recurring-runs/{ids[0]}/start")["pipelineRecurringRun"][
        "pipelineRecurringRunStatusCode"] == "ENABLED(EXPIRED)"  # fmt: skip
    status, body = api.call("DELETE", f"/pipelines/{pipeline_id}")
    assert status == 409 and "every-2s-catch-up" in body["header"]["resultMessage"]
    for recurring_id in ids:
        api.delete(f"/pipeline-recurring-runs/{recurring_id}")
    kept = runs_of(api, ids[0])
    assert len(kept) == 5, "a recurring run's runs stay when it is deleted"
    assert kept[0]["pipelineRecurringRun"]["pipelineRecurringRunName"] == "every-2s-catch-up"
    api.delete(f"/pipelines/{pipeline_id}")


def test_a_stopped_schedule_creates_nothing_and_catches_up_when_started(api, compiled):
    pipeline_id = upload(api, "one-step-toggle", compiled["one_step"])
    start = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    body = recurring_body(api, "toggled", pipeline_id, schedulePeriodicSeconds=1, maxConcurrencyCount=10,
                          useCatchup=True, scheduleStartDatetime=iso(start))  # fmt: skip
    recurring = api.post("/pipeline-recurring-runs", body)["pipelineRecurringRun"]
    recurring_id = recurring["pipelineRecurringRunId"]
    wait_for(lambda: api.get(f"/pipeline-recurring-runs/{recurring_id}")["pipelineRecurringRun"][
        "pipelineRecurringRunStatusCode"] == "ENABLED", what="ENABLED")  # fmt: skip
    stopped = api.put(f"/pipeline-recurring-runs/{recurring_id}/stop")["pipelineRecurringRun"]
    assert stopped["pipelineRecurringRunStatusCode"] == "DISABLED"
    before = len(runs_of(api, recurring_id))
    time.sleep(2.5)
    assert len(runs_of(api, recurring_id)) == before
    last = api.get(f"/pipeline-recurring-runs/{recurring_id}")["pipelineRecurringRun"]["lastScheduledDatetime"]
    api.put(f"/pipeline-recurring-runs/{recurring_id}/start")
    wait_for(lambda: len(runs_of(api, recurring_id)) >= before + 2, what="the missed runs after starting again")
    scheduled = sorted(r["scheduledDatetime"] for r in runs_of(api, recurring_id))
    assert len(scheduled) == len(set(scheduled)), "a tick ran twice"
    if last:
        assert scheduled[before - 1] == last
    api.put(f"/pipeline-recurring-runs/{recurring_id}/stop")

    for fields, wrong in (
        ({"scheduleCronExpression": "0 * * * *"}, {"scheduleCronExpression"}),
        ({"schedulePeriodicMinutes": 1, "maxConcurrencyCount": 11}, {"maxConcurrencyCount"}),
        ({"schedulePeriodicMinutes": 1, "parameterList": [{"parameterName": "notes", "parameterValue": "x"}]},
         {"parameterList[0].parameterName"}),
        ({"scheduleCronExpression": "0 0 * * *", "bootStorageSize": None}, {"scheduleCronExpression",
                                                                           "bootStorageSize"}),
        ({"schedulePeriodicMinutes": 1, "scheduleEndDatetime": "2020-01-01T00:00:00Z"}, {"scheduleEndDatetime"}),
    ):  # fmt: skip
        status, body = api.call("POST", "/pipeline-recurring-runs", json=recurring_body(api, "bad", pipeline_id,
                                                                                         **fields))  # fmt: skip
        assert status == 400 and {e["field"] for e in body["errorList"]} == wrong, body
    assert not api.get("/pipeline-recurring-runs", params={"pipelineRecurringRunNameList": "bad"})[
        "pipelineRecurringRunList"]  # fmt: skip
    copied = api.post(f"/pipeline-recurring-runs/{recurring_id}/copy", {"scheduleCronExpression": "0 0 0 * * *"})
    copied = copied["pipelineRecurringRun"]
    assert copied["pipelineRecurringRunName"] == "toggled-copy"
    assert copied["scheduleCronExpression"] == "0 0 0 * * *" and copied["schedulePeriodicSeconds"] is None
    ended = ("COMPLETE", "FAIL PIPELINE RUN", "STOPPED")
    for run in runs_of(api, recurring_id):  # the console's rule: not while one of its runs is in progress
        wait_for(lambda run=run: api.get(f"/pipeline-runs/{run['pipelineRunId']}")["pipelineRun"][
            "pipelineRunStatusCode"] in ended, what="the runs to end")  # fmt: skip
    for rid in (recurring_id, copied["pipelineRecurringRunId"]):
        api.delete(f"/pipeline-recurring-runs/{rid}")


def test_a_recurring_run_is_not_deleted_while_one_of_its_runs_is_in_progress(api, compiled, tmp_path):
    pipeline_id = upload(api, "two-sleepers-held", compiled["two_sleepers"])
    body = recurring_body(api, "holds-a-run", pipeline_id, schedulePeriodicSeconds=1, maxConcurrencyCount=1,
                          parameterList=[{"parameterName": "marker_dir", "parameterValue": str(tmp_path)}])  # fmt: skip
    recurring_id = api.post("/pipeline-recurring-runs", body)["pipelineRecurringRun"]["pipelineRecurringRunId"]
    run = wait_for(lambda: runs_of(api, recurring_id), what="the first run")[0]
    api.put(f"/pipeline-recurring-runs/{recurring_id}/stop")
    status, answer = api.call("DELETE", f"/pipeline-recurring-runs/{recurring_id}")
    assert status == 409 and run["pipelineRunName"] in answer["header"]["resultMessage"], answer
    assert "in progress" in answer["header"]["resultMessage"]
    api.put(f"/pipeline-runs/{run['pipelineRunId']}/stop")
    api.delete(f"/pipeline-recurring-runs/{recurring_id}")  # a stopping run does not hold it
    assert api.get(f"/pipeline-runs/{run['pipelineRunId']}")["pipelineRun"]["pipelineRecurringRun"][
        "pipelineRecurringRunName"] == "holds-a-run"  # fmt: skip
    wait_for(lambda: api.get(f"/pipeline-runs/{run['pipelineRunId']}")["pipelineRun"]["pipelineRunStatusCode"]
             == "STOPPED", what="the run to stop")  # fmt: skip
    api.delete(f"/pipeline-runs/{run['pipelineRunId']}")
    api.delete(f"/pipelines/{pipeline_id}")


def test_a_run_in_progress_survives_a_server_kill(server_factory, compiled, tmp_path):
    server = server_factory()
    api = server.api
    pipeline_id = upload(api, "two-sleepers-restart", compiled["two_sleepers"])
    markers = tmp_path / "markers"
    markers.mkdir()
    run = api.post("/pipeline-runs", {
        "pipelineRunOrRecurringRunName": "survivor", "pipelineId": pipeline_id, "experimentName": "restart",
        "flavorId": api.flavor_id(), "bootStorageSize": 50,
        "parameterList": [{"parameterName": "marker_dir", "parameterValue": str(markers)},
                          {"parameterName": "seconds", "parameterValue": "4"}],
    })["pipelineRun"]  # fmt: skip
    run_id = run["pipelineRunId"]
    wait_for(lambda: all((markers / side).exists() for side in ("left", "right")), what="both sleepers started")
    server.kill()

    api = server_factory(data_dir=server.data_dir).api
    finished = wait_for(lambda: (r := api.get(f"/pipeline-runs/{run_id}")["pipelineRun"])[
        "pipelineRunStatusCode"] in ("COMPLETE", "FAIL PIPELINE RUN") and r, what="the run to finish")  # fmt: skip
    assert finished["pipelineRunStatusCode"] == "COMPLETE", finished
    for side in ("left", "right"):
        assert len((markers / side).read_text().split()) == 1, f"{side} ran more than once"
    states = {t["taskId"]: t["state"] for t in api.get(f"/pipeline-runs/{run_id}/tasks")["taskList"]}
    assert states == {"sleeper": "SUCCEEDED", "sleeper-2": "SUCCEEDED", "report": "SUCCEEDED"}


def test_max_concurrency_holds_back_scheduled_runs(api, compiled, tmp_path):
    pipeline_id = upload(api, "sleepers-concurrency", compiled["two_sleepers"])
    start = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0) - timedelta(seconds=10)
    body = recurring_body(api, "one-at-a-time", pipeline_id, schedulePeriodicSeconds=1, maxConcurrencyCount=1,
                          useCatchup=False, scheduleStartDatetime=iso(start),
                          parameterList=[{"parameterName": "marker_dir", "parameterValue": str(tmp_path)},
                                         {"parameterName": "seconds", "parameterValue": "2"}])  # fmt: skip
    recurring_id = api.post("/pipeline-recurring-runs", body)["pipelineRecurringRun"]["pipelineRecurringRunId"]
    active_seen = set()
    deadline = time.time() + 12
    while time.time() < deadline and len(runs_of(api, recurring_id)) < 2:
        active = [
            r
            for r in runs_of(api, recurring_id)
            if r["pipelineRunStatusCode"] not in ("COMPLETE", "FAIL PIPELINE RUN", "STOPPED", "CREATE FAILED")
        ]
        active_seen.add(len(active))
        time.sleep(0.05)
    api.put(f"/pipeline-recurring-runs/{recurring_id}/stop")
    runs = runs_of(api, recurring_id)
    assert len(runs) >= 2 and max(active_seen) == 1, (len(runs), active_seen)
    first = min(runs, key=lambda r: r["scheduledDatetime"])
    assert first["scheduledDatetime"] >= wire(start + timedelta(seconds=10)), "without catch-up: the latest tick"
    for run in runs:
        wait_for(lambda run=run: api.get(f"/pipeline-runs/{run['pipelineRunId']}")["pipelineRun"][
            "pipelineRunStatusCode"] == "COMPLETE", what="the runs to complete")  # fmt: skip
    api.delete(f"/pipeline-recurring-runs/{recurring_id}")
