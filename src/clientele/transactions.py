"""Request-wide transactions for API POSTs with an Idempotency-Key.

A pure ASGI middleware, so no route module changes: when an API POST carries an
`Idempotency-Key`, the whole request runs in one database transaction. The routes' units of
work become savepoints in it (`deps.get_uow`), and before it commits the middleware adds the
stored answer (`clientele.idempotency`). So a write (with the audit event its service wrote
through the same unit of work, `clientele.audit.trail`) and its stored answer are durable
together or not at all; a crash anywhere before the commit leaves nothing, and the retry runs
afresh. Auditing is not done here: the services do it, so every way in is audited alike.
"""

import logging
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clientele import idempotency
from clientele.auth.domain import Actor
from clientele.deps import REQUEST_UOW_FACTORY
from clientele.errors import Unauthenticated
from clientele.idempotency import repository as idempotency_keys
from clientele.openapi import problem_response
from clientele.problems import problem
from clientele.uow import SavepointUnitOfWork, UnitOfWork

log = logging.getLogger(__name__)

_DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


async def _send_problem(send: Send, status: int, title: str, detail: str, **extra: Any) -> None:
    response = problem(status, title, detail, slug=extra.pop("slug", "validation-error"), **extra)
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


async def _unavailable(send: Send) -> None:
    response = problem(
        503,
        "Database unavailable",
        "the database did not answer in time; retry shortly",
        slug="database-unavailable",
        headers={"Retry-After": "2"},
    )
    await send({"type": "http.response.start", "status": 503, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


class RequestTransactionMiddleware:
    """Idempotency keys: a keyed POST, its stored answer and its writes in one transaction."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = None
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"].startswith("/api/")
        ):
            key = _header(scope, b"idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        if not idempotency.valid_key(key):
            await _send_problem(
                send,
                422,
                "Invalid Idempotency-Key",
                "Idempotency-Key must be 1-255 visible ASCII characters, e.g. a UUID",
                errors=[{"field": "Idempotency-Key", "in": "header", "message": "invalid key"}],
            )
            return
        caller = await self._caller(scope)
        if caller is None:  # no valid token: the route answers 401; nothing to key on
            await self.app(scope, receive, send)
            return
        await self._in_transaction(scope, receive, send, key=key, caller=caller)

    async def _caller(self, scope: Scope) -> str | None:
        """Who is calling, for scoping keys; None when the token is missing or bad (the route
        then answers 401 itself, and nothing is stored)."""
        authorization = _header(scope, b"authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            actor: Actor = await scope["app"].state.authenticator.authenticate(token.strip())
        except Unauthenticated:
            return None
        return actor.label

    async def _in_transaction(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        key: str,
        caller: str,
    ) -> None:
        state = scope["app"].state
        body = await _read_body(receive)
        receive = _replay(body, receive)
        try:
            outer: UnitOfWork = state.uow_factory()
            await outer.__aenter__()
        except _DATABASE_DOWN:
            await _unavailable(send)
            return
        open_ = True
        app_failed = False

        async def close() -> None:
            # Leaving without a commit rolls back; on a dead connection that can fail too.
            nonlocal open_
            if open_:
                open_ = False
                try:
                    await outer.__aexit__(None, None, None)
                except _DATABASE_DOWN:
                    log.warning("could not roll back or release a request's connection")

        try:
            request_hash = idempotency.fingerprint(
                scope["method"],
                scope["path"],
                scope.get("query_string", b""),
                _header(scope, b"content-type") or "",
                body,
            )
            if not await idempotency_keys.try_lock(outer.connection, caller=caller, key=key):
                await close()
                await _send_problem(
                    send,
                    409,
                    "Request in progress",
                    "a request with this Idempotency-Key is still running; retry shortly",
                    slug="idempotency-key-in-use",
                    headers={"Retry-After": "1"},
                )
                return
            stored = await idempotency_keys.find(outer.connection, caller=caller, key=key)
            if stored is not None:
                await outer.commit()  # keeps the clean-up of expired keys
                await close()
                await _answer_again(send, stored, request_hash)
                return

            connection = outer.connection
            scope[REQUEST_UOW_FACTORY] = lambda: SavepointUnitOfWork(connection)
            messages: list[Message] = []

            async def keep(message: Message) -> None:
                messages.append(message)

            try:
                await self.app(scope, receive, keep)
            except BaseException:
                app_failed = True
                await close()
                raise
            start = next(m for m in messages if m["type"] == "http.response.start")
            status: int = start["status"]
            if status >= 500:
                # Nothing half-written: whatever the request did is rolled back with it.
                await close()
                await _send_all(send, messages)
                return
            if 200 <= status < 300:
                await idempotency_keys.save(
                    outer.connection,
                    caller=caller,
                    key=key,
                    request_hash=request_hash,
                    status_code=status,
                    headers=start.get("headers", []),
                    body=b"".join(m.get("body", b"") for m in messages[1:]),
                    ttl=timedelta(seconds=state.settings.idempotency_ttl_s),
                )
            await outer.commit()
        except _DATABASE_DOWN:
            if app_failed:
                raise  # the route's own error: its handlers answer it
            # Before the commit succeeded: nothing was written, and an answer that promised a
            # write must not be sent.
            await close()
            await _unavailable(send)
            return
        finally:
            await close()
        await _send_all(send, messages)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, original: Receive) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()  # after the body: waits for the client to go away

    return receive


async def _send_all(send: Send, messages: list[Message]) -> None:
    for message in messages:
        await send(message)


async def _answer_again(send: Send, stored: idempotency.StoredAnswer, request_hash: bytes) -> None:
    if stored.request_hash != request_hash:
        await _send_problem(
            send,
            422,
            "Idempotency-Key reused",
            "this Idempotency-Key was used for a different request; use a new key",
            slug="idempotency-key-reused",
            errors=[
                {"field": "Idempotency-Key", "in": "header", "message": "used for another request"}
            ],
        )
        return
    await send(
        {
            "type": "http.response.start",
            "status": stored.status_code,
            "headers": idempotency.replay_headers(stored),
        }
    )
    await send({"type": "http.response.body", "body": stored.body})


def document_idempotency(app: FastAPI) -> None:
    """Describe the Idempotency-Key header (and its 409/413 answers) on every API POST in the
    OpenAPI document; the middleware, not the routes, implements it."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = build()
        for path, operations in document.get("paths", {}).items():
            post = operations.get("post")
            if not path.startswith("/api/") or post is None:
                continue
            post.setdefault("parameters", []).append(
                {
                    "name": idempotency.HEADER,
                    "in": "header",
                    "required": False,
                    "description": "Any unique string (e.g. a UUID). A retry with the same key "
                    "and body gets the first answer (`Idempotent-Replayed: true`) and writes "
                    "nothing; the same key with another body is a 422; while the first request "
                    "runs, 409. Keys are per caller and kept 24 hours.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                }
            )
            responses = post.setdefault("responses", {})
            for status, description in (
                ("409", "A request with this Idempotency-Key is still running."),
                ("413", "The request body is too large."),
            ):
                responses.setdefault(status, problem_response(description))
        return document

    app.openapi = openapi  # type: ignore[method-assign]
