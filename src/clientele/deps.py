"""FastAPI dependencies, as `Annotated` aliases so every route's needs show in its signature."""

from typing import Annotated

from fastapi import Depends, Header, Request
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


def _parse_if_match(value: str) -> int | None:
    tag = value.strip()
    if tag == "*":
        return None
    tag = tag.removeprefix("W/")
    if len(tag) >= 3 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
        return int(tag[1:-1])
    raise MalformedPrecondition('If-Match must be an ETag from a GET, e.g. "3", or *')


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
