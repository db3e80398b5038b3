"""Change events: what the outbox holds and how one is shown (the feed and webhooks alike).

Pure Python: no web framework, no database.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from clientele.errors import InvalidValue

# Every type the triggers of revision 0007 write (and `customer.erased`, written by erasure).
EVENT_TYPES = (
    "customer.created",
    "customer.updated",
    "customer.blocked",
    "customer.activated",
    "customer.merged",
    "customer.merge_undone",
    "customer.erased",
    "customer.deleted",
    "contact.created",
    "contact.updated",
    "contact.deleted",
    "ticket.created",
    "ticket.updated",
    "ticket.deleted",
    "equipment.linked",
    "equipment.unlinked",
)
ENTITY_WILDCARDS = tuple(sorted({t.split(".")[0] + ".*" for t in EVENT_TYPES}))


@dataclass(frozen=True, slots=True)
class Event:
    """One committed change. `sequence` counts the customer's events (1, 2, ...); `position`
    is the event's place in the feed (commit order)."""

    id: int
    position: int
    type: str
    occurred_at: datetime
    customer_id: UUID
    sequence: int
    entity_type: str
    entity_id: UUID
    source: str
    data: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The event as the feed and webhooks show it (JSON-ready)."""
        return {
            "id": self.id,
            "position": self.position,
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat(),
            "customer_id": str(self.customer_id),
            "sequence": self.sequence,
            "entity": {"type": self.entity_type, "id": str(self.entity_id)},
            "source": self.source,
            "changes": dict(self.data.get("changes") or {}),
            "merge": self.data.get("merge"),
            "equipment": self.data.get("equipment"),
            "erased_fields": self.data.get("fields"),
        }


def message_id(event_id: int) -> str:
    """The `webhook-id` of an event's deliveries: the same on every retry and replay."""
    return f"evt_{event_id}"


def parse_types(values: Iterable[str]) -> tuple[str, ...]:
    """Event types to filter on: names from EVENT_TYPES or `<entity>.*`, comma-separated or
    repeated. Raises InvalidValue (field `types`) for an unknown one."""
    found: list[str] = []
    for value in values:
        for item in value.split(","):
            name = item.strip()
            if not name:
                continue
            if name not in EVENT_TYPES and name not in ENTITY_WILDCARDS:
                raise InvalidValue(
                    "types", f"unknown event type {name!r}; known: {', '.join(EVENT_TYPES)}"
                )
            if name not in found:
                found.append(name)
    return tuple(found)


def expand_types(types: Iterable[str]) -> tuple[str, ...]:
    """Concrete type names for a filter (wildcards expanded)."""
    result: list[str] = []
    for name in types:
        matches = [t for t in EVENT_TYPES if name == t or name == t.split(".")[0] + ".*"]
        result.extend(m for m in matches if m not in result)
    return tuple(result)


def parse_cursor(value: str | None) -> int:
    """The feed position to read after (`next_cursor` of an earlier read; none: the oldest
    kept event). Raises InvalidValue (field `after`)."""
    if value is None or value == "":
        return 0
    if not value.isdigit() or len(value) > 18:
        raise InvalidValue("after", "after must be a next_cursor from an earlier read")
    return int(value)
