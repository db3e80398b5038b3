"""Request limits: body size (413 problem+json), no NUL in query strings (422), and CORS
(closed unless configured)."""

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clientele.config import Settings
from clientele.problems import problem

# Routes with a limit of their own, which they enforce themselves with a clearer message; the
# middleware still stops a body beyond it.
LARGER_BODIES = {"/api/v1/customers/import": 20 * 1024 * 1024}


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body without a (truthful) Content-Length grows too large;
    an HTTPException so that FastAPI's body parsing passes it on unchanged (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodySizeLimit:
    """Refuses bodies over `max_bytes` (per path, see LARGER_BODIES) with 413 problem+json:
    at once when Content-Length says so, else as soon as the streamed body passes the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = LARGER_BODIES.get(scope["path"].rstrip("/"), self.max_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            response = problem(
                413,
                "Request body too large",
                f"the request body is larger than {limit} bytes",
                slug="payload-too-large",
            )
            await response(scope, receive, send)
            return
        received = 0
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited, watch)
        except BodyTooLarge as exc:
            # Raised where nothing turned it into an answer (e.g. a middleware buffering the
            # body); a route's own reading is answered by the HTTPException handler instead.
            if started:
                raise
            response = problem(413, "Request body too large", exc.detail, slug="payload-too-large")
            await response(scope, receive, send)


class NulInQuery:
    """Refuses a query string holding a NUL character (`%00`) with 422 problem+json.

    PostgreSQL text cannot hold NUL, so no parameter may contain one; refusing it here, before
    any route runs, also covers streamed answers (the CSV export), which have sent their 200
    before the query that would fail runs (found by fuzzing: `export?city=%00` cut the answer).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"%00" in scope.get("query_string", b""):
            response = problem(
                422,
                "Invalid value",
                "a query parameter contains a NUL character",
                slug="validation-error",
                errors=[{"field": "query", "in": "query", "message": "contains a NUL character"}],
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install_body_limit(app: FastAPI, settings: Settings) -> None:
    """Refuse bodies over CLIENTELE_MAX_BODY_BYTES (the CSV import has its own 20 MiB), and
    NUL characters in query strings."""
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(NulInQuery)


def install_cors(app: FastAPI, settings: Settings) -> None:
    """Add CORS only when CLIENTELE_CORS_ORIGINS names origins; add it last (outermost), so
    preflight requests are answered before anything else.

    Without configured origins no CORS header is ever sent, so browsers keep other sites' pages
    from reading the API (bearer tokens are not sent by browsers on their own anyway).
    """
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
            expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID"],
            max_age=600,
        )
