"""Report answers (JSON); the CSV form has the same columns, the customer flattened."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from clientele.reports.repository import CustomerTickets, TicketFrequency, TierOpenTickets
from clientele.tickets.schemas import CustomerSummaryRead


class CustomerTicketsRead(BaseModel):
    customer: CustomerSummaryRead
    ticket_count: int
    last_ticket_at: datetime

    @classmethod
    def of(cls, row: CustomerTickets) -> "CustomerTicketsRead":
        return cls(
            customer=CustomerSummaryRead.of(row.customer),
            ticket_count=row.ticket_count,
            last_ticket_at=row.last_ticket_at,
        )


class CustomerTicketsReport(BaseModel):
    items: list[CustomerTicketsRead]


class TicketFrequencyRead(BaseModel):
    customer: CustomerSummaryRead
    ticket_count: int
    first_ticket_at: datetime
    last_ticket_at: datetime
    tickets_per_month: float

    @classmethod
    def of(cls, row: TicketFrequency) -> "TicketFrequencyRead":
        return cls(
            customer=CustomerSummaryRead.of(row.customer),
            ticket_count=row.ticket_count,
            first_ticket_at=row.first_ticket_at,
            last_ticket_at=row.last_ticket_at,
            tickets_per_month=row.tickets_per_month,
        )


class TicketFrequencyReport(BaseModel):
    items: list[TicketFrequencyRead]


class TierOpenTicketsRead(BaseModel):
    tier: str | None = Field(
        description="vip, premium, standard; null for customers without a tier."
    )
    open: int
    in_progress: int
    total: int
    customers: int

    @classmethod
    def of(cls, row: TierOpenTickets) -> "TierOpenTicketsRead":
        return cls(
            tier=row.tier,
            open=row.open,
            in_progress=row.in_progress,
            total=row.total,
            customers=row.customers,
        )


class TierOpenTicketsReport(BaseModel):
    items: list[TierOpenTicketsRead]


def flatten(item: BaseModel) -> dict[str, Any]:
    """One CSV row: nested `customer` fields become `customer_*` columns."""
    row: dict[str, Any] = {}
    for name, value in item.model_dump(mode="json").items():
        if isinstance(value, dict):
            row.update({f"{name}_{key}": inner for key, inner in value.items()})
        else:
            row[name] = value
    return row


def columns(model: type[BaseModel]) -> list[str]:
    """The CSV header of a report item: nested models become `customer_*` columns."""
    names: list[str] = []
    for name, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names += [f"{name}_{inner}" for inner in kind.model_fields]
        else:
            names.append(name)
    return names
