"""`%em_deploy` and `%em_predict`: serve a model on an endpoint and call it, from a cell."""

from __future__ import annotations

import json
from typing import Any

from IPython import get_ipython
from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from ..client import Endpoint
from .core import client, magic, options


@magic("line", "em_deploy")
@magic_arguments()
@argument("model", help="The model to serve (name or id).")
@argument("--endpoint", help="Endpoint name: a new one is created (default: the model's name); an existing one gets "
          "the model on its default stage, or on --stage.")  # fmt: skip
@argument("--stage", help="Stage of an existing endpoint: created if it does not exist.")
@argument("--instance-type", help="Instance type of a new endpoint or stage (default: m2.c2m4).")
@argument("--public", action="store_true", help="A new endpoint answers without an API key.")
def em_deploy(line: str) -> Endpoint:
    """Serve a model and wait until it answers; the value is an `Endpoint` (`.predict(rows)`, `.url()`).

    ep = %em_deploy iris --endpoint iris-api
    ep.predict([[5.1, 3.5, 1.4, 0.2]])
    """
    args = options(em_deploy, line)
    em = client()
    fields: dict[str, Any] = {}
    if args.instance_type:
        fields["flavor"] = args.instance_type
    if args.public:
        if em.endpoints(names=[args.endpoint or em.find_model(args.model)["modelName"]]):
            raise UsageError("--public applies to a new endpoint; this one exists already.")
        fields["is_public"] = True
    endpoint = em.deploy(args.model, endpoint=args.endpoint, stage=args.stage, **fields)
    print(f"Endpoint '{endpoint.name}' serves '{args.model}' at {endpoint.url(args.stage)}", flush=True)
    if endpoint.api_key:
        print(f"Its API key (shown once; send it as x-nhn-apikey): {endpoint.api_key}", flush=True)
    return endpoint


@magic("line", "em_predict")
@magic_arguments()
@argument("endpoint", help="Endpoint name or id.")
@argument("data", nargs="+", help="The rows: a Python expression of the notebook (e.g. X_test[:5]) or JSON.")
@argument("--stage", help="Stage (default: the endpoint's default stage).")
@argument("--model", help="Which model of the stage, when it serves several.")
@argument("--v2", action="store_true", help="Call with the Open Inference Protocol v2 (default: v1).")
def em_predict(line: str) -> Any:
    """Call an endpoint through the server's gateway with rows from the notebook; the value is the predictions.

    %em_predict iris-api X_test[:3]
    %em_predict iris-api [[5.1, 3.5, 1.4, 0.2]] --v2
    """
    args = options(em_predict, line)
    rows = _rows(" ".join(args.data))
    em = client()
    endpoint = em.endpoint_handle(args.endpoint)
    return endpoint.predict(rows, model=args.model, stage=args.stage, protocol="v2" if args.v2 else "v1")


def _rows(expression: str) -> Any:
    shell = get_ipython()
    try:
        return shell.ev(expression) if shell is not None else json.loads(expression)
    except Exception as err:
        try:
            return json.loads(expression)
        except ValueError:
            raise UsageError(f"Cannot read the rows '{expression}': {err}. Give a notebook variable or JSON.") from None
