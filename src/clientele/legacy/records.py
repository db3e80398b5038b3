"""The plan's records: legacy rows as read, and what the migration will write (customers,
contacts, review items), with the whole resolution."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

NAMESPACE = UUID("5b0c0a8e-3f1e-4c47-9c55-0d1c9f6c2a11")
UNIDENTIFIED_KEY = "unidentified"
UNIDENTIFIED_NAME = "Unidentified legacy customer"


@dataclass(frozen=True, slots=True)
class TicketRow:
    """The identity columns of one legacy ticket, as typed."""

    id: UUID
    created_at: datetime
    legacy_id: str | None
    name: str | None
    phone: str | None
    whatsapp: str | None
    equipment_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class EquipmentRow:
    """The contact columns of one legacy equipment row, as typed."""

    id: UUID
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    city: str | None = None
    state: str | None = None


@dataclass(slots=True)
class PlannedCustomer:
    """A customer the migration creates (or finds), with everything it knows about it."""

    key: str
    id: UUID
    name: str
    customer_type: str
    primary_phone: str | None
    whatsapp: str | None
    status: str
    created_at: datetime
    legacy_ids: dict[str, str]
    aliases: list[str]
    raw_phones: list[str]
    ticket_ids: list[UUID]
    # (valid_from, fields) oldest first: the states the tickets show, for backdated history.
    timeline: list[tuple[datetime, dict[str, Any]]]
    placeholder: bool = False
    type_guessed: bool = True
    # Where the customer's equipment is installed (the legacy data has no customer address).
    city: str | None = None
    state: str | None = None
    # (equipment id, ticket time) of each of its tickets that names a unit.
    ticket_equipment: list[tuple[UUID, tuple[datetime, UUID]]] = field(default_factory=list)

    def metadata(self) -> dict[str, Any]:
        """What goes into `customers.metadata.legacy`: every spelling and number typed."""
        return {
            "legacy": {
                "key": self.key,
                "aliases": self.aliases,
                "raw_phones": self.raw_phones,
                "tickets": len(self.ticket_ids),
                "customer_type_guessed": self.type_guessed,
                "placeholder": self.placeholder,
            }
        }


@dataclass(frozen=True, slots=True)
class PlannedContact:
    """An equipment contact person, as a `customer_contacts` row."""

    id: UUID
    customer_key: str
    name: str
    phone: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A doubtful case, listed for a person (legacy_review_items)."""

    kind: str
    dedupe_key: str
    customer_keys: tuple[str, ...]
    summary: str
    resolution: str
    evidence: Mapping[str, Any]
    subject_table: str | None = None
    subject_id: UUID | None = None


@dataclass(slots=True)
class Resolution:
    """The whole plan: customers, which ticket and equipment goes where, contacts, reviews."""

    customers: list[PlannedCustomer]
    ticket_customer: dict[UUID, str]
    equipment_customer: dict[UUID, str]
    equipment_contact: dict[UUID, UUID]
    contacts: list[PlannedContact]
    reviews: list[ReviewItem]
    by_key: dict[str, PlannedCustomer] = field(default_factory=dict)

    def customer_id(self, key: str) -> UUID:
        """The id of the customer planned under `key`."""
        return self.by_key[key].id


@dataclass(slots=True)
class Norm:
    row: TicketRow
    lid: str | None
    name: str | None
    key: str | None
    phone: str | None
    whatsapp: str | None

    @property
    def sort_key(self) -> tuple[datetime, UUID]:
        return (self.row.created_at, self.row.id)
