"""Schemathesis drives every operation of the OpenAPI document with generated input against a live server:
no input may cause a server error, and every answer must match the document."""

from __future__ import annotations

import schemathesis
from conftest import TOKEN
from hypothesis import HealthCheck, settings
from schemathesis.checks import ignored_auth, positive_data_acceptance

from jupyter_easymaker.api.openapi import DOCUMENT

schema = schemathesis.openapi.from_path(str(DOCUMENT))
# Not applicable here: every call carries the valid token (auth refusals are tested in test_validation), and
# schema-valid bodies may still name things that do not exist (an imageId, an experimentId), which no schema says.
EXCLUDED = [ignored_auth, positive_data_acceptance]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_operation(case, shared_server):
    case.call_and_validate(
        base_url=shared_server.url.rstrip("/"), headers={"X-EasyMaker-Token": TOKEN}, excluded_checks=EXCLUDED
    )
