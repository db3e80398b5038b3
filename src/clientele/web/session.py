"""Who is using the web UI: the session cookie, roles, CSRF tokens and form bodies."""

import hmac
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request
from fastapi.responses import Response

from clientele.auth.domain import Role
from clientele.auth.sessions import WebSession, find_session
from clientele.deps import UoW, audit_refusal

SESSION_COOKIE = "clientele_session"
# Before login there is no session to hold a CSRF token, so the login form uses a
# double-submit cookie instead: the form's hidden field must equal this cookie.
LOGIN_CSRF_COOKIE = "clientele_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_BYTES = 64 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"


class LoginRequired(Exception):
    """No live session: the browser is sent to the login page."""


class NotAllowed(Exception):
    """The user's role is below what the page needs."""

    def __init__(self, needed: Role, actual: Role) -> None:
        super().__init__(f"this needs the {needed.value} role; you are {actual.value}")
        self.needed = needed
        self.actual = actual


class CsrfRejected(Exception):
    """A state-changing request without this session's CSRF token (403)."""


class BadForm(Exception):
    """A body that is not a small URL-encoded form (400/413/415)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def is_https(request: Request) -> bool:
    """True when the browser reached us over https (uvicorn applies X-Forwarded-Proto from
    trusted proxies), so cookies get `Secure`."""
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, secret: str, max_age: int) -> None:
    """The session cookie: HttpOnly (no script reads it), SameSite=Lax, Secure over https."""
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )


def set_login_csrf(response: Response, request: Request, token: str) -> None:
    """Set the login form's double-submit token as a short-lived, login-only cookie."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


async def optional_session(request: Request, uow: UoW) -> WebSession | None:
    """The live session named by the cookie, or None (one query; cached per request)."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret or len(secret) > 128:
        return None
    session = await find_session(uow, secret=secret)
    request.state.web_session = session  # for the error pages (clientele.web.errors)
    return session


MaybeSession = Annotated[WebSession | None, Depends(optional_session)]


def _requiring(role: Role) -> object:
    async def check(request: Request, session: MaybeSession) -> WebSession:
        if session is None:
            raise LoginRequired
        if not session.user.role.allows(role):
            if role is Role.ADMIN:  # refused admin actions are audited, as in the API
                await audit_refusal(request, actor=session.user.actor.label, status=403)
            raise NotAllowed(role, session.user.role)
        return session

    return Depends(check)


ViewerSession = Annotated[WebSession, _requiring(Role.VIEWER)]
AgentSession = Annotated[WebSession, _requiring(Role.AGENT)]
AdminSession = Annotated[WebSession, _requiring(Role.ADMIN)]


async def read_form(request: Request) -> dict[str, str]:
    """A URL-encoded form body as a dict (last value wins). Raises BadForm.

    Parsed here rather than with python-multipart: the UI only posts small URL-encoded forms,
    and accepting nothing else keeps multipart parsing (and its dependency) out of the app.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise BadForm(415, f"send the form as {FORM_TYPE}")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_FORM_BYTES):
        raise BadForm(413, "the form is too large")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise BadForm(413, "the form is too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadForm(400, "the form is not UTF-8") from None
    pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=200)
    # PostgreSQL text cannot hold NUL; a form never legitimately sends one.
    return {key: value.replace("\x00", "") for key, value in pairs}


def tokens_match(expected: str, given: str | None) -> bool:
    """Constant-time comparison of CSRF tokens."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


async def checked_form(request: Request, session: MaybeSession) -> dict[str, str]:
    """The posted form of a logged-in user, after checking its CSRF token (from the hidden
    field, or the X-CSRF-Token header htmx sends). Raises LoginRequired, CsrfRejected."""
    if session is None:
        raise LoginRequired
    header = request.headers.get(CSRF_HEADER)
    try:
        form = await read_form(request)
    except BadForm:
        if not tokens_match(session.csrf_token, header):
            raise CsrfRejected from None  # no token anywhere: refuse as CSRF first
        raise
    given = form.pop(CSRF_FIELD, None) or header
    if not tokens_match(session.csrf_token, given):
        raise CsrfRejected
    request.state.web_form = form  # an error page shows what the person typed
    return form


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]
