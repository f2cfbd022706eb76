"""GET easymaker/v1.0/ui/kinds: each kind the sidebar lists agrees with the routes and schemas it names."""

from __future__ import annotations

import pytest

from jupyter_easymaker.api.openapi import document
from jupyter_easymaker.api.ui import KINDS, TONES, tone

APP = "/easymaker/v1.0/appkeys/{appkey}"


def component(ref: dict) -> dict:
    return document()["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def listed_schema(kind: dict) -> dict:
    """The schema of one item of the kind's list answer, from the OpenAPI document."""
    answer = document()["paths"][f"{APP}/{kind['path']}"]["get"]["responses"]["200"]["content"]["application/json"]
    return component(answer["schema"]["properties"][kind["listKey"]]["items"])


@pytest.fixture(scope="module")
def kinds(shared_server) -> list[dict]:
    api = shared_server.api
    response = api.session.get(f"{api.root}/v1.0/ui/kinds", timeout=30)
    assert response.status_code == 200
    return response.json()["kindList"]


def test_the_sidebar_offers_each_kind_in_order(kinds):
    assert [k["kind"] for k in kinds] == [
        "experiments",
        "trainings",
        "training-templates",
        "hyperparameter-tunings",
        "models",
        "endpoints",
        "endpoint-stages",
        "batch-inferences",
        "notebooks",
        "custom-envs",
    ]
    assert [k["kind"] for k in kinds] == [k.kind for k in KINDS]


@pytest.mark.parametrize("index", range(len(KINDS)))
def test_a_kind_names_real_routes_fields_and_schemas(kinds, index, api):
    kind = kinds[index]
    item = listed_schema(kind)["properties"]
    for name in (kind["idField"], kind["nameField"], *kind["columns"]):
        assert name in item, name
    create = document()["components"]["schemas"][kind["createSchema"]]
    assert document()["paths"][f"{APP}/{kind['path']}"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "$ref"
    ].endswith("/" + kind["createSchema"])
    fields = create["properties"]
    for name in [
        *kind["titles"],
        *kind["order"],
        *kind["hidden"],
        *kind["copyFrom"],
        *kind["choices"],
        *kind["fillFrom"],
    ]:
        assert name in fields, f"{kind['kind']}: {name} is not a field of {kind['createSchema']}"
    assert kind["nameField"] in fields
    assert set(kind["fillFrom"].values()) <= {k["kind"] for k in kinds}
    if kind["children"]:
        child = next(k for k in kinds if k["kind"] == kind["children"])
        query = document()["paths"][f"{APP}/{child['path']}"]["get"]["parameters"]
        assert kind["idField"] in [p["name"] for p in query], "the children tab filters by this kind's id"
    # The list answers under the key the kind names.
    assert kind["listKey"] in api.get(f"/{kind['path']}")


@pytest.mark.parametrize("index", range(len(KINDS)))
def test_status_tones_cover_every_status_word(kinds, index):
    kind = kinds[index]
    if kind["statusField"] is None:
        assert kind["statusTones"] == {} and not kind["stoppable"] and not kind["retryable"]
        return
    statuses = listed_schema(kind)["properties"][kind["statusField"]]["enum"]
    assert sorted(kind["statusTones"]) == sorted(statuses)
    assert set(kind["statusTones"].values()) <= set(TONES)
    for offered in ("stoppable", "retryable", "deletable"):
        assert set(kind[offered]) <= set(statuses), offered


def test_console_colours():
    assert [tone(s) for s in ("RUNNING", "CREATE IN PROGRESS", "COMPLETE", "ACTIVE", "FAIL TRAIN", "CREATE FAILED",
                              "STOPPED", "STOP IN PROGRESS")] == [
        "running", "running", "complete", "complete", "failed", "failed", "stopped", "stopped"]  # fmt: skip


def test_pick_lists_answer_with_the_fields_they_name(kinds, api):
    for kind in kinds:
        for field, choice in kind["choices"].items():
            entries = api.get(f"/{choice['path']}")[choice["listKey"]]
            for entry in entries:
                assert choice["value"] in entry and choice["label"] in entry, (kind["kind"], field)


@pytest.mark.parametrize("index", range(len(KINDS)))
def test_a_kinds_tabs_and_copies_read_real_routes_and_fields(kinds, index):
    kind = kinds[index]
    paths = document()["paths"]
    if "logs" in kind["tabs"]:
        query = [p["name"] for p in paths[f"{APP}/logs"]["get"]["parameters"] if p["in"] == "query"]
        assert kind["idField"] in query, f"the logs tab filters GET /logs by {kind['idField']}"
    if "monitoring" in kind["tabs"]:
        monitoring = paths[f"{APP}/{kind['path']}/{{{kind['idField']}}}/monitoring"]["get"]
        answer = monitoring["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
        assert answer["usageList"]["items"]["$ref"].endswith("/Usage")
    item = listed_schema(kind)["properties"]
    for source in kind["copyFrom"].values():
        assert source.split(".")[0] in item, f"{kind['kind']}: a copy reads {source}"
    if "stop" in kind["actions"]:
        assert "put" in paths[f"{APP}/{kind['path']}/{{{kind['idField']}}}/stop"]
