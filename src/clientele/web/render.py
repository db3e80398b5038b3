"""Jinja2 templates and the one function pages answer with."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from clientele.auth.domain import Role
from clientele.auth.sessions import WebSession
from clientele.auth.users import User
from clientele.web import format as fmt

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.filters.update(
    ist=fmt.ist, phone=fmt.phone, show=fmt.show, label=fmt.label, picker=fmt.picker_value
)


def can(user: User | None, role: str) -> bool:
    """In templates: may this user do what `role` may (shows or hides links and forms)."""
    return user is not None and user.role.allows(Role(role))


TEMPLATES.env.globals.update(can=can)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(
    request: Request,
    template: str,
    session: WebSession | None,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page (or an htmx fragment) with the user, their CSRF token and `context`.

    Pages of a logged-in user are `no-store`: personal data must not stay in caches, and the
    back button after logout must not show it.
    """
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "user": session.user if session else None,
            "csrf_token": session.csrf_token if session else "",
            **context,
        },
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store" if session else "no-cache"
    response.headers["Vary"] = "Cookie, HX-Request"
    return response
