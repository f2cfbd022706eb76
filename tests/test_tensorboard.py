"""TensorBoard for a training or an experiment, served through the Jupyter server behind its auth."""

from __future__ import annotations

import requests
from conftest import write_script

WRITES_SCALARS = """
import os
from tensorboard.summary import Writer
writer = Writer(os.environ["EM_TENSORBOARD_LOG_DIR"])
for step in range(5):
    writer.add_scalar("loss", 1.0 / (step + 1), step=step)
writer.close()
"""


def test_training_board_shows_its_scalars(api, shared_server, tmp_path):
    source = write_script(tmp_path / "src", WRITES_SCALARS)
    experiment = api.experiment("boards")
    created = api.post("/trainings", api.training_body("boarded", experiment, source, tmp_path / "out"))["training"]
    training, _ = api.wait_training(created["trainingId"])
    assert training["trainingStatusCode"] == "COMPLETE", training

    board = f"{api.base}/{training['tensorboardAccessPath']}"
    page = api.session.get(f"{board}/", timeout=90)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "<title>TensorBoard</title>" in page.text

    tags = api.session.get(f"{board}/data/plugin/scalars/tags", timeout=30).json()
    assert list(tags) == ["."] and list(tags["."]) == ["loss"]
    # TensorBoard's own pages POST their queries without Jupyter's XSRF token: the proxy lets them through
    posted = api.session.post(f"{board}/data/plugin/scalars/scalars_multirun", data={"tag": "loss", "runs": "."})
    assert posted.status_code == 200, posted.text
    assert [round(point[2], 3) for point in posted.json()["."]] == [1.0, 0.5, 0.333, 0.25, 0.2]

    # the experiment's board shows each of its trainings as a run
    runs = api.session.get(f"{api.base}/experiments/{experiment}/tensorboard/data/runs", timeout=90).json()
    assert runs == [training["trainingId"]]


def test_board_needs_auth_and_an_existing_resource(api, shared_server):
    experiment = api.experiment("boards-auth")
    board = f"{api.base}/experiments/{experiment}/tensorboard/"
    assert requests.get(board, timeout=30, allow_redirects=False).status_code in (302, 403)
    missing = api.session.get(f"{api.base}/trainings/no-such-training/tensorboard/", timeout=30)
    assert missing.status_code == 404
    bare = api.session.get(board.rstrip("/"), timeout=30, allow_redirects=False)
    assert bare.status_code in (301, 302) and bare.headers["Location"].endswith("/tensorboard/")
