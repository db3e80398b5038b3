"""Security headers for the web UI's answers (pure ASGI middleware, so streaming is untouched)."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Scripts and styles only from our own /static: no inline script, no inline style, no eval
# (htmx runs with allowEval off), nothing framed, forms post only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)
# The API and its Swagger pages (which load their own scripts) keep their own rules; every
# other path is the web UI and gets the full policy.
_NOT_WEB = ("/api/", "/docs", "/redoc", "/openapi.json")


class SecurityHeaders:
    """Adds nosniff, Referrer-Policy and X-Frame-Options to every answer, and the CSP (with
    `frame-ancestors 'none'`) to web UI pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        web = not path.startswith(_NOT_WEB)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = list(COMMON_HEADERS)
                if web:
                    extra.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                headers += [(name, value) for name, value in extra if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
