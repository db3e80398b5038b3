"""The ticket API's request and response bodies."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clientele.tickets.domain import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    CustomerSummary,
    Priority,
    TicketStatus,
    TicketView,
)

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX)]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX)]

EXAMPLE: dict[str, Any] = {
    "customer_id": "6f1c2c8e-4a43-4c52-9a43-2b0c7f1e9d10",
    "equipment_id": "0b7e1f52-3d55-4f0e-8d0c-8f1d3c9f6a21",
    "title": "MRI coil error E-204 during head scans",
    "description": "Artefacts since Monday; scans postponed.",
    "priority": "high",
}


class TicketCreate(BaseModel):
    """A new ticket. The number, status and `created_by` come from the server."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    customer_id: UUID
    title: Title
    equipment_id: UUID | None = Field(
        default=None, description="Equipment installed at that customer."
    )
    description: Description | None = None
    priority: Priority = Priority.MEDIUM


class TicketUpdate(BaseModel):
    """A partial update. Status moves open <-> in_progress -> closed; a closed ticket is
    reopened with `open` (which clears `closed_at`)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "closed"}]}
    )

    status: TicketStatus | None = None
    priority: Priority | None = None
    title: Title | None = None
    description: Description | None = None


class CustomerSummaryRead(BaseModel):
    """The referenced customer as it is now (a phone change shows on every ticket at once)."""

    id: UUID
    name: str
    primary_phone: str | None = Field(
        examples=["+912223456789"],
        description="E.164. Null only for inactive customers migrated without a valid phone,"
        " or erased (docs/privacy.md).",
    )
    city: str | None
    state: str | None
    tier: str | None = Field(description="vip, premium or standard; null when not set.")
    status: str

    @classmethod
    def of(cls, summary: CustomerSummary) -> "CustomerSummaryRead":
        return cls.model_validate({name: getattr(summary, name) for name in cls.model_fields})


class TicketRead(BaseModel):
    id: UUID
    ticket_number: str = Field(examples=["TKT-2026-000123"])
    customer_id: UUID
    equipment_id: UUID | None
    title: str
    description: str | None
    status: TicketStatus
    priority: Priority
    created_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = Field(description="Set while the ticket is closed.")
    customer: CustomerSummaryRead

    @classmethod
    def of(cls, view: TicketView) -> "TicketRead":
        ticket = view.ticket
        values = {name: getattr(ticket, name) for name in cls.model_fields if name != "customer"}
        return cls.model_validate({**values, "customer": CustomerSummaryRead.of(view.customer)})


class TicketPageRead(BaseModel):
    items: list[TicketRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
