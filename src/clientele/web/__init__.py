"""The agents' web UI (issue #8): server-rendered pages with Jinja2 and htmx, at `/`.

A module per feature, each a thin adapter over the same services as the API: `auth` (login,
logout), `search`, `customers` (the customer page, its forms, block, activate), `contacts`,
`equipment`, `tickets`, `reports`, `duplicates` (the likely-duplicates panel, the queue,
merge, undo). `errors` renders every refusal once; `pages` holds what they share.
"""

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from clientele.web import (
    auth,
    contacts,
    customers,
    duplicates,
    equipment,
    errors,
    reports,
    search,
    tickets,
)
from clientele.web.security import SecurityHeaders
from clientele.web.session import BadForm, CsrfRejected, LoginRequired, NotAllowed

STATIC_DIR = Path(__file__).parent / "static"

# The fixed paths (/customers/new, /customers/likely-duplicates) come before the customer
# page's /customers/{customer_id}, which would take them otherwise.
PAGES = (auth, search, duplicates, customers, contacts, equipment, tickets, reports)


def web_routes() -> APIRouter:
    """Every page, mounted by one router."""
    router = APIRouter(include_in_schema=False)
    for feature in PAGES:
        router.include_router(feature.router)
    return router


def install_web(app: FastAPI) -> None:
    """Add the web UI to the app: its pages, /static, error pages and security headers."""
    app.include_router(web_routes())
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(LoginRequired, errors.login_required)
    app.add_exception_handler(NotAllowed, errors.not_allowed)
    app.add_exception_handler(CsrfRejected, errors.csrf_rejected)
    app.add_exception_handler(BadForm, errors.bad_form)
    app.add_middleware(SecurityHeaders)
