"""OpenAPI fragments shared by the routers: documented problem+json error answers."""

from typing import Any

from clientele.problems import PROBLEM_MEDIA_TYPE

Responses = dict[int | str, dict[str, Any]]


def problem_response(description: str) -> dict[str, Any]:
    """One documented error answer, typed as application/problem+json."""
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {}}}


COMMON_ERRORS: Responses = {
    401: problem_response("No or unknown bearer token."),
    403: problem_response("Your role may not do this."),
    422: problem_response("A field is invalid; `errors` lists each one."),
}
