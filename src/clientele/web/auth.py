"""Logging in and out of the web UI."""

import secrets

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from clientele.auth.ratelimit import TooManyLoginAttempts, begin_attempt, login_limits
from clientele.auth.ratelimit import succeeded as login_succeeded
from clientele.auth.sessions import SESSION_LIFETIME, end_session, start_session
from clientele.auth.users import authenticate_user
from clientele.deps import UoW
from clientele.web.pages import redirect, safe_next, web_router
from clientele.web.render import render
from clientele.web.search import SearchText
from clientele.web.session import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CheckedForm,
    CsrfRejected,
    MaybeSession,
    clear_session_cookie,
    read_form,
    set_login_csrf,
    set_session_cookie,
    tokens_match,
)

router = web_router()


def _login_form(
    request: Request, *, next: str, status: int = 200, username: str = "", error: str = ""
) -> HTMLResponse:
    """The login form with a fresh double-submit token (in the form and its cookie)."""
    token = secrets.token_urlsafe(32)
    response = render(
        request, "login.html", None, status=status, login_csrf=token, next=next,
        username=username, error=error,
    )  # fmt: skip
    set_login_csrf(response, request, token)
    return response


@router.get("/login")
async def login_page(request: Request, session: MaybeSession, next: SearchText = "/") -> Response:
    if session is not None:
        return redirect(safe_next(next))
    return _login_form(request, next=safe_next(next))


@router.post("/login")
async def login(request: Request, uow: UoW) -> Response:
    form = await read_form(request)
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE, ""), form.get("csrf_token")):
        raise CsrfRejected
    target = safe_next(form.get("next"))
    username = form.get("username", "")[:200]
    try:
        attempt = await begin_attempt(
            uow,
            username=username,
            client_ip=request.client.host if request.client else "unknown",
            limits=login_limits(request.app.state.settings),
        )
    except TooManyLoginAttempts as exc:
        response = _login_form(
            request, next=target, status=429, username=username,
            error="Too many failed logins. Wait 15 minutes, or ask an admin.",
        )  # fmt: skip
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    user = await authenticate_user(uow, username=username, password=form.get("password", ""))
    if user is None:
        return _login_form(
            request, next=target, status=401, username=username,
            error="Wrong username or password.",
        )  # fmt: skip
    await login_succeeded(uow, attempt=attempt)
    secret, _ = await start_session(uow, user=user)
    opened = redirect(target)
    set_session_cookie(opened, request, secret, int(SESSION_LIFETIME.total_seconds()))
    opened.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return opened


@router.post("/logout")
async def logout(request: Request, uow: UoW, form: CheckedForm) -> Response:
    await end_session(uow, secret=request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/login")
    clear_session_cookie(response, request)
    return response
