"""RFC 9457 problem+json answers for every error, so no input produces a bare 500."""

import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg import errors as pg_errors
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from clientele.errors import DomainError
from clientele.observability import REQUEST_ID_SCOPE_KEY, route_template

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://clientele.example/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response; `extra` members (e.g. `errors`) are added to the body."""
    body = {
        "type": PROBLEM_TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=dict(headers or {})
    )


def _json_error(exc: RequestValidationError, error: Mapping[str, Any]) -> dict[str, Any]:
    """Where a body stops being JSON, as a person finds it in an editor: line and column."""
    location = error.get("loc", ())
    position = location[1] if len(location) > 1 and isinstance(location[1], int) else 0
    document = exc.body if isinstance(exc.body, str) else ""
    line = document.count("\n", 0, position) + 1
    column = position - (document.rfind("\n", 0, position) + 1) + 1
    reason = str(error.get("ctx", {}).get("error", "malformed JSON"))
    return {
        "field": "body",
        "in": "body",
        "message": f"malformed JSON at line {line}, column {column}: {reason}",
        "line": line,
        "column": column,
    }


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            errors.append(_json_error(exc, error))
            continue
        location = [str(part) for part in error.get("loc", ())]
        where = location[0] if location else "body"
        field = ".".join(location[1:]) or where
        # Never echo the input back: it may be personal data, or huge.
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        errors.append({"field": field, "in": where, "message": message})
    return errors


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return problem(exc.status, exc.title, exc.detail, slug=exc.slug, headers=headers, **exc.extra)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return problem(422, "Invalid request", detail, slug="validation-error", errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, str(exc.detail), str(exc.detail), headers=exc.headers)


async def _unstorable_value(request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value as data (a NUL character, a number out of range): the
    # request was wrong, not the server. Which value is not said: it may be personal data.
    return problem(
        422,
        "Invalid value",
        "a value in the request cannot be stored (e.g. it contains a NUL character)",
        slug="validation-error",
        errors=[],
    )


_KEY_COLUMNS = re.compile(r"^Key \(([a-z_, ]+)\)")
_TABLE_NOUNS = {
    "organizations": "organization",
    "customers": "customer",
    "customer_contacts": "contact",
    "equipment": "equipment",
    "service_tickets": "ticket",
}


def _constraint_problem(exc: IntegrityError) -> JSONResponse:
    """A constraint the database enforced: a reference to nothing (422 naming the field), a
    duplicate (409), a missing or refused value (422). Values are never echoed back."""
    cause = exc.orig
    diag = getattr(cause, "diag", None)
    detail_text = str(getattr(diag, "message_detail", "") or "")
    constraint = str(getattr(diag, "constraint_name", "") or "")
    match = _KEY_COLUMNS.match(detail_text)
    columns = [c.strip() for c in match.group(1).split(",")] if match else []
    if isinstance(cause, pg_errors.ForeignKeyViolation):
        field = columns[0] if columns else constraint
        table = str(getattr(diag, "table_name", "") or "")
        if "is still referenced" in detail_text:
            return problem(
                409,
                "Still referenced",
                f"other records still refer to this {_TABLE_NOUNS.get(table, 'record')}",
                slug="conflict",
            )
        referenced = re.search(r'table "([a-z_]+)"', detail_text)
        noun = _TABLE_NOUNS.get(referenced.group(1), "record") if referenced else "record"
        message = f"no {noun} with this id"
        return problem(
            422,
            "Invalid value",
            f"{field}: {message}",
            slug="validation-error",
            errors=[{"field": field, "in": "body", "message": message}],
        )
    if isinstance(cause, pg_errors.UniqueViolation):
        return problem(
            409,
            "Conflict",
            f"another record already has this {', '.join(columns) or 'value'}",
            slug="conflict",
        )
    if isinstance(cause, pg_errors.NotNullViolation):
        field = str(getattr(diag, "column_name", "") or "body")
        return problem(
            422,
            "Invalid value",
            f"{field}: a value is required",
            slug="validation-error",
            errors=[{"field": field, "in": "body", "message": "a value is required"}],
        )
    return problem(
        422,
        "Invalid value",
        f"a value breaks the rule {constraint or 'of the database'}",
        slug="validation-error",
        errors=[{"field": constraint or "body", "in": "body", "message": "not allowed"}],
    )


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IntegrityError)
    log.info("constraint refused a write: %s", type(exc.orig).__name__)
    return _constraint_problem(exc)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", type(exc).__name__)
    return problem(
        503,
        "Database unavailable",
        "the database did not answer in time; retry shortly",
        slug="database-unavailable",
        headers={"Retry-After": "2"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = request.scope.get(REQUEST_ID_SCOPE_KEY)
    # The route template, not the URL: a path can carry a phone or a name.
    log.exception(
        "unhandled error on %s %s",
        request.method,
        route_template(request.scope),
        extra={"fields": {"request_id": request_id}},
    )
    return problem(
        500,
        "Internal error",
        "an unexpected error occurred; it has been logged with the request id",
        headers={"X-Request-ID": request_id} if request_id else None,
        request_id=request_id,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Route every kind of failure to a problem+json answer."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _unstorable_value)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(PoolTimeout, _database_unavailable)
    app.add_exception_handler(DBAPIError, _unexpected)
    app.add_exception_handler(Exception, _unexpected)
