"""A service ticket and its life cycle: open -> in_progress -> closed, and reopened.

Pure Python: no web framework, no database. Rules here are tested without PostgreSQL.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from clientele.errors import Conflict, InvalidValue

TITLE_MAX = 255
DESCRIPTION_MAX = 20_000
EDITABLE_FIELDS = frozenset({"title", "description", "priority", "status"})


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


# Which status may follow which. A closed ticket is reopened by setting it back to `open`
# (the fault came back); it never jumps straight to in_progress, so a reopen is always visible.
TRANSITIONS: Mapping[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.OPEN: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.CLOSED}),
    TicketStatus.IN_PROGRESS: frozenset({TicketStatus.OPEN, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset({TicketStatus.OPEN}),
}


class InvalidTransition(Conflict):
    """The ticket's current status may not change to the requested one."""

    slug = "invalid-status-transition"
    title = "Status change not allowed"

    def __init__(self, current: TicketStatus, requested: TicketStatus) -> None:
        allowed = sorted(s.value for s in TRANSITIONS[current])
        hint = "; reopen it (status open) first" if current is TicketStatus.CLOSED else ""
        super().__init__(
            f"a {current.value} ticket cannot become {requested.value}{hint}",
            current_status=current.value,
            allowed_statuses=allowed,
        )


class CustomerCannotTakeTickets(InvalidValue):
    """The referenced customer is unknown, blocked or merged: a 422 on `customer_id`.

    `reason` is machine-readable; for a merged customer `merged_into_id` names the survivor.
    """

    def __init__(self, reason: str, detail: str, *, merged_into_id: UUID | None = None) -> None:
        super().__init__("customer_id", detail)
        extra = dict(self.extra)
        extra["reason"] = reason
        if merged_into_id is not None:
            extra["merged_into_id"] = str(merged_into_id)
        self.extra = extra
        self.reason = reason
        self.merged_into_id = merged_into_id


@dataclass(frozen=True, slots=True)
class CustomerStanding:
    """What ticket creation needs to know about the referenced customer."""

    id: UUID
    status: str
    blocked_reason: str | None
    merged_into_id: UUID | None


def check_customer_accepts_tickets(customer_id: UUID, standing: CustomerStanding | None) -> None:
    """Raise CustomerCannotTakeTickets unless the customer exists, is not merged, not blocked.

    Inactive customers may still raise tickets: an old customer calling again is normal work.
    """
    if standing is None:
        raise CustomerCannotTakeTickets("unknown", f"no customer with id {customer_id}")
    if standing.merged_into_id is not None:
        raise CustomerCannotTakeTickets(
            "merged",
            f"customer {customer_id} was merged into {standing.merged_into_id}; "
            "raise the ticket on that customer",
            merged_into_id=standing.merged_into_id,
        )
    if standing.status == "blocked":
        reason = standing.blocked_reason or "no reason recorded"
        raise CustomerCannotTakeTickets(
            "blocked", f"customer {customer_id} is blocked ({reason}); no new tickets"
        )


def check_equipment_belongs(
    customer_id: UUID, equipment_id: UUID, *, exists: bool, owner: UUID | None
) -> None:
    """Raise InvalidValue (`equipment_id`) unless the equipment exists and is the customer's."""
    if not exists:
        raise InvalidValue("equipment_id", f"no equipment with id {equipment_id}")
    if owner != customer_id:
        raise InvalidValue(
            "equipment_id", f"equipment {equipment_id} is not installed at customer {customer_id}"
        )


@dataclass(slots=True)
class Ticket:
    """A service request. `closed_at` is set exactly while the status is closed."""

    id: UUID
    customer_id: UUID
    title: str
    ticket_number: str = ""  # given by the database on insert
    equipment_id: UUID | None = None
    description: str | None = None
    status: TicketStatus = TicketStatus.OPEN
    priority: Priority = Priority.MEDIUM
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None

    @classmethod
    def new(
        cls,
        *,
        customer_id: UUID,
        title: str,
        actor: str,
        equipment_id: UUID | None = None,
        description: str | None = None,
        priority: Priority = Priority.MEDIUM,
    ) -> "Ticket":
        """A new open ticket. Raises InvalidValue for a blank or over-long title."""
        ticket = cls(
            id=uuid4(),
            customer_id=customer_id,
            equipment_id=equipment_id,
            title=title,
            description=description,
            priority=Priority(priority),
            created_by=actor,
        )
        ticket._check()
        return ticket

    def apply(self, changes: Mapping[str, Any], *, now: datetime) -> set[str]:
        """Apply a partial update; return the fields that changed (closed_at included).

        Closing sets `closed_at` to `now`; reopening clears it. Raises InvalidValue,
        InvalidTransition; on error nothing changes.
        """
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise InvalidValue(sorted(unknown)[0], "not an editable field")
        values = dict(changes)
        for name in ("title", "priority", "status"):
            if name in values and values[name] is None:
                raise InvalidValue(name, f"{name} cannot be cleared")
        if "priority" in values:
            values["priority"] = Priority(values["priority"])
        if "status" in values:
            requested = TicketStatus(values["status"])
            values["status"] = requested
            if requested is not self.status:
                if requested not in TRANSITIONS[self.status]:
                    raise InvalidTransition(self.status, requested)
                values["closed_at"] = now if requested is TicketStatus.CLOSED else None
        changed = {name for name, value in values.items() if getattr(self, name) != value}
        candidate = replace(self, **{name: values[name] for name in changed})
        candidate._check()
        for name in changed:
            setattr(self, name, values[name])
        return changed

    def _check(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise InvalidValue("title", "title is required")
        if len(self.title) > TITLE_MAX:
            raise InvalidValue("title", f"title is longer than {TITLE_MAX} characters")
        for name in ("title", "description"):
            value = getattr(self, name)
            if value is not None and "\x00" in value:
                raise InvalidValue(name, f"{name} contains a NUL character")
        if self.description is not None and len(self.description) > DESCRIPTION_MAX:
            raise InvalidValue(
                "description", f"description is longer than {DESCRIPTION_MAX} characters"
            )
        if (self.status is TicketStatus.CLOSED) != (self.closed_at is not None):
            raise InvalidValue("status", "closed_at must be set exactly when closed")


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    """The customer as a ticket (or equipment) shows it: read live from the master."""

    id: UUID
    name: str
    primary_phone: str | None  # None for customers migrated without a valid phone, or erased
    city: str | None
    state: str | None
    tier: str | None
    status: str


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket with its customer's current summary (one query, no copy stored)."""

    ticket: Ticket
    customer: CustomerSummary
