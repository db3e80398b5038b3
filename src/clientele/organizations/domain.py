"""The organization: a named group of customers (a hospital chain, a dealer network).

Pure Python: no web framework, no database.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from clientele.errors import InvalidValue

NAME_MAX_LENGTH = 500  # organizations.name is VARCHAR(500)
EDITABLE_FIELDS = frozenset({"name"})


def clean_name(name: object) -> str:
    """The name trimmed. Raises InvalidValue (field `name`) when missing, blank or too long."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidValue("name", "name is required")
    cleaned = name.strip()
    if len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidValue("name", f"name is longer than {NAME_MAX_LENGTH} characters")
    return cleaned


@dataclass(slots=True)
class Organization:
    """A stored organization. It has no version: a rename is last-writer-wins."""

    id: UUID
    name: str
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def new(cls, *, name: str) -> "Organization":
        """A new organization. Raises InvalidValue when the name is blank or too long."""
        return cls(id=uuid4(), name=clean_name(name))

    def update_details(self, changes: Mapping[str, Any]) -> set[str]:
        """Apply a partial update; return the fields that changed. Raises InvalidValue."""
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise InvalidValue(sorted(unknown)[0], "not an editable field")
        changed: set[str] = set()
        if "name" in changes:
            name = clean_name(changes["name"])
            if name != self.name:
                self.name = name
                changed.add("name")
        return changed


def like_pattern(text: str) -> str:
    r"""A LIKE/ILIKE pattern matching `text` anywhere, its % _ \ taken literally (ESCAPE '\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
