"""The magics and the live view, driven in a real IPython kernel against a real server."""

from __future__ import annotations

import json
import os
import time

import pytest
from kernels import Kernel

from jupyter_easymaker.testing import TOKEN, free_port

TRAIN = """
import time
for step in range(4):
    print(f"loss={1.0 / (step + 1):.3f} accuracy={0.5 + step / 10:.2f}")
    time.sleep(0.4)
print("training finished")
"""


def kernel_env(server_url: str) -> dict[str, str]:
    return {**os.environ, "EM_API_URL": f"{server_url}easymaker", "EM_TOKEN": TOKEN}


@pytest.fixture(scope="module")
def kernel(shared_server, tmp_path_factory):
    started = Kernel(tmp_path_factory.mktemp("notebook"), kernel_env(shared_server.url))
    assert started.execute("%load_ext jupyter_easymaker").status == "ok"
    yield started
    started.stop()


def cell(magic_line: str, body: str) -> str:
    return f"{magic_line}\n{body}"


def test_train_cell_reaches_complete_with_a_live_view(kernel, api):
    reply = kernel.execute(cell("%%em_train --experiment magic --name live-view --hp epochs=4", TRAIN))
    assert reply.status == "ok", reply
    live = reply.outputs[0]
    assert "application/vnd.jupyter.widget-view+json" in live["data"]  # the live widget …
    assert "live-view" in live["data"]["text/html"]  # … with a readable fallback
    display_id = live["transient"]["display_id"]

    def final_view(messages):
        return any(
            m["msg_type"] == "update_display_data"
            and m["content"]["transient"]["display_id"] == display_id
            and "COMPLETE" in m["content"]["data"]["text/html"]
            for m in messages
        )

    kernel.wait_for(final_view)
    final = next(m for m in reversed(kernel.messages) if m["msg_type"] == "update_display_data")["content"]["data"]
    # when it ends, the widget is replaced by the same view as static HTML, so a saved notebook keeps it
    assert set(final) == {"text/html", "text/plain"}
    assert "training finished" in final["text/html"] and "<svg" in final["text/html"] and "loss" in final["text/html"]

    states = kernel.widget_states()  # what the frontend was sent: status and log tail, as they changed
    statuses = [s["status"] for s in states if s.get("status")]
    assert statuses[-1] == "COMPLETE" and "RUNNING" in statuses
    tails = [s["log_tail"] for s in states if s.get("log_tail")]
    assert any("loss=1.000 accuracy=0.50" in tail for tail in tails) and "training finished" in tails[-1]
    metrics = [s["metrics"] for s in states if s.get("metrics")][-1]
    assert [value for _, value in metrics["loss"]] == [1.0, 0.5, 0.333, 0.25]

    training = api.get("/trainings", params={"trainingNameList": "live-view"})["trainingList"][0]
    assert training["trainingStatusCode"] == "COMPLETE"
    assert training["hyperparameterList"] == [{"parameterName": "epochs", "parameterValue": "4"}]
    assert training["experiment"]["experimentName"] == "magic"

    # the object behind the magic
    objects = kernel.execute(
        "t = %em_status live-view\n"
        "frame = t.metrics()\n"
        "print(type(t).__name__, t.status, sorted(frame['name'].unique()), len(t.logs()) >= 5)"
    )
    assert objects.stdout.strip() == "Training COMPLETE ['accuracy', 'loss'] True", objects


def test_failing_script_waits_and_shows_fail_train_and_its_error(kernel):
    body = "print('starting')\nraise ValueError('learning rate must be positive')\n"
    reply = kernel.execute(cell("%%em_train --experiment magic --name cell-fails --wait", body))
    assert reply.status == "ok", reply
    assert "[cell-fails] FAIL TRAIN" in reply.stdout
    assert "ValueError: learning rate must be positive" in reply.stdout
    assert "Training 'cell-fails' FAIL TRAIN" in reply.stdout
    assert "FAIL TRAIN" in reply.outputs[-1]["data"]["text/html"]  # the returned Training, shown statically
    assert "application/vnd.jupyter.widget-view+json" not in reply.outputs[-1]["data"]


@pytest.mark.parametrize(
    ("answer", "said", "status"),
    [
        ("s", "Stopping 'interrupted-s'", "STOPPED"),
        ("d", "Detached; 'interrupted-d' keeps running", "RUNNING"),
        (None, "Detached; 'interrupted-nostdin' keeps running", "RUNNING"),  # a frontend without stdin: no question
    ],
)
def test_interrupt_while_waiting_asks_to_stop_or_detach(kernel, api, answer, said, status):
    name = f"interrupted-{answer or 'nostdin'}"
    body = "import time\nprint('started', flush=True)\ntime.sleep(120)\n"
    code = cell(f"%%em_train --experiment magic --name {name} --wait", body)
    msg_id = kernel.client.execute(code, allow_stdin=answer is not None)
    kernel.wait_for(lambda ms: any(m["msg_type"] == "stream" and "started" in m["content"]["text"]
                                   and m["parent_header"].get("msg_id") == msg_id for m in ms))  # fmt: skip
    kernel.manager.interrupt_kernel()
    if answer is not None:
        prompt = kernel.client.get_stdin_msg(timeout=30)
        assert f"Stop training '{name}' too, or only detach?" in prompt["content"]["prompt"]
        kernel.client.input(answer)
    reply = kernel.collect(msg_id)
    assert reply.status == "ok" and said in reply.stdout, reply
    training = api.get("/trainings", params={"trainingNameList": name})["trainingList"][0]
    if status == "STOPPED":
        assert api.wait_training(training["trainingId"])[0]["trainingStatusCode"] == "STOPPED"
    else:  # detached: still going (the status may lag the first log line by a reconcile pass)
        assert training["trainingStatusCode"] in ("CREATE IN PROGRESS", "RUNNING")
        api.put(f"/trainings/{training['trainingId']}/stop")


def test_status_logs_stop_and_tensorboard(kernel, api):
    body = "import time\nfor i in range(3):\n    print(f'line {i}', flush=True)\ntime.sleep(120)\n"
    assert kernel.execute(cell("%%em_train --experiment magic2 --name long-one", body)).status == "ok"
    training = api.get("/trainings", params={"trainingNameList": "long-one"})["trainingList"][0]
    api.wait_training(training["trainingId"], until=("RUNNING",))
    while "line 2" not in [record["body"] for record in api.logs(training["trainingId"])]:
        time.sleep(0.1)

    table = kernel.execute("%em_status")
    html = table.outputs[-1]["data"]["text/html"]
    assert "long-one" in html and "RUNNING" in html and "magic2" in html and "experiment" in html

    logs = kernel.execute("%em_logs long-one")
    assert [line for line in logs.stdout.splitlines() if line.startswith("line")] == ["line 0", "line 1", "line 2"]
    assert kernel.execute("%em_logs long-one --tail 1").stdout.strip() == "line 2"

    stopped = kernel.execute("s = %em_stop long-one")
    assert "Stopping 'long-one'" in stopped.stdout
    assert api.wait_training(training["trainingId"])[0]["trainingStatusCode"] == "STOPPED"
    again = kernel.execute("%em_stop long-one")
    assert again.stderr.strip() == "UsageError: Training 'long-one' has already ended (STOPPED); nothing to stop."

    board = kernel.execute("%em_tensorboard long-one --kind training")
    html = board.outputs[-1]["data"]["text/html"]
    src = f"/easymaker/v1.0/appkeys/local/trainings/{training['trainingId']}/tensorboard/"
    assert f'<iframe src="{src}"' in html
    page = api.session.get(f"{api.root.removesuffix('/easymaker')}{src}", timeout=90)
    assert page.status_code == 200 and "<title>TensorBoard</title>" in page.text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "%%em_train --experiment nothing-made --bogus 1",
            "UsageError: unrecognized arguments: --bogus 1. See %%em_train?",
        ),
        ("%%em_train --name n", "UsageError: Missing --experiment NAME: all work belongs to an experiment"),
        (
            "%%em_train --experiment nothing-made --hp epochs",
            "UsageError: --hp 'epochs' is not name=value; write it as --hp",
        ),
        (
            "%%em_train --experiment nothing-made --image 'No Such Image'",
            "UsageError: No image named 'No Such Image'; choose",
        ),
        ("%%em_train --experiment nothing-made --name 'bad name!'", "UsageError: trainingName: use 1-50 letters"),
        ("%em_logs no-such-run", "UsageError: No training named or with id 'no-such-run'; recent trainings:"),
        (
            "%em_status no-such-thing",
            "UsageError: Nothing named or with id 'no-such-thing' among the trainings, experiments",
        ),
    ],
)
def test_errors_are_one_line_saying_what_to_do(kernel, api, line, message):
    reply = kernel.execute(cell(line, "print('hello')") if line.startswith("%%") else line)
    assert reply.stderr.startswith(message), reply.stderr
    assert len(reply.stderr.strip().splitlines()) == 1 and "Traceback" not in reply.stderr + "".join(reply.traceback)
    assert not api.get("/experiments", params={"experimentNameList": "nothing-made"})[
        "experimentList"
    ]  # nothing half-made


def test_no_server_says_how_to_start_one(tmp_path):
    env = {**kernel_env(f"http://127.0.0.1:{free_port()}/"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    lonely = Kernel(tmp_path, env)
    try:
        lonely.execute("%load_ext jupyter_easymaker")
        reply = lonely.execute("%em_status")
        assert reply.stderr.startswith("UsageError: ") and "start JupyterLab" in reply.stderr, reply.stderr
        assert len(reply.stderr.strip().splitlines()) == 1
    finally:
        lonely.stop()


REPORTS = """
import json, os, sys
from helper import GREETING  # shipped with --source-dir
report = {"argv": sys.argv[1:], "greeting": GREETING,
          "dataset": sorted(os.listdir(os.environ["EM_DATASET_TRAIN"])),
          "world": os.environ.get("WORLD_SIZE"), "rank": os.environ.get("RANK")}
with open(os.path.join(os.environ["EM_MODEL_DIR"], f"report-{os.environ.get('RANK', '0')}.json"), "w") as f:
    json.dump(report, f)
"""


def test_options_reach_the_training(kernel, api, tmp_path):
    source = tmp_path / "algo"
    source.mkdir()
    (source / "helper.py").write_text("GREETING = 'hello from the source dir'\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "rows.csv").write_text("x\n1\n")
    output, checkpoints = tmp_path / "model", tmp_path / "checkpoints"
    line = (
        f"%%em_train --experiment magic3 --name with-options --source-dir {source} --dataset train={data} "
        f"--output {output} --checkpoint-out {checkpoints} --max-hours 1.5 --nodes 2 --hp lr=0.1 --wait"
    )
    reply = kernel.execute(cell(line, REPORTS))
    assert "Training 'with-options' COMPLETE" in reply.stdout, reply
    reports = [json.loads((output / f"report-{rank}.json").read_text()) for rank in (0, 1)]
    assert reports[0] == {"argv": ["--lr", "0.1"], "greeting": "hello from the source dir", "dataset": ["rows.csv"],
                          "world": "2", "rank": "0"}  # fmt: skip
    assert reports[1]["rank"] == "1"
    training = api.get("/trainings", params={"trainingNameList": "with-options"})["trainingList"][0]
    assert training["timeoutMinutes"] == 90 and training["instanceCount"] == 2
    assert training["checkPointUploadUri"] == str(checkpoints)


def test_train_from_a_template(kernel, api, tmp_path):
    source = tmp_path / "template-src"
    source.mkdir()
    (source / "main.py").write_text("import sys\nprint('template says', *sys.argv[1:])\n")
    api.post("/training-templates", {
        "trainingTemplateName": "tmpl-magic", "imageId": api.image_id(), "flavorId": api.flavor_id(),
        "sourceDirUri": str(source), "entryPoint": "main.py", "modelUploadUri": str(tmp_path / "tmodel"),
        "hyperparameterList": [{"parameterName": "depth", "parameterValue": "4"}],
    })  # fmt: skip
    reply = kernel.execute("%em_train --experiment magic3 --name cell-from-template --template tmpl-magic --wait")
    assert "template says --depth 4" in reply.stdout and "Training 'cell-from-template' COMPLETE" in reply.stdout, reply
    missing = kernel.execute("%%em_train --experiment magic3 --template nope\nprint(1)\n")
    assert missing.stderr.startswith("UsageError: No training template named 'nope'; the templates are: ")


PIPELINE = """
from kfp import dsl

@dsl.component
def add(a: int, b: int) -> int:
    return a + b

@dsl.component
def double(x: int) -> int:
    return 2 * x

@dsl.pipeline(name="cell-adder")
def adder(x: int = 1):
    double(x=add(a=x, b=2).output)

not_a_pipeline = 3
"""


def test_pipeline_from_a_cell_is_uploaded_and_run(kernel, api):
    assert kernel.execute(PIPELINE).status == "ok"
    reply = kernel.execute("run = %em_pipeline adder --run first-adder --experiment cell-pipes --param x=5 --wait")
    assert reply.status == "ok", reply
    assert "Uploaded pipeline 'cell-adder'" in reply.stdout
    assert "task add: SUCCEEDED" in reply.stdout and "task double: SUCCEEDED" in reply.stdout
    assert "Run 'first-adder' COMPLETE." in reply.stdout
    outputs = kernel.execute("print(run.outputs('add'), run.outputs('double'))")
    assert outputs.stdout.strip() == "{'Output': 7} {'Output': 14}"
    pipeline = api.get("/pipelines", params={"pipelineNameList": "cell-adder"})["pipelineList"][0]
    assert [p["parameterName"] for p in pipeline["pipelineParameterSpecList"]] == ["x"]

    again = kernel.execute("%em_pipeline not_a_pipeline")
    assert again.stderr.startswith("UsageError: 'not_a_pipeline' is not a pipeline: decorate it with @dsl.pipeline")
    missing = kernel.execute("%em_pipeline adder --run")
    assert missing.stderr.startswith("UsageError: Missing --experiment NAME")


TUNED = """
import argparse
parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float)
parser.add_argument("--shape", default="flat")
args = parser.parse_args()
print(f"loss={(args.x - 3) ** 2 + (0 if args.shape == 'bowl' else 1):.4f}")
"""


def test_tune_cell_runs_trials_and_reports_the_best(kernel, api):
    line = ("%%em_tune --experiment cell-tuning --name cell-grid --objective loss --strategy GRID "
            "--param x:int:1:3 --param shape:categorical:flat,bowl --max-trials 6 --parallel 2 --wait")  # fmt: skip
    reply = kernel.execute(cell(line, TUNED))
    assert reply.status == "ok", reply
    assert "[cell-grid] COMPLETE" in reply.stdout
    assert reply.stdout.count(": SUCCEEDED (") == 6
    assert "Tuning 'cell-grid' COMPLETE" in reply.stdout and "6 trials, 6 succeeded, 0 failed" in reply.stdout
    assert "with loss=0 (" in reply.stdout and "x=3" in reply.stdout.split("Best:")[1]
    assert "shape=bowl" in reply.stdout.split("Best:")[1]
    html = reply.outputs[-1]["data"]["text/html"]
    assert "cell-grid" in html and "COMPLETE" in html and "<table" in html

    frame = kernel.execute(
        "t = %em_status cell-grid\nprint(type(t).__name__, len(t.trials()), t.best_trial['trialName'])"
    )
    assert frame.stdout.startswith("Tuning 6 ")
    tuning = api.get("/hyperparameter-tunings", params={"hyperparameterTuningNameList": "cell-grid"})
    # 6 trials of 6 combinations: max trials is checked before the end of the suggestions, as Katib does
    assert tuning["hyperparameterTuningList"][0]["hyperparameterTuningStatusReason"] == "MaxTrialsReached"

    bad = kernel.execute(cell("%%em_tune --experiment cell-tuning --objective loss --param x:float:1:2", TUNED))
    assert bad.stderr.startswith("UsageError: --param 'x:float:1:2' is not NAME:TYPE:SPEC")
    assert not api.get("/hyperparameter-tunings", params={"hyperparameterTuningNameList": "x"})[
        "hyperparameterTuningList"]  # fmt: skip


def test_deploy_and_predict_from_cells(kernel, api, tmp_path):
    from serving_helpers import ROWS, expected, save_sklearn_model

    artifact = save_sklearn_model(tmp_path / "iris")
    api.post("/models", {"modelName": "cell-iris", "modelFormatCode": "SKLEARN", "modelUploadUri": str(artifact)})
    deployed = kernel.execute("ep = %em_deploy cell-iris --endpoint cell-iris-api")
    assert deployed.status == "ok", deployed
    assert "Endpoint 'cell-iris-api' serves 'cell-iris' at " in deployed.stdout and "x-nhn-apikey" in deployed.stdout
    kernel.execute(f"rows = {ROWS!r}")
    for line in ("%em_predict cell-iris-api rows", "%em_predict cell-iris-api rows --v2"):
        predicted = kernel.execute(f"p = {line}\nprint(p)")
        assert predicted.stdout.strip() == str(expected(artifact, ROWS)), predicted
    bad = kernel.execute("%em_predict cell-iris-api no_such_variable")
    assert bad.stderr.startswith("UsageError: Cannot read the rows 'no_such_variable'")
