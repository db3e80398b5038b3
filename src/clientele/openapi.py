"""The OpenAPI document, described once: the `Problem` schema on every error answer, operation
ids that read as verbs, and the helpers routers use to document their error answers.

Routers only say which errors an operation can answer (`problem_response`); `install_openapi`
gives every 4xx/5xx answer of every operation the same RFC 9457 schema, so generated clients
parse errors into one type, and checks that operation ids are unique.
"""

from collections import Counter
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from clientele.problems import PROBLEM_MEDIA_TYPE

Responses = dict[int | str, dict[str, Any]]

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class FieldError(BaseModel):
    """One invalid field of a 422 answer."""

    model_config = ConfigDict(populate_by_name=True)

    field: str = Field(description="The field: `primary_phone`, `rows[3].city`, `cursor`...")
    in_: str | None = Field(
        default=None, alias="in", description="Where it was: body, query, path or header."
    )
    message: str = Field(description="What is wrong with it (the value is never echoed).")


class Problem(BaseModel):
    """An RFC 9457 problem: every error answer of the API has this shape. Some problems add
    members: `existing_customer_id` (409 duplicate phone), `current_version` (412),
    `allowed_statuses` (409 ticket status), `report` (422 CSV import)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        default="about:blank",
        description="A URI naming the kind of problem, e.g. "
        "`https://clientele.example/problems/stale-version`.",
    )
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.", ge=100, le=599)
    detail: str | None = Field(default=None, description="What went wrong this time.")
    instance: str | None = Field(default=None, description="A URI naming this occurrence.")
    errors: list[FieldError] | None = Field(
        default=None, description="422 only: each invalid field."
    )


def problem_response(description: str) -> dict[str, Any]:
    """One documented error answer, typed as application/problem+json with the Problem schema."""
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}}


def if_match_errors(changed: str | None = None) -> Responses:
    """The answers of a write that takes `If-Match`: 412 for a stale version; when CHANGED
    names what someone else changed, `If-Match` is required and 428 answers its absence."""
    if changed is None:
        return {412: problem_response("If-Match names an old version.")}
    return {
        412: problem_response(f"If-Match names an old version: someone changed the {changed}."),
        428: problem_response("If-Match is missing."),
    }


COMMON_ERRORS: Responses = {
    401: problem_response("No or unknown bearer token."),
    403: problem_response("Your role may not do this."),
    422: problem_response("A field is invalid; `errors` lists each one."),
}

# The 404 of every operation on `/customers/{customer_id}...`, whichever router declares it.
NO_CUSTOMER: Responses = {404: problem_response("No customer with this id.")}

# Every API operation may also meet these (the pool or the database did not answer in time, or
# a bug); documenting them lets clients parse them as a Problem too.
_SERVER_ERRORS = {
    "500": "An unexpected error; it has been logged.",
    "503": "The database did not answer in time; retry after `Retry-After` seconds.",
}

# Operation ids are the route functions' names; these verbs are what they may start with, so a
# generated client reads `client.search_customers(...)`, never `customer_history(...)`.
VERBS = (
    "activate", "add", "block", "check", "count", "create", "delete", "dismiss", "erase",
    "export", "get", "import", "list", "merge", "replay", "resume", "search", "undo", "update",
    "wait",
)  # fmt: skip


def operation_id(route: APIRoute) -> str:
    """The operation id of a route: its function's name (`create_customer`)."""
    return route.name


def _is_error(status: str) -> bool:
    return status[:1] in ("4", "5") or status == "default"


def _problem_everywhere(document: dict[str, Any]) -> None:
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if path.startswith("/api/"):
                for status, description in _SERVER_ERRORS.items():
                    responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if _is_error(status):
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    # FastAPI's own 422 shape is never sent: problems.py answers every validation error.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem


def _check_operation_ids(document: dict[str, Any]) -> None:
    ids = [
        operation["operationId"]
        for operations in document.get("paths", {}).values()
        for operation in operations.values()
    ]
    repeated = sorted(name for name, count in Counter(ids).items() if count > 1)
    if repeated:
        raise RuntimeError(f"operation ids must be unique; repeated: {', '.join(repeated)}")


def install_openapi(app: FastAPI) -> None:
    """Post-process the app's OpenAPI document (call last, after every other customiser)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = build()
        _problem_everywhere(document)
        _check_operation_ids(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
