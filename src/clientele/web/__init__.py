"""The agents' web UI (issue #8): server-rendered pages with Jinja2 and htmx, at `/`."""

from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from clientele.web.records import router as records_router
from clientele.web.render import is_htmx, render
from clientele.web.routes import router
from clientele.web.security import SecurityHeaders
from clientele.web.session import BadForm, CsrfRejected, LoginRequired, NotAllowed

STATIC_DIR = Path(__file__).parent / "static"


async def _login_required(request: Request, exc: Exception) -> Response:
    if is_htmx(request):
        # htmx follows HX-Redirect with a full page load, not a swap of the login form.
        return Response(status_code=204, headers={"HX-Redirect": "/login"})
    location = "/login"
    if request.method == "GET" and request.url.path != "/":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location += "?" + urlencode({"next": target})
    return RedirectResponse(location, status_code=303)


async def _not_allowed(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, NotAllowed)
    return render(
        request, "error.html", None, status=403, title="Not allowed for your role",
        message=f"This needs the {exc.needed.value} role; you are {exc.actual.value}.",
    )  # fmt: skip


async def _csrf_rejected(request: Request, exc: Exception) -> HTMLResponse:
    return render(
        request, "error.html", None, status=403, title="Form refused",
        message="The form did not carry this session's security token (it may be from an "
        "old page, or from another site). Reload the page and try again.",
    )  # fmt: skip


async def _bad_form(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, BadForm)
    return render(
        request, "error.html", None, status=exc.status, title="Form refused", message=str(exc)
    )


def install_web(app: FastAPI) -> None:
    """Add the web UI to the app: its pages, /static, error pages and security headers."""
    app.include_router(router)
    app.include_router(records_router)  # contacts and equipment on the customer page
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(NotAllowed, _not_allowed)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)
    app.add_exception_handler(BadForm, _bad_form)
    app.add_middleware(SecurityHeaders)
