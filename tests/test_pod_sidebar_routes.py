"""What the sidebar adds to the pod's API: running one start-up script alone, an environment's newest operation."""

from __future__ import annotations

import subprocess
import sys
import time


def wait_run(api, timeout: float = 60) -> dict:
    deadline = time.time() + timeout
    while (run := api.get("/cont-init-runs")["run"])["status"] == "RUNNING" and time.time() < deadline:
        time.sleep(0.1)
    return run


def test_one_script_runs_alone_and_is_recorded(shared_server):
    api, data = shared_server.api, shared_server.data_dir
    api.put("/cont-init-scripts/sb-10-other.sh", {"content": "#!/bin/sh\necho other\n"})
    api.put("/cont-init-scripts/sb-20-alone.sh", {"content": "#!/bin/sh\necho alone here\necho oops >&2\nexit 5\n"})
    try:
        started = api.call("POST", "/cont-init-scripts/sb-20-alone.sh/run")
        assert started[0] == 202 and started[1]["run"]["status"] == "RUNNING"
        assert started[1]["run"]["scriptName"] == "sb-20-alone.sh"
        run = wait_run(api)
        assert run["status"] == "FINISHED" and run["scriptName"] == "sb-20-alone.sh"
        assert [(r["name"], r["exit_code"]) for r in run["resultList"]] == [("sb-20-alone.sh", 5)]
        alone = api.get("/cont-init-scripts/sb-20-alone.sh")["script"]
        assert (alone["lastExitCode"], alone["lastOutput"]) == (5, "alone here\noops\n")
        assert api.get("/cont-init-scripts/sb-10-other.sh")["script"]["lastExitCode"] is None  # not run
        assert "sb-20-alone.sh exited with code 5" in (data / "cont-init.output").read_text()

        # A disabled script is not run alone either: the answer says how to enable it; an unknown one is a 404.
        api.put("/cont-init-scripts/sb-20-alone.sh", {"enabled": False})
        status, body = api.call("POST", "/cont-init-scripts/sb-20-alone.sh/run")
        assert status == 409 and "not executable" in body["header"]["resultMessage"]
        assert '"enabled": true' in body["header"]["resultMessage"]
        assert api.call("POST", "/cont-init-scripts/sb-nope.sh/run")[0] == 404

        # The whole run afterwards still runs every enabled script and replaces the log.
        api.post("/cont-init-runs")
        run = wait_run(api)
        assert run["scriptName"] is None and ("sb-10-other.sh", 0) in [(r["name"], r["exit_code"]) for r in
                                                                       run["resultList"]]  # fmt: skip
        assert "sb-20-alone.sh exited" not in (data / "cont-init.output").read_text()
    finally:
        api.delete("/cont-init-scripts/sb-10-other.sh")
        api.delete("/cont-init-scripts/sb-20-alone.sh")


def test_an_environment_keeps_its_newest_operation_after_it_ends(shared_server):
    api, data = shared_server.api, shared_server.data_dir
    env = data / "custom-conda-envs" / "sb-no-pip"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", env], check=True)
    try:
        assert api.get("/custom-envs/sb-no-pip")["environment"]["lastOperation"] is None
        started = api.post("/custom-envs/sb-no-pip/packages", {"packageList": ["anything"]})["operation"]
        deadline = time.time() + 60
        while (found := api.get("/custom-envs/sb-no-pip")["environment"])["operation"] and time.time() < deadline:
            time.sleep(0.2)
        last = found["lastOperation"]
        assert found["operation"] is None  # none running
        assert (last["operationId"], last["status"], last["kind"]) == (started["operationId"], "FAILED", "install")
        assert "No module named pip" in last["logTail"] and "exit code 1" in last["message"]
    finally:
        api.delete("/custom-envs/sb-no-pip")
