"""Schemathesis against the API, in process (ASGI), over the seeded corpus of `tests/api_seed.py`
(the session's shared copy: every operation fuzzed only reads), on SQLite and PostgreSQL: for
every /api/v1 operation, requests made from its OpenAPI document, valid ones and invalid ones,
must never get a 5xx, and every answer must be what the document says (a documented status code,
a documented content type, a body of the documented schema).

A short run in the suite (`MINER_FUZZ_EXAMPLES`, default 12 examples per operation and kind, no
shrinking); `make fuzz` runs it long. Slow (seconds of requests): left out of `make test-fast`.
Imports: Hypothesis, schemathesis, and the test helper `web_server`.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from web_server import make_app

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("MINER_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
RUN = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the first request of a kind warms caches; the checks, not the clock, decide
    phases=[Phase.explicit, Phase.generate] + ([Phase.shrink] if EXAMPLES > 50 else []),
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture
def schema(corpus):
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", make_app(corpus))


def operations(schema) -> list:
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 12 and all(op.path.startswith("/api/v1/") for op in found)
    return found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_answers_as_its_document_says(schema, mode):
    for operation in operations(schema):
        if mode is GenerationMode.NEGATIVE and not (len(operation.query) or len(operation.path_parameters)):
            continue  # nothing to get wrong in a request without parameters

        @RUN
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            case.call_and_validate(checks=CHECKS)

        call()
