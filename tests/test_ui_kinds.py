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
        "notebooks",
        "custom-envs",
        "pipelines",
        "pipeline-runs",
        "pipeline-recurring-runs",
    ]
    assert [k["kind"] for k in kinds] == [k.kind for k in KINDS]


@pytest.mark.parametrize("index", range(len(KINDS)))
def test_a_kind_names_real_routes_fields_and_schemas(kinds, index, api):
    kind = kinds[index]
    item = listed_schema(kind)["properties"]
    for name in (kind["idField"], kind["nameField"], *kind["columns"]):
        assert name in item, name
    create = document()["components"]["schemas"][kind["createSchema"]]
    posted = document()["paths"][f"{APP}/{kind['createPath'] or kind['path']}"]["post"]
    assert posted["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/" + kind["createSchema"])
    fields = create["properties"]
    for name in [
        *kind["titles"],
        *kind["order"],
        *kind["hidden"],
        *kind["copyFrom"],
        *kind["choices"],
        *kind["fillFrom"],
        *kind["files"],
    ]:
        assert name in fields, f"{kind['kind']}: {name} is not a field of {kind['createSchema']}"
    assert (kind["createNameField"] or kind["nameField"]) in fields
    if kind["parameters"]:
        spec = kind["parameters"]
        assert spec["field"] in fields and spec["pickedBy"] in fields
        source = next(k for k in kinds if k["kind"] == spec["kind"])
        assert spec["specList"] in listed_schema(source)["properties"]
    assert set(kind["fillFrom"].values()) <= {k["kind"] for k in kinds}
    if kind["children"]:
        child = next(k for k in kinds if k["kind"] == kind["children"])
        query = document()["paths"][f"{APP}/{child['path']}"]["get"]["parameters"]
        assert (kind["childrenFilter"] or kind["idField"]) in [p["name"] for p in query], "the children tab filter"
    # The list answers under the key the kind names.
    assert kind["listKey"] in api.get(f"/{kind['path']}")
    if kind["graph"]:
        assert "graph" in kind["tabs"]
        for route in (kind["graph"]["route"], kind["graph"]["tasks"], kind["graph"]["log"], kind["graph"]["artifact"]):
            if route:
                assert f"{APP}/{kind['path']}/{{{kind['idField']}}}/{route}" in document()["paths"], route


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
