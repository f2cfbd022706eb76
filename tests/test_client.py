"""jupyter_easymaker.client against a real server: discovery, errors, and a training from submit to metrics."""

from __future__ import annotations

import json
import os
import time
from urllib.parse import urlsplit

import pytest
from conftest import TOKEN, write_script

from jupyter_easymaker.client import (
    ApiError,
    EasyMakerClient,
    ServerNotFound,
    Training,
    UnknownName,
    default_client,
)
from jupyter_easymaker.testing import free_port

IMAGE = "Ubuntu 22.04 CPU PyTorch Training"
FLAVOR = "m2.c2m4"
LINES = 12
TRAIN = f"""
import os, pathlib, time
for step in range({LINES}):
    print(f"step {{step}} loss=0.5", flush=True)
    time.sleep(0.05)
pathlib.Path(os.environ["EM_MODEL_DIR"], "model.txt").write_text("trained")
"""
SLEEPER = """
import time
print("started", flush=True)
time.sleep(120)
"""
HINTS = ("EM_API_URL", "EM_TOKEN", "JUPYTER_TOKEN", "JUPYTER_SERVER_URL", "JPY_PARENT_PID", "EM_APPKEY")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No override and an empty runtime directory: discovery sees only what a test puts there."""
    for name in HINTS:
        monkeypatch.delenv(name, raising=False)
    runtime = tmp_path / "empty-runtime"
    runtime.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    return monkeypatch


@pytest.fixture
def client(shared_server) -> EasyMakerClient:
    return EasyMakerClient(url=shared_server.url, token=TOKEN)


def body(client: EasyMakerClient, name: str, experiment_id: str, source, output, **extra) -> dict:
    return {
        "trainingName": name,
        "experimentId": experiment_id,
        "imageId": client.image_id(IMAGE),
        "flavorId": client.flavor_id(FLAVOR),
        "sourceDirUri": str(source),
        "entryPoint": "train.py",
        "modelUploadUri": str(output),
        **extra,
    }


# -- discovery ---------------------------------------------------------------------------------------------------------


def test_discovery_finds_the_server_through_the_runtime_dir(server_factory, clean_env, tmp_path):
    server = server_factory(tmp_path / "discovered")
    runtime = server.data_dir / "runtime"
    # A server file whose process lives but which does not answer: discovery must pass it by.
    decoy = {"url": f"http://127.0.0.1:{free_port()}/", "token": "nope", "pid": os.getpid(), "base_url": "/"}
    (runtime / "jpserver-0.json").write_text(json.dumps(decoy))
    clean_env.setenv("JUPYTER_RUNTIME_DIR", str(runtime))

    client = EasyMakerClient()
    assert urlsplit(client.server_url).port == server.port and client.api_url.endswith(f":{server.port}/easymaker")
    assert client.token == TOKEN and client.source.startswith("jpserver-")
    assert FLAVOR in [f["name"] for f in client.flavors()]
    assert default_client(refresh=True).api_url == client.api_url


def test_em_api_url_overrides_discovery(shared_server, clean_env):
    clean_env.setenv("EM_API_URL", f"{shared_server.url}easymaker")
    clean_env.setenv("EM_TOKEN", TOKEN)
    client = EasyMakerClient()
    assert client.api_url == f"{shared_server.url}easymaker" and client.source == "EM_API_URL"
    assert client.images(group="TRAINING")

    clean_env.delenv("EM_TOKEN")
    clean_env.setenv("JUPYTER_TOKEN", TOKEN)
    assert EasyMakerClient().flavors()

    # The explicit arguments win over the environment; a server URL or the API root both do.
    clean_env.setenv("EM_API_URL", f"http://127.0.0.1:{free_port()}/easymaker")
    for url in (shared_server.url, f"{shared_server.url}easymaker/"):
        assert EasyMakerClient(url=url, token=TOKEN).api_url == f"{shared_server.url}easymaker"


def test_kernel_hint_is_used_without_a_runtime_dir(shared_server, clean_env):
    clean_env.setenv("JUPYTER_SERVER_URL", shared_server.url)
    clean_env.setenv("JUPYTER_TOKEN", TOKEN)
    client = EasyMakerClient()
    assert client.source == "JUPYTER_SERVER_URL" and client.flavors()


def test_server_not_found_says_what_to_do(clean_env):
    with pytest.raises(ServerNotFound) as caught:
        EasyMakerClient()
    message = str(caught.value)
    assert "bash scripts/lab.sh" in message and "EM_API_URL" in message and "EM_TOKEN" in message

    # An override that points nowhere fails on first use with the same advice.
    clean_env.setenv("EM_API_URL", f"http://127.0.0.1:{free_port()}/easymaker")
    with pytest.raises(ServerNotFound, match="scripts/lab.sh"):
        EasyMakerClient().flavors()


def test_wrong_token_is_refused(shared_server, clean_env):
    with pytest.raises(ApiError) as caught:
        EasyMakerClient(url=shared_server.url, token="wrong").flavors()
    assert caught.value.status == 403


# -- errors ------------------------------------------------------------------------------------------------------------


def test_api_error_carries_status_and_field_errors(client):
    with pytest.raises(ApiError) as caught:
        client.create_training({"trainingName": "bad name!", "imageId": "nope", "bogus": 1})
    err = caught.value
    assert err.status == 400
    assert {"trainingName", "bogus"} <= set(err.fields)
    assert all(set(e) == {"field", "message"} for e in err.errors)
    assert str(err) == err.message and "trainingName" in str(err)

    client.ensure_experiment("client-dup")
    with pytest.raises(ApiError) as caught:
        client.create_experiment("client-dup")
    assert caught.value.status == 409 and "already exists" in str(caught.value)

    with pytest.raises(ApiError) as caught:
        client.training("0123456789abcdef")
    assert caught.value.status == 404 and "does not exist" in str(caught.value)

    with pytest.raises(UnknownName, match="m2.c2m4"):
        client.flavor_id("m9.huge")
    with pytest.raises(UnknownName, match=IMAGE):
        client.image_id("Windows 95")
    with pytest.raises(UnknownName, match="No training named"):
        client.find_training("client-no-such-training")


def test_catalog_names_and_ids(client):
    image = client.image_id(IMAGE)
    assert client.image_id(image) == image and client.image_id(IMAGE.lower()) == image
    flavor = client.flavor_id(FLAVOR)
    assert client.flavor_id(flavor) == flavor
    assert all("TRAINING" in i["groupTypeCodeList"] for i in client.images("TRAINING"))
    assert client.algorithms()


# -- experiments and templates -----------------------------------------------------------------------------------------


def test_experiments_and_templates(client, tmp_path):
    first = client.ensure_experiment("client-crud", "described")
    assert client.ensure_experiment("client-crud")["experimentId"] == first["experimentId"]
    assert client.experiment(first["experimentId"])["experimentName"] == "client-crud"
    assert client.find_experiment("client-crud")["experimentId"] == first["experimentId"]
    assert client.find_experiment(first["experimentId"])["experimentName"] == "client-crud"
    assert [e["experimentId"] for e in client.experiments(names=["client-crud"])] == [first["experimentId"]]
    assert client.update_experiment(first["experimentId"], "changed")["description"] == "changed"

    source = write_script(tmp_path / "src", TRAIN)
    template = client.create_template(
        "client-template", image_id=client.image_id(IMAGE), flavorId=client.flavor_id(FLAVOR),
        source_dir_uri=str(source), entry_point="train.py", model_upload_uri=str(tmp_path / "out"),
    )  # fmt: skip
    template_id = template["trainingTemplateId"]
    assert template["sourceDirUri"] == str(source) and template["entryPoint"] == "train.py"
    assert client.template(template_id)["trainingTemplateName"] == "client-template"
    assert client.update_template(template_id, description="d")["description"] == "d"
    copy = client.copy_template(template_id, training_template_name="client-template-2")
    assert copy["trainingTemplateName"] == "client-template-2" and copy["entryPoint"] == "train.py"
    assert {"client-template", "client-template-2"} <= {t["trainingTemplateName"] for t in client.templates()}
    for doomed in (template_id, copy["trainingTemplateId"]):
        client.delete_template(doomed)
    assert not client.templates(names=["client-template", "client-template-2"])

    client.delete_experiment(first["experimentId"])
    with pytest.raises(ApiError) as caught:
        client.experiment(first["experimentId"])
    assert caught.value.status == 404


# -- a training, start to finish ---------------------------------------------------------------------------------------


def test_training_completes_with_logs_and_metrics(client, tmp_path):
    source = write_script(tmp_path / "src", TRAIN)
    output = tmp_path / "model-out"
    experiment = client.ensure_experiment("client-e2e")
    created = client.create_training(body(client, "client-e2e", experiment["experimentId"], source, output))
    assert created["trainingStatusCode"] == "CREATE REQUESTED"
    training_id = created["trainingId"]

    seen: list[str] = []
    final = client.wait_training(
        training_id, timeout=120, poll=0.1, on_status=lambda t: seen.append(t["trainingStatusCode"])
    )
    assert final["trainingStatusCode"] == "COMPLETE", final
    assert seen[-1] == "COMPLETE" and len(seen) == len(set(seen))
    assert (output / "model.txt").read_text() == "trained"

    records = client.all_logs(training_id)
    bodies = [r["body"] for r in records]
    assert bodies.count("step 3 loss=0.5") == 1
    assert sum(b.endswith("loss=0.5") for b in bodies) == LINES
    assert client.logs(training_id, tail=2) == records[-2:]
    assert client.logs(training_id, query="step 7") == [r for r in records if "step 7" in r["body"]]
    assert client.logs(training_id, after=records[-1]["logId"]) == []

    metrics = client.metrics(training_id)
    assert [(m["step"], m["value"]) for m in metrics["metricList"] if m["name"] == "loss"] == [
        (step, 0.5) for step in range(LINES)
    ]
    assert {s["name"]: s["count"] for s in metrics["metricSummaryList"]}["loss"] == LINES
    assert isinstance(client.monitoring(training_id), list)

    assert [t["trainingId"] for t in client.trainings(name="client-e2e")] == [training_id]
    assert training_id in [t["trainingId"] for t in client.trainings(experiment_id=experiment["experimentId"])]
    assert training_id in [t["trainingId"] for t in client.trainings(status=["COMPLETE"])]
    assert client.find_training("client-e2e")["trainingId"] == training_id
    assert client.find_training(training_id)["trainingName"] == "client-e2e"

    handle = client.training_handle("client-e2e")
    assert isinstance(handle, Training)
    assert (handle.id, handle.name, handle.status, handle.is_final) == (training_id, "client-e2e", "COMPLETE", True)
    assert handle.wait() is handle and handle.refresh().status == "COMPLETE"
    assert handle.logs() == bodies and handle.logs(records=True) == records
    points = handle.metrics()
    try:
        import pandas  # noqa: F401
    except ImportError:
        assert points == metrics["metricList"]
    else:
        assert list(points.columns) == ["name", "step", "value", "time"] and len(points) == LINES

    with pytest.raises(ApiError) as caught:
        client.delete_experiment(experiment["experimentId"])
    assert caught.value.status == 409
    client.delete_training(training_id)
    assert not client.trainings(name="client-e2e")


def test_follow_logs_yields_every_line_once(client, tmp_path):
    source = write_script(tmp_path / "src", TRAIN)
    experiment = client.ensure_experiment("client-follow")
    created = client.create_training(
        body(client, "client-follow", experiment["experimentId"], source, tmp_path / "out")
    )

    followed = list(client.follow_logs(created["trainingId"], poll=0.05, timeout=120))
    assert client.training(created["trainingId"])["trainingStatusCode"] == "COMPLETE"
    ids = [r["logId"] for r in followed]
    assert ids == sorted(set(ids)), "each record once, in order"
    assert followed == client.all_logs(created["trainingId"])
    bodies = [r["body"] for r in followed]
    assert [b for b in bodies if b.endswith("loss=0.5")] == [f"step {i} loss=0.5" for i in range(LINES)]

    # Following a finished training reads what is there and ends; so does following from its last record.
    assert list(client.follow_logs(created["trainingId"])) == followed
    assert list(client.follow_logs(created["trainingId"], after=ids[-1])) == []


def test_stop_and_copy(client, tmp_path):
    source = write_script(tmp_path / "src", SLEEPER)
    experiment = client.ensure_experiment("client-stop")
    created = client.create_training(body(client, "client-stop", experiment["experimentId"], source, tmp_path / "o"))
    handle = client.training_handle(created)
    with pytest.raises(ApiError) as caught:
        client.delete_training(handle.id)
    assert caught.value.status == 409 and "stop it first" in str(caught.value)
    assert handle.stop().status in ("STOP IN PROGRESS", "STOPPED")
    assert handle.wait(timeout=60, poll=0.1).status == "STOPPED"

    copy = client.copy_training(handle.id, training_name="client-stop-copy", timeout_minutes=5)
    assert copy["trainingName"] == "client-stop-copy" and copy["timeoutMinutes"] == 5
    assert copy["sourceDirUri"] == str(source)
    client.stop_training(copy["trainingId"])
    assert client.wait_training(copy["trainingId"], timeout=60, poll=0.1)["trainingStatusCode"] == "STOPPED"

    sleeper = client.create_training(body(client, "client-timeout", experiment["experimentId"], source, tmp_path / "t"))
    with pytest.raises(TimeoutError, match="still"):
        client.wait_training(sleeper["trainingId"], timeout=0.3, poll=0.1)
    client.stop_training(sleeper["trainingId"])
    client.wait_training(sleeper["trainingId"], timeout=60, poll=0.1)


def test_a_notebook_from_the_client(client):
    notebook = client.create_notebook(
        notebook_name="client-nb", image_id=client.image_id("Ubuntu 22.04 CPU Python Notebook"),
        flavor_id=client.flavor_id(FLAVOR), data_storage_size=20,
    )  # fmt: skip
    notebook_id = notebook["notebookId"]
    assert client.wait_notebook(notebook_id, timeout=60)["notebookStatusCode"] == "ACTIVE (HEALTHY)"
    status = client.session.get(client.notebook_url(notebook) + "api/status", timeout=30)
    assert status.status_code == 200 and "last_activity" in status.json()
    assert client.notebooks(names=["client-nb"])[0]["notebookId"] == notebook_id
    with pytest.raises(ApiError) as refused:
        client.change_notebook_flavor(notebook_id, "m2.c4m8")
    assert refused.value.status == 409
    client.stop_notebook(notebook_id)
    assert client.wait_notebook(notebook_id, timeout=60)["notebookStatusCode"] == "STOPPED"
    assert client.change_notebook_flavor(notebook_id, "m2.c4m8")["flavor"]["name"] == "m2.c4m8"
    assert client.update_notebook(notebook_id, description="changed")["description"] == "changed"
    assert client.delete_notebook(notebook_id)["notebookStatusCode"] == "DELETE IN PROGRESS"
    deadline = time.time() + 30
    while client.notebooks(ids=[notebook_id]) and time.time() < deadline:
        time.sleep(0.1)
    assert not client.notebooks(ids=[notebook_id])
