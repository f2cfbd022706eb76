"""The local backend's stage model servers without a Jupyter server: pools on one port, scaling, retiring."""

from __future__ import annotations

import time

import requests
from serving_helpers import ROWS, expected, save_sklearn_model

from jupyter_easymaker.backends.local.modelserver import LocalModelServers, ServedModelSpec
from jupyter_easymaker.controller.serving import desired_pods


def test_desired_pods_steps_towards_the_target_within_bounds():
    assert desired_pods(1, 90, 50, 1, 4) == 2
    assert desired_pods(4, 90, 50, 1, 4) == 4
    assert desired_pods(3, 40, 50, 1, 4) == 3  # between half the target and the target: stay
    assert desired_pods(3, 10, 50, 1, 4) == 2
    assert desired_pods(1, 0, 50, 1, 4) == 1


def wait_ready(servers, stage, revision, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        seen = servers.observe(stage, revision)
        if seen.phase != "starting":
            return seen
        time.sleep(0.1)
    raise AssertionError("not ready")


def test_a_pool_grows_and_shrinks_on_one_port_without_failing_calls(tmp_path):
    model = save_sklearn_model(tmp_path / "model")
    servers = LocalModelServers(tmp_path / "stages")
    spec = ServedModelSpec("iris", "SKLEARN", str(model / "model.joblib"), {"answer_scale": "1"})
    try:
        servers.deploy("s1", "r1", [spec], pods=1)
        seen = wait_ready(servers, "s1", "r1")
        assert seen.phase == "ready" and seen.running_pods == 1
        url = f"http://{seen.address}/v1/models/iris/predict"
        assert servers.scale("s1", "r1", 3) == 3
        time.sleep(2)
        assert servers.observe("s1", "r1").running_pods == 3
        with requests.Session() as session:
            answers = [session.post(url, json={"instances": ROWS}) for _ in range(30)]
            assert servers.scale("s1", "r1", 1) == 1
            answers += [requests.post(url, json={"instances": ROWS}) for _ in range(30)]
        assert {a.status_code for a in answers} == {200}
        assert answers[-1].json() == {"predictions": expected(model, ROWS)}
        cpu, memory, running = servers.usage("s1", "r1")
        assert running == 1 and memory > 0 and cpu >= 0
    finally:
        servers.remove("s1")
