"""Opaque keyset cursors: a page continues after the last (created_at, id) it showed."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from clientele.errors import InvalidValue


@dataclass(frozen=True, slots=True)
class Cursor:
    """The sort key of the last row of a page; the next page starts strictly after it."""

    created_at: datetime
    id: UUID

    def encode(self) -> str:
        """An opaque, URL-safe token; clients must not build or parse it."""
        raw = json.dumps([self.created_at.isoformat(), str(self.id)]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        """Parse a token from `encode`. Raises InvalidValue (field `cursor`) for anything else."""
        try:
            padded = token + "=" * (-len(token) % 4)
            created_at, id_ = json.loads(base64.urlsafe_b64decode(padded.encode()))
            moment = datetime.fromisoformat(created_at)
            if moment.tzinfo is None:
                raise ValueError("naive time")
            return cls(created_at=moment, id=UUID(id_))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidValue("cursor", "not a cursor this server issued") from exc
