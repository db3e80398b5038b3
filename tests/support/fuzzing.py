"""Schemathesis shared by the fuzz runs: the app's own schema, and what every answer must be."""

import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from clientele.app import create_app
from clientele.config import load_settings


def app_schema() -> schemathesis.BaseSchema:
    """The OpenAPI document of the app as built (no database needed to describe it)."""
    app = create_app(database_url="postgresql://unused/unused", settings=load_settings())
    return schemathesis.openapi.from_dict(app.openapi())


def assert_documented(case: schemathesis.Case, response: schemathesis.Response) -> None:
    """No 5xx, the documented schema and content type, and problem+json for every error."""
    case.validate_response(
        response,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    if response.status_code >= 400:
        (content_type,) = response.headers["content-type"]
        assert content_type.startswith("application/problem+json"), response.text
