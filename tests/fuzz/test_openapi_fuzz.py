"""Property-based fuzzing of every operation in the app's own OpenAPI document.

Generated valid and invalid requests must never produce a 5xx, every answer must match the
documented schema and content type, and errors must be problem+json.
"""

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from clientele.app import create_app
from clientele.config import load_settings
from tests.live import LiveServer

# Enough to exercise every operation in CI; the documented larger run (docs/security.md)
# sets CLIENTELE_FUZZ_EXAMPLES.
EXAMPLES_PER_OPERATION = int(os.environ.get("CLIENTELE_FUZZ_EXAMPLES", "30"))


def _app_schema() -> schemathesis.BaseSchema:
    """The OpenAPI document of the app as built (no database needed to describe it)."""
    app = create_app(database_url="postgresql://unused/unused", settings=load_settings())
    return schemathesis.openapi.from_dict(app.openapi())


schema = _app_schema()


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
    case.validate_response(
        response,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    if response.status_code >= 400:
        (content_type,) = response.headers["content-type"]
        assert content_type.startswith("application/problem+json"), response.text
