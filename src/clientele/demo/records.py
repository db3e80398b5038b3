"""The rows the demo generator produces (no database access: loaders persist them), and the
fixed clock they are generated against."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

# Fixed "now" of the dataset: a clock-based anchor would make the same seed
# produce different rows on different days.
REFERENCE_TIME = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
HISTORY = timedelta(days=3 * 365)
NAMESPACE = "clientele-demo"


@dataclass(frozen=True, slots=True)
class DemoOrganization:
    """A hospital group or diagnostics chain owning several customer branches."""

    id: uuid.UUID
    name: str


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    """One row of the customer master, shaped like the database table."""

    id: uuid.UUID
    organization_id: uuid.UUID | None
    customer_type: str
    name: str
    display_name: str | None
    primary_phone: str
    secondary_phone: str | None
    whatsapp_number: str | None
    primary_email: str | None
    address_line1: str | None
    address_line2: str | None
    city: str
    state: str
    postal_code: str
    tax_id: str | None
    tier: str
    status: str
    blocked_reason: str | None
    tags: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DemoContact:
    """A person at a customer the service desk talks to."""

    id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    role: str | None
    phone: str | None
    email: str | None
    whatsapp: str | None


@dataclass(frozen=True, slots=True)
class DemoEquipment:
    """An installed unit that service tickets are raised against."""

    id: uuid.UUID
    customer_id: uuid.UUID
    contact_id: uuid.UUID | None
    serial_number: str
    model: str
    manufacturer: str
    installation_city: str
    installation_state: str
    installed_at: date


@dataclass(frozen=True, slots=True)
class DemoTicket:
    """A service request; closed_at is set exactly when the status is closed."""

    id: uuid.UUID
    ticket_number: str
    customer_id: uuid.UUID
    equipment_id: uuid.UUID | None
    title: str
    description: str | None
    status: str
    priority: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class DemoDataset:
    """Everything ``generate`` produces, with references only to rows inside it."""

    organizations: list[DemoOrganization]
    customers: list[DemoCustomer]
    contacts: list[DemoContact]
    equipment: list[DemoEquipment]
    tickets: list[DemoTicket]
