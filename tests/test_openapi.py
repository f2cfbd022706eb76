"""The OpenAPI document: it lists every route, it is current, it hangs together, it is served, it tells the truth."""

from __future__ import annotations

import ast
import inspect
import json
import re
import sys
import textwrap

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_easymaker.api import routes
from jupyter_easymaker.api.openapi import DOCUMENT, OPERATIONS, QUERY, build_document, path_template, render

REGENERATE = "run `bash scripts/openapi.sh` and commit jupyter_easymaker/api/openapi.json"
METHODS = ("get", "post", "put", "delete", "patch")
ROUTES = routes("/")
CHECKED_IN = json.loads(DOCUMENT.read_text())


def route_operations() -> list[tuple[str, str, type]]:
    """(path template, method, handler) for every method a routed handler defines itself."""
    return [(path_template(r)[0], m, h) for r, h in ROUTES for m in METHODS if m in vars(h)]


def test_path_template() -> None:
    regex = r"/easymaker/v1.0/appkeys/(?P<appkey>[A-Za-z0-9_-]{1,64})/training-templates/(?P<template_id>[a-z]{1,64})"
    path, patterns = path_template(regex)
    assert path == "/easymaker/v1.0/appkeys/{appkey}/training-templates/{trainingTemplateId}"
    assert patterns == {"appkey": "[A-Za-z0-9_-]{1,64}", "trainingTemplateId": "[a-z]{1,64}"}
    assert path_template(r"/a/(?P<training_id>(x|y)+)/b")[0] == "/a/{trainingId}/b"
    with pytest.raises(ValueError):
        path_template(r"/a/(x|y)")


def test_every_route_is_in_the_document() -> None:
    paths = CHECKED_IN["paths"]
    missing = [f"{m.upper()} {p}" for p, m, _ in route_operations() if m not in paths.get(p, {})]
    assert not missing, f"routes missing from openapi.json: {missing}; {REGENERATE}"
    routed = {(p, m) for p, m, _ in route_operations()}
    extra = [f"{m.upper()} {p}" for p, item in paths.items() for m in item if (p, m) not in routed]
    assert not extra, f"openapi.json documents routes that do not exist: {extra}; {REGENERATE}"


def test_document_is_current() -> None:
    assert DOCUMENT.read_text() == render(build_document()), f"openapi.json is stale: {REGENERATE}"


def test_tables_name_only_real_routes() -> None:
    routed = {(p, m) for p, m, _ in route_operations()}
    assert not set(OPERATIONS) - routed, "OPERATIONS entries for routes that do not exist"
    assert not set(QUERY) - routed, "QUERY entries for routes that do not exist"


def test_document_is_well_formed() -> None:
    doc = build_document()
    assert doc["openapi"].startswith("3.1.") and doc["info"]["title"] and doc["info"]["version"]

    def refs(node):
        if isinstance(node, dict):
            yield from ([node["$ref"]] if isinstance(node.get("$ref"), str) else [])
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for target in set(refs(doc)):
        node = doc
        for part in target.removeprefix("#/").split("/"):
            assert target.startswith("#/") and isinstance(node, dict) and part in node, f"unresolved $ref {target}"
            node = node[part]
    operations = [(p, op) for p, item in doc["paths"].items() for op in item.values()]
    for path, op in operations:
        declared = {q["name"] for q in op["parameters"] if q["in"] == "path" and q["required"]}
        assert declared == set(re.findall(r"{(\w+)}", path)), f"path parameters of {path}"
        assert op["responses"] and all(re.fullmatch(r"[1-5]\d\d", status) for status in op["responses"])
        assert set(op["tags"]) <= {t["name"] for t in doc["tags"]}
        for requirement in op.get("security", doc["security"]):
            assert set(requirement) <= set(doc["components"]["securitySchemes"])
    ids = [op["operationId"] for _, op in operations]
    assert len(ids) == len(set(ids)), "operationIds must be unique"


# -- the tables against the handlers' code -----------------------------------------------------------------------------

LIST_READERS, SCALAR_READERS = {"list_arg", "get_query_arguments"}, {"get_query_argument", "get_argument"}


def read_handler(handler: type, method: str) -> dict:
    """What a handler method reads and answers, from its source: query names, body model, respond() keys/status."""
    function = inspect.unwrap(vars(handler)[method])
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    module = sys.modules[function.__module__]
    loops = {c.target.id: c.iter for c in ast.walk(tree) if isinstance(c, ast.comprehension)
             and isinstance(c.target, ast.Name)}  # fmt: skip
    found: dict = {"query": {}, "body": None, "keys": None, "status": 200}
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        name = getattr(call.func, "attr", getattr(call.func, "id", None))
        if name in LIST_READERS | SCALAR_READERS:
            arg = call.args[0]
            if isinstance(arg, ast.Constant):
                names = [arg.value]
            else:  # `self.list_arg(name) for name in FILTERS`
                names = list(getattr(module, loops[arg.id].id))
            found["query"].update(dict.fromkeys(names, "array" if name in LIST_READERS else "scalar"))
        elif name == "parse":
            found["body"] = call.args[0].id
        elif name == "respond":
            if call.args and isinstance(call.args[0], ast.Dict):
                found["keys"] = {k.value for k in call.args[0].keys}
            elif not call.args:
                found["keys"] = set()
            if len(call.args) > 1:
                found["status"] = call.args[1].value
    return found


@pytest.mark.parametrize("path, method, handler", route_operations(), ids=lambda v: getattr(v, "__name__", v))
def test_document_agrees_with_handler(path: str, method: str, handler: type) -> None:
    op = build_document()["paths"][path][method]
    read = read_handler(handler, method)
    query = {q["name"]: "array" if q["schema"].get("type") == "array" else "scalar"
             for q in op["parameters"] if q["in"] == "query"}  # fmt: skip
    assert query == read["query"], f"query parameters of {method.upper()} {path} (see QUERY in api/openapi.py)"
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
    assert (body and body.rsplit("/", 1)[-1]) == read["body"], f"request body of {method.upper()} {path}"
    if (path, method) in OPERATIONS and read["keys"] is not None:
        assert str(read["status"]) in op["responses"], f"success status of {method.upper()} {path}"
        schema = op["responses"][str(read["status"])]["content"]["application/json"]["schema"]
        assert set(schema["properties"]) - {"header"} == read["keys"], f"answer keys of {method.upper()} {path}"


# -- served, and true to what the server answers -----------------------------------------------------------------------

APPKEY_PATH = ("easymaker", "v1.0", "appkeys", "local")


async def test_served(jp_fetch) -> None:
    response = await jp_fetch("easymaker", "openapi.json")
    assert response.code == 200
    assert json.loads(response.body) == CHECKED_IN


def check_object(value: dict, schema: dict, what: str) -> None:
    """Top-level keys only: nothing undocumented, nothing required missing."""
    schemas = CHECKED_IN["components"]["schemas"]
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    documented, required = set(schema["properties"]), set(schema.get("required", ()))
    assert set(value) <= documented, f"{what}: undocumented keys {set(value) - documented}"
    assert required <= set(value), f"{what}: missing {required - set(value)}"
    for key, item in value.items():
        sub = schema["properties"][key]
        if isinstance(item, dict) and "$ref" in sub:
            check_object(item, sub, f"{what}.{key}")
        elif isinstance(item, list) and item and isinstance(item[0], dict) and "$ref" in sub.get("items", {}):
            for element in item:
                check_object(element, sub["items"], f"{what}.{key}[]")


async def test_answers_match_the_document(jp_fetch) -> None:
    paths = CHECKED_IN["paths"]
    prefix = "/easymaker/v1.0/appkeys/{appkey}"

    async def call(method: str, template: str, *parts: str, status: int = 200, **kwargs) -> dict:
        try:
            response = await jp_fetch(*APPKEY_PATH, *parts, method=method.upper(), **kwargs)
        except HTTPClientError as err:
            if err.response is None:  # a timeout, not an answer
                raise
            response = err.response
        assert response.code == status, response.body
        body = json.loads(response.body)
        answer = paths[prefix + template][method]["responses"][str(status)]
        schema = answer.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:  # a $ref to components/responses
            schema = CHECKED_IN["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]["content"]
            schema = schema["application/json"]["schema"]
        check_object(body, schema, f"{method.upper()} {template} {status}")
        return body

    for resource in ("images", "flavors", "algorithms", "experiments", "training-templates", "trainings", "logs"):
        await call("get", f"/{resource}", resource)
    image = (await call("get", "/images", "images"))["imageList"][0]["imageId"]
    created = await call("post", "/experiments", "experiments", status=201, body=json.dumps({"experimentName": "e1"}))
    experiment = created["experiment"]["experimentId"]
    await call("get", "/experiments/{experimentId}", "experiments", experiment)
    await call("get", "/experiments/{experimentId}", "experiments", "nope", status=404)
    await call("post", "/experiments", "experiments", status=400, body=json.dumps({"experimentName": 3}))
    await call("post", "/experiments", "experiments", status=409, body=json.dumps({"experimentName": "e1"}))
    template = {"trainingTemplateName": "t1", "imageId": image, "instanceCount": 2}
    created = await call("post", "/training-templates", "training-templates", status=201, body=json.dumps(template))
    await call("get", "/training-templates", "training-templates")
    template_id = created["trainingTemplate"]["trainingTemplateId"]
    await call("post", "/training-templates/{trainingTemplateId}/copy", "training-templates", template_id, "copy",
               status=201, body="{}")  # fmt: skip
    await call("get", "/experiments", "experiments", headers={"Authorization": "token wrong"}, status=403)
