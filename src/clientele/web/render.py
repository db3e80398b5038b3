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


# The customer's fields the details card shows, in order, with their labels (the "as of"
# view compares the same ones).
DETAIL_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("customer_type", "Type"),
    ("tier", "Tier"),
    ("primary_phone", "Primary phone"),
    ("secondary_phone", "Secondary phone"),
    ("whatsapp_number", "WhatsApp"),
    ("primary_email", "Email"),
    ("display_name", "Display name"),
    ("address_line1", "Address"),
    ("address_line2", "Address (line 2)"),
    ("city", "City"),
    ("state", "State"),
    ("postal_code", "PIN code"),
    ("country", "Country"),
    ("registration_number", "Registration number"),
    ("tax_id", "Tax id"),
    ("website", "Website"),
    ("preferred_language", "Language"),
    ("preferred_contact_method", "Preferred contact"),
    ("notes", "Notes"),
    ("tags", "Tags"),
    ("status", "Status"),
    ("blocked_reason", "Blocked because"),
)
TEMPLATES.env.globals.update(can=can, detail_fields=DETAIL_FIELDS)


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
