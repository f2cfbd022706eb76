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
        "cont-init-scripts",
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
    fields = dict(create["properties"])
    if kind["createMethod"] == "PUT":  # the form asks for the id too, checked with the PUT route's pattern
        put = document()["paths"][f"{APP}/{kind['path']}/{{{kind['idField']}}}"]["put"]
        assert kind["idField"] in [p["name"] for p in put["parameters"] if p["in"] == "path"]
        assert body_schema(put) == kind["createSchema"]
        fields[kind["idField"]] = {}
    else:
        assert kind["createMethod"] == "POST"
        posted = document()["paths"][f"{APP}/{kind['createPath'] or kind['path']}"]["post"]
        assert body_schema(posted) == kind["createSchema"]
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


def body_schema(operation: dict) -> str:
    return operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


def item_path(kind: dict, action: dict) -> str:
    if action["path"].startswith("/"):
        return f"{APP}{action['path']}"
    return f"{APP}/{kind['path']}/{{{kind['idField']}}}" + (f"/{action['path']}" if action["path"] else "")


@pytest.mark.parametrize("index", range(len(KINDS)))
def test_item_actions_name_real_routes_bodies_and_fields(kinds, index, api):
    """Each button's request is a documented route taking the form's schema; what it reads of the item exists."""
    kind = kinds[index]
    item = get_schema(kind)["properties"]
    assert len({a["name"] for a in kind["itemActions"]}) == len(kind["itemActions"])
    for action in kind["itemActions"]:
        operation = document()["paths"][item_path(kind, action)][action["method"].lower()]
        if action["schema"]:
            assert body_schema(operation) == action["schema"], action["name"]
            fields = document()["components"]["schemas"][action["schema"]]["properties"]
            for name in [*action["fill"], *action["choices"], *action["titles"]]:
                assert name in fields, (action["name"], name)
            for path in action["fill"].values():
                assert path.split(".")[0] in item, (action["name"], path)
        elif action["body"]:
            assert set(action["body"]) <= set(document()["components"]["schemas"][body_schema(operation)]["properties"])
        for name in action["when"]:
            assert name in item, (action["name"], name)
        if action["statuses"]:
            assert set(action["statuses"]) <= set(kind["statusTones"]), action["name"]
        for choice in action["choices"].values():
            for path in choice["match"].values():
                assert path.split(".")[0] in item, (action["name"], path)
        if action["follow"]:
            assert kind["operation"]["itemKey"] in operation["responses"]["202"]["content"]["application/json"][
                "schema"]["properties"]  # fmt: skip
    if kind["operation"]:
        view = kind["operation"]
        assert view["field"] in item and "operation" in kind["tabs"]
        answer = document()["paths"][f"{APP}/{view['path']}/{{{view['idField']}}}"]["get"]["responses"]["200"]
        operation = component(answer["content"]["application/json"]["schema"]["properties"][view["itemKey"]])
        for name in (view["idField"], view["statusField"], view["logField"], view["messageField"]):
            assert name in operation["properties"], name
        statuses = operation["properties"][view["statusField"]]["enum"]
        assert sorted(view["statusTones"]) == sorted(statuses) and set(view["final"]) < set(statuses)
    if kind["output"]:
        assert "output" in kind["tabs"]
        for name in (*kind["output"]["facts"], kind["output"]["text"]):
            assert name in item, name


def get_schema(kind: dict) -> dict:
    """The schema of the item as GET {path}/{id} answers it."""
    path = document()["paths"][f"{APP}/{kind['path']}/{{{kind['idField']}}}"]["get"]
    return component(path["responses"]["200"]["content"]["application/json"]["schema"]["properties"][kind["itemKey"]])


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
