"""FastAPI dependencies, as `Annotated` aliases so every route's needs show in its signature."""

import re
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from clientele.audit import repository as audit
from clientele.audit import trail
from clientele.auth.domain import Actor, Role
from clientele.auth.service import TokenAuthenticator
from clientele.errors import DomainError, Forbidden, PreconditionRequired, Unauthenticated
from clientele.replicas import ReplicaRouter, client_lsn
from clientele.uow import EngineUnitOfWork, UnitOfWork
from clientele.validation import ETAG_PATTERN, documented

# The actor of a refused request that named no valid token.
ANONYMOUS = "anonymous"

_bearer = HTTPBearer(auto_error=False, description="An API token from `clientele tokens create`.")


# Scope key shared with `clientele.transactions.RequestTransactionMiddleware`: the request's
# own unit-of-work factory (savepoints in the request's transaction under an Idempotency-Key).
REQUEST_UOW_FACTORY = "clientele.uow_factory"


async def get_uow(request: Request) -> UnitOfWork:
    """A fresh unit of work for this request.

    `async` although it awaits nothing: FastAPI runs a plain `def` dependency in a worker
    thread, and that hop (thread switch, GIL hand-over) cost every request more than the rest
    of the dependencies together (docs/performance.md).

    When the request runs inside a request-wide transaction (an Idempotency-Key), the unit of
    work is a savepoint in it, so the stored answer commits together with the request's writes
    (and the audit events the services write through it).
    """
    factory = request.scope.get(REQUEST_UOW_FACTORY) or request.app.state.uow_factory
    uow: UnitOfWork = factory()
    return uow


UoW = Annotated[UnitOfWork, Depends(get_uow)]


async def get_read_uow(request: Request) -> UnitOfWork:
    """A unit of work for a read that may be slightly stale (search, lists, history, reports):
    on a read replica that has replayed the caller's own writes, else on the primary."""
    replicas: ReplicaRouter | None = request.app.state.replicas
    if replicas is not None and REQUEST_UOW_FACTORY not in request.scope:
        wrote = client_lsn(dict(request.headers), request.headers.get("cookie"))
        replica = await replicas.choose(wrote)
        if replica is not None:
            return EngineUnitOfWork(replica.engine)
    return await get_uow(request)


ReadUoW = Annotated[UnitOfWork, Depends(get_read_uow)]


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def _authenticate(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send `Authorization: Bearer <token>`")
    authenticator: TokenAuthenticator = request.app.state.authenticator
    return await authenticator.authenticate(credentials.credentials)


async def current_actor(request: Request, credentials: Credentials) -> Actor:
    """The caller named by the bearer token. Raises Unauthenticated."""
    return await _authenticate(request, credentials)


async def audit_refusal(request: Request, *, actor: str, status: int) -> None:
    """Record an admin operation refused before its service ran (no token, or not an admin),
    in a transaction of its own: the operation asked for (the route's operation id, never
    inferred from the URL), its path parameters, and `denied`."""
    route = request.scope.get("route")
    await trail.record_alone(
        request.app.state.uow_factory(),
        actor=actor,
        action=getattr(route, "name", None) or "unknown",
        outcome=audit.outcome_of(status),
        target={k: str(v) for k, v in request.path_params.items()},
        status=status,
    )


def _requiring(role: Role) -> object:
    # Authenticates itself rather than through `Depends(current_actor)`: each level of
    # dependencies costs FastAPI about as much per request as the token check itself.
    async def check(request: Request, credentials: Credentials) -> Actor:
        actor: Actor | None = None
        try:
            actor = await _authenticate(request, credentials)
            if not actor.role.allows(role):
                raise Forbidden(
                    f"this needs the {role.value} role; your token is {actor.role.value}"
                )
        except (Unauthenticated, Forbidden) as refusal:
            if role is Role.ADMIN:  # the audit trail holds admin actions, refused ones too
                who = actor.label if actor is not None else ANONYMOUS
                await audit_refusal(request, actor=who, status=refusal.status)
            raise
        return actor

    return Depends(check)


Viewer = Annotated[Actor, _requiring(Role.VIEWER)]
Agent = Annotated[Actor, _requiring(Role.AGENT)]
Admin = Annotated[Actor, _requiring(Role.ADMIN)]


class MalformedPrecondition(DomainError):
    status = 400
    slug = "malformed-if-match"
    title = "Malformed If-Match"


def etag(version: int) -> str:
    """The entity tag of a stored version."""
    return f'"{version}"'


# RFC 9110 section 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E
# / obs-text; If-Match is "*" or a comma-separated list of them.
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*')
# No stored version is 0 (versions start at 1): a tag naming no version of ours matches none.
MATCHES_NO_VERSION = 0


def _parse_if_match(value: str) -> int | None:
    """The version an If-Match header names; None for `*`; MATCHES_NO_VERSION for well-formed
    entity tags none of which is a version of ours (a 412, as RFC 9110 says, not a 400).

    If-Match compares strongly, so a weak tag (`W/"3"`) matches nothing; of several tags the
    newest version named is the one compared. Raises MalformedPrecondition for anything else.
    """
    if value.strip() == "*":
        return None
    versions: list[int] = []
    for part in value.split(","):
        match = _ENTITY_TAG.fullmatch(part)
        if match is None:
            raise MalformedPrecondition('If-Match must be an ETag from a GET, e.g. "3", or *')
        weak, opaque = match.groups()
        if not weak and opaque.isascii() and opaque.isdigit() and len(opaque) <= 9:
            versions.append(int(opaque))
    return max(versions, default=MATCHES_NO_VERSION)


async def required_version(
    if_match: Annotated[
        str | None,
        Header(
            description='The `ETag` you read (e.g. `"3"`); a stale one gets 412.',
            json_schema_extra=documented(ETAG_PATTERN),
        ),
    ] = None,
) -> int | None:
    """The version the client last read (None for `*`). Raises PreconditionRequired."""
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the ETag you read, so you cannot overwrite a change you never saw"
        )
    return _parse_if_match(if_match)


async def optional_version(
    if_match: Annotated[
        str | None,
        Header(
            description="Optional `ETag`; when sent, a stale one gets 412.",
            json_schema_extra=documented(ETAG_PATTERN),
        ),
    ] = None,
) -> int | None:
    """The version the client last read, when it sent one."""
    return None if if_match is None else _parse_if_match(if_match)


IfMatch = Annotated[int | None, Depends(required_version)]
OptionalIfMatch = Annotated[int | None, Depends(optional_version)]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Versioned:
    """A write under optimistic concurrency: the version the client read (`If-Match`) in, the
    stored version (`ETag`) out."""

    expected_version: int | None
    response: Response

    def answer(self, version: int, body: T) -> T:
        """BODY, with the `ETag` of the stored VERSION set on the response."""
        self.response.headers["ETag"] = etag(version)
        return body


def _versioned(expected_version: IfMatch, response: Response) -> Versioned:
    return Versioned(expected_version, response)


def _optionally_versioned(expected_version: OptionalIfMatch, response: Response) -> Versioned:
    return Versioned(expected_version, response)


VersionedWrite = Annotated[Versioned, Depends(_versioned)]
OptionallyVersionedWrite = Annotated[Versioned, Depends(_optionally_versioned)]


class UnknownQueryParameters(DomainError):
    """Query parameters the operation does not take (a typo like `cty` would filter nothing)."""

    status = 422
    slug = "validation-error"
    title = "Unknown query parameters"

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            f"this operation takes no query parameter {', '.join(names)}",
            errors=[
                {"field": name, "in": "query", "message": "unknown query parameter"}
                for name in names
            ],
        )


_QUERY_NAMES: dict[int, frozenset[str]] = {}


def _query_names(route: APIRoute) -> frozenset[str]:
    """Every query parameter the route and its dependencies declare (by alias), cached."""
    names = _QUERY_NAMES.get(id(route))
    if names is None:
        found: set[str] = set()
        pending: list[Dependant] = [route.dependant]
        while pending:
            dependant = pending.pop()
            found.update(param.alias for param in dependant.query_params)
            pending.extend(dependant.dependencies)
        names = _QUERY_NAMES[id(route)] = frozenset(found)
    return names


async def reject_unknown_query_parameters(request: Request) -> None:
    """A router dependency: 422 naming each query parameter the operation does not declare.

    Raises UnknownQueryParameters.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _query_names(route))
    if unknown:
        raise UnknownQueryParameters([name[:64] for name in unknown[:10]])


class UnsupportedMediaType(DomainError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def require_json_body(request: Request) -> None:
    """A router dependency: an operation that takes a JSON body answers 415 to a body of
    another type (`text/plain`, a form), instead of a 422 about a missing object.

    Raises UnsupportedMediaType.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return
    content_type = request.headers.get("content-type")
    has_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers
    )
    if content_type is None and not has_body:
        return  # no body at all: the validation error names the missing fields
    if content_type is None or not _is_json(content_type):
        raise UnsupportedMediaType(
            "send the body as JSON with Content-Type: application/json",
            accepted=["application/json"],
        )
