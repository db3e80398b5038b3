"""Every refusal a page meets, rendered once as an HTML page with its status.

`WebRoute` is the route class of every page: a `DomainError` raised by a service (or by a
page while reading its URL) becomes the error page with the error's own status (404 for
NotFound, 409 Conflict, 412 a stale version, 422 an invalid value...), as `problems.py` turns
the same errors into problem+json for the API. A form's own refusals (a field's message next
to the field) stay with the page that shows the form. The session's refusals (no login, a role
too low, a form without its CSRF token, a body that is no small form) are the app's exception
handlers below.

What a person typed is never dropped: an error page answering a form shows the fields they
filled in, so nothing has to be typed twice from memory.
"""

from collections.abc import Callable, Coroutine, Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from clientele.errors import DomainError
from clientele.web.format import sentence
from clientele.web.render import is_htmx, render
from clientele.web.session import BadForm, NotAllowed

# Form fields that carry the page's state rather than anything a person typed.
NOT_TYPED = frozenset(
    {"version", "customer_id", "action", "confirm", "confirm_new", "members", "survivor", "next"}
)


def typed_values(form: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """The fields of a posted form that a person filled in, in the form's order."""
    if not form:
        return []
    return [(name, value) for name, value in form.items() if name not in NOT_TYPED and value]


def error_page(request: Request, exc: DomainError) -> HTMLResponse:
    """The HTML page for a refusal: its title, its message and its HTTP status."""
    return render(
        request,
        "error.html",
        getattr(request.state, "web_session", None),
        status=exc.status,
        title=exc.title,
        message=sentence(exc.detail),
        typed=typed_values(getattr(request.state, "web_form", None)),
    )


class WebRoute(APIRoute):
    """A page: its DomainErrors are answered by `error_page` (the API's stay problem+json)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_or_error(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as exc:
                return error_page(request, exc)

        return page_or_error


async def login_required(request: Request, exc: Exception) -> Response:
    if is_htmx(request):
        # htmx follows HX-Redirect with a full page load, not a swap of the login form.
        return Response(status_code=204, headers={"HX-Redirect": "/login"})
    location = "/login"
    if request.method == "GET" and request.url.path != "/":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location += "?" + urlencode({"next": target})
    return RedirectResponse(location, status_code=303)


async def not_allowed(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, NotAllowed)
    return render(
        request, "error.html", None, status=403, title="Not allowed for your role",
        message=f"This needs the {exc.needed.value} role; you are {exc.actual.value}.",
    )  # fmt: skip


async def csrf_rejected(request: Request, exc: Exception) -> HTMLResponse:
    return render(
        request, "error.html", None, status=403, title="Form refused",
        message="The form did not carry this session's security token (it may be from an "
        "old page, or from another site). Reload the page and try again.",
    )  # fmt: skip


async def bad_form(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, BadForm)
    return render(
        request, "error.html", None, status=exc.status, title="Form refused", message=str(exc)
    )
