"""Property-based fuzzing of every operation in the app's own OpenAPI document.

Generated valid and invalid requests must never produce a 5xx, every answer must match the
documented schema and content type, and errors must be problem+json.
"""

import os

import schemathesis
from hypothesis import HealthCheck, settings

from tests.support.fuzzing import app_schema, assert_documented
from tests.support.live import LiveServer

# Enough to exercise every operation in CI; the documented larger run (docs/security.md)
# sets CLIENTELE_FUZZ_EXAMPLES.
EXAMPLES_PER_OPERATION = int(os.environ.get("CLIENTELE_FUZZ_EXAMPLES", "30"))


schema = app_schema()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same examples on every CI run; a red run is reproducible
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(
    case: schemathesis.Case, live_server: LiveServer
) -> None:
    response = case.call(base_url=live_server.base_url, headers=live_server.admin_headers)
    assert_documented(case, response)
