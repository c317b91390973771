"""Schemathesis against the live server: every /api/v1/ operation in the OpenAPI document, a
bounded number of generated requests each (valid and invalid), no 5xx and no answer outside the
document. New operations (search, screens) are covered as soon as they are registered."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.content.factories import ArticlePageFactory, EmergencyGuidePageFactory

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "50"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(live_server, transactional_db, site_tree):
    ArticlePageFactory(audiences=["elderly"], topics=["防范电信诈骗"], regions=["150105"])
    EmergencyGuidePageFactory(audiences=["public"])
    return schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_api_operation_survives_generated_requests(api_schema, live_server, mode):
    operations = _operations(api_schema)
    labels = {operation.label for operation in operations}
    assert "GET /api/v1/content" in labels
    assert "GET /api/v1/content/{content_id}" in labels
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(base_url=live_server.url, checks=CHECKS)

        try:
            run()
        except Unsatisfiable:
            # An operation with no parameters or body has no invalid request to make.
            if mode is not GenerationMode.NEGATIVE:
                raise
