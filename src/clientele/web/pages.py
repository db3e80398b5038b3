"""What every page module shares: the router class, redirects, ids from the URL, form text."""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from clientele.errors import NotFound
from clientele.web.errors import WebRoute


def web_router() -> APIRouter:
    """A router for pages: out of the OpenAPI document, DomainErrors rendered as HTML pages."""
    return APIRouter(include_in_schema=False, route_class=WebRoute)


def redirect(url: str) -> RedirectResponse:
    """See other: where a form goes after it was handled (the back button cannot resend it)."""
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//host` or an absolute URL (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def id_in_url(raw: str, what: str) -> UUID:
    """The id a page's URL (or form) names. Raises NotFound (a 404 page) when it is no id."""
    try:
        return UUID(raw)
    except ValueError:
        raise NotFound(f"there is no {what} with this id") from None


def expected_version(form: Mapping[str, str]) -> int | None:
    """The version the form was opened at (optimistic concurrency), if it carried one."""
    raw = form.get("version", "")
    return int(raw) if raw.isdigit() else None


def blank_is_none(form: Mapping[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    """The form's `names` that it sent, a blank one as None (which clears an optional field)."""
    return {name: (form.get(name, "").strip() or None) for name in names if name in form}


def one_line(errors: Mapping[str, str]) -> str:
    """Field messages for a section of a page that has no field of its own to show them by."""
    return "; ".join(f"{field.replace('_', ' ')}: {text}" for field, text in errors.items())
