"""What every list route shares: its `limit` and `cursor` query parameters, and the answer
built from a `Page` (each item turned into its read model, the next page's cursor)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query

from clientele.pagination import Cursor, Page

T = TypeVar("T")
PageT = TypeVar("PageT")

Limit = Annotated[int, Query(ge=1, le=200, description="Page size (max 200).")]
PageCursor = Annotated[str | None, Query(max_length=200, description="From `next_cursor`.")]


def cursor_from(token: str | None) -> Cursor | None:
    """The cursor a `cursor` query parameter names (InvalidValue if it is not ours), or None."""
    return Cursor.decode(token) if token else None


@dataclass(frozen=True, slots=True)
class PageRequest:
    """The page a list request asks for: its size and the raw `cursor` token."""

    limit: int
    token: str | None

    @property
    def cursor(self) -> Cursor | None:
        """The decoded cursor; decoded when the route asks, after FastAPI's own validation."""
        return cursor_from(self.token)


def _page_request(limit: Limit = 50, cursor: PageCursor = None) -> PageRequest:
    return PageRequest(limit=limit, token=cursor)


# `limit` (default 50) and `cursor`, as one route parameter.
Paging = Annotated[PageRequest, Depends(_page_request)]


def page_read(model: Callable[..., PageT], page: Page[T], item: Callable[[T], Any]) -> PageT:
    """MODEL (a `...PageRead`) holding the page's items, each read with ITEM."""
    return model(items=[item(row) for row in page.items], next_cursor=page.next_cursor)
