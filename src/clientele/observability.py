"""Structured JSON logs with request ids, and no personal data in them.

Phones, names and e-mails travel in query strings and bodies, so neither is ever logged: the
access line names the route template (`/api/v1/customers/{customer_id}`), not the URL.
"""

import json
import logging
import re
import time
import traceback
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clientele import metrics

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("clientele.access")
REQUEST_ID_SCOPE_KEY = "clientele.request_id"


_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
# One encoder for every line: `json.dumps(..., ensure_ascii=False)` builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False).encode


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extra fields."""

    _stamp: tuple[int, str] = (-1, "")  # the last second formatted, and its text

    def _time(self, record: logging.LogRecord) -> str:
        # Every access line formats the time; within one second the text is the same.
        second = int(record.created)
        stamp = self._stamp
        if stamp[0] != second:
            stamp = self._stamp = (second, self.formatTime(record, _TIME_FORMAT))
        return stamp[1]

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self._time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[0] is not None:
            # The type and where, not the message: messages can quote row values.
            entry["error"] = record.exc_info[0].__name__
            entry["stack"] = "".join(traceback.format_tb(record.exc_info[2]))
        return _encode(entry)


def configure_logging(level: str = "INFO") -> None:
    """Send every log record to stderr as JSON."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def route_template(scope: Scope) -> str:
    """The matched route's template with its routers' prefixes, e.g. /api/v1/customers/{id}.

    Nested routers report the template relative to their prefix; the prefix is the leading
    segments of the concrete path that the template does not cover (parameters never hold /).
    """
    route = scope.get("route")
    template: str | None = getattr(route, "path_format", None)
    if not template:
        return "unmatched"
    segments = scope["path"].rstrip("/").split("/")
    prefix = "/".join(segments[: len(segments) - len(template.rstrip("/").split("/")) + 1])
    return prefix + template


class RequestLogMiddleware:
    """Gives each request an id (a valid incoming X-Request-ID is kept) and logs one line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        # The handler of unexpected errors runs outside every middleware, after the context
        # variable is reset: it reads the id from the scope it shares with this request.
        scope[REQUEST_ID_SCOPE_KEY] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = route_template(scope)
            seconds = time.perf_counter() - started
            metrics.observe_request(scope["method"], route, status, seconds)
            access_log.info(
                "request",
                extra={
                    "fields": {
                        "request_id": request_id,
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                    }
                },
            )
            request_id_var.reset(token)
