"""Pages and their cursors, one shape for every list: `Page[T]` (items and the cursor of the
next page) and one codec for the opaque cursor tokens (URL-safe base64 of a JSON array)."""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from clientele.errors import InvalidValue

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list; `next_cursor` is None on the last page."""

    items: list[T]
    next_cursor: str | None


def page(rows: Sequence[T], limit: int, cursor_after: Callable[[T], str]) -> Page[T]:
    """The first LIMIT of ROWS, read as `limit + 1` rows: one more means a next page, which
    starts after the last item shown (`cursor_after(item)` gives its token)."""
    items = list(rows[:limit])
    return Page(items=items, next_cursor=cursor_after(items[-1]) if len(rows) > limit else None)


def encode_token(values: Sequence[Any]) -> str:
    """An opaque, URL-safe token holding VALUES (JSON); clients must not build or parse it."""
    raw = json.dumps(list(values)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, length: int) -> list[Any]:
    """The LENGTH values of a token from `encode_token`. Raises InvalidValue (field `cursor`)
    for anything else."""
    try:
        padded = token + "=" * (-len(token) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidValue("cursor", "not a cursor this server issued") from exc
    if not isinstance(values, list) or len(values) != length:
        raise InvalidValue("cursor", "not a cursor this server issued")
    return values


def aware_time(value: Any) -> datetime:
    """A cursor's ISO time with its zone. Raises ValueError (or TypeError) otherwise."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("naive time")
    return moment


@dataclass(frozen=True, slots=True)
class Cursor:
    """The sort key of the last row of a page; the next page starts strictly after it."""

    created_at: datetime
    id: UUID

    @classmethod
    def after(cls, created_at: datetime | None, id: UUID) -> str:
        """The token of the page after a row read back (such a row always has created_at)."""
        assert created_at is not None
        return cls(created_at=created_at, id=id).encode()

    def encode(self) -> str:
        """An opaque, URL-safe token; clients must not build or parse it."""
        return encode_token([self.created_at.isoformat(), str(self.id)])

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        """Parse a token from `encode`. Raises InvalidValue (field `cursor`) for anything else."""
        created_at, id_ = decode_token(token, 2)
        try:
            return cls(created_at=aware_time(created_at), id=UUID(id_))
        except (ValueError, TypeError, AttributeError) as exc:
            raise InvalidValue("cursor", "not a cursor this server issued") from exc
