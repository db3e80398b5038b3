"""Report routes under /api/v1/reports (admin). `?format=csv` answers text/csv."""

import csv
import io
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from clientele.deps import Admin, ReadUoW, UoW
from clientele.errors import InvalidValue
from clientele.openapi import COMMON_ERRORS
from clientele.reports import service
from clientele.reports.domain import Period, Place, period_between
from clientele.reports.schemas import (
    CustomerTicketsReport,
    TicketFrequencyReport,
    TierOpenTicketsReport,
    columns,
    flatten,
)
from clientele.validation import DAY_OR_INSTANT_PATTERN, documented

router = APIRouter(prefix="/reports", tags=["reports"])

CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with `format=csv`."}
}


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


class RankBy(StrEnum):
    TICKETS = "tickets"


FormatParam = Annotated[Format, Query(description="`json` (default) or `csv`.")]
From = Annotated[
    str | None,
    Query(
        alias="from",
        max_length=64,
        json_schema_extra=documented(DAY_OR_INSTANT_PATTERN),
        description="Tickets created from this day (00:00 IST) or RFC 3339 time.",
        examples=["2026-01-01"],
    ),
]
To = Annotated[
    str | None,
    Query(
        alias="to",
        max_length=64,
        json_schema_extra=documented(DAY_OR_INSTANT_PATTERN),
        description="Up to and including this day (IST), or before this RFC 3339 time.",
        examples=["2026-03-31"],
    ),
]
City = Annotated[str | None, Query(min_length=1, max_length=100, description="Case-insensitive.")]
State = Annotated[str | None, Query(min_length=1, max_length=100, description="Case-insensitive.")]


def _period(start: str | None, end: str | None) -> Period:
    return period_between(start, end)


def _place(city: str | None, state: str | None) -> Place:
    for field, value in (("city", city), ("state", state)):
        if value is not None and not value.strip():
            raise InvalidValue(field, f"{field} is blank")
        if value is not None and "\x00" in value:
            raise InvalidValue(field, f"{field} contains a NUL character")
    return Place(city=city, state=state)


def _run(uow: ReadUoW, actor: Admin, audit_uow: UoW) -> service.Run:
    return service.Run(uow=uow, actor=actor.label, audit_uow=audit_uow)


# Who runs a report (an admin, audited) and where it reads.
Run = Annotated[service.Run, Depends(_run)]
ReportT = TypeVar("ReportT", bound=BaseModel)


def _answer(
    report_type: type[ReportT], rows: Sequence[object], fmt: Format, name: str
) -> ReportT | Response:
    """The report of ROWS (each read by the report's item model), as JSON or as CSV."""
    item_model = report_type.model_fields["items"].annotation.__args__[0]  # type: ignore[union-attr]
    items = [item_model.of(row) for row in rows]
    if fmt is Format.JSON:
        return report_type(items=items)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns(item_model), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(flatten(item) for item in items)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get(
    "/top-customers",
    summary="Top customers by ticket volume",
    response_model=CustomerTicketsReport,
    responses={**COMMON_ERRORS, **CSV_ANSWER},
)
async def get_top_customers(
    run: Run,
    start: From = None,
    end: To = None,
    by: Annotated[RankBy, Query(description="What to rank by; `tickets`.")] = RankBy.TICKETS,
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
    format: FormatParam = Format.JSON,
) -> Any:
    """The customers with the most tickets created in the period, most first (ties by id)."""
    rows = await service.top_customers(run, period=_period(start, end), limit=limit)
    return _answer(CustomerTicketsReport, rows, format, "top-customers")


@router.get(
    "/customers",
    summary="Customers in a place with more than N tickets",
    response_model=CustomerTicketsReport,
    responses={**COMMON_ERRORS, **CSV_ANSWER},
)
async def list_customers_with_more_tickets(
    run: Run,
    city: City = None,
    state: State = None,
    min_tickets: Annotated[
        int,
        Query(
            ge=0,
            le=1_000_000,
            description="Customers with MORE than this many tickets (`min_tickets=10`: 11+).",
        ),
    ] = 0,
    start: From = None,
    end: To = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    format: FormatParam = Format.JSON,
) -> Any:
    """Customers in the city and/or state with more than `min_tickets` tickets, most first."""
    place, period = _place(city, state), _period(start, end)
    rows = await service.customers_with_more_tickets(
        run, place=place, period=period, more_than=min_tickets, limit=limit
    )
    return _answer(CustomerTicketsReport, rows, format, "customers")


@router.get(
    "/ticket-frequency",
    summary="Ticket frequency per customer",
    response_model=TicketFrequencyReport,
    responses={**COMMON_ERRORS, **CSV_ANSWER},
)
async def get_ticket_frequency(
    run: Run,
    customer_id: UUID | None = None,
    city: City = None,
    state: State = None,
    start: From = None,
    end: To = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    format: FormatParam = Format.JSON,
) -> Any:
    """Tickets per month (over the period, or from the first ticket to now; at least one
    month) and the last ticket date, most frequent first."""
    place, period = _place(city, state), _period(start, end)
    rows = await service.ticket_frequency(
        run, place=place, period=period, customer_id=customer_id, limit=limit
    )
    return _answer(TicketFrequencyReport, rows, format, "ticket-frequency")


@router.get(
    "/open-tickets-by-tier",
    summary="Open tickets by customer tier",
    response_model=TierOpenTicketsReport,
    responses={**COMMON_ERRORS, **CSV_ANSWER},
)
async def count_open_tickets_by_tier(run: Run, format: FormatParam = Format.JSON) -> Any:
    """Open and in-progress tickets, and the customers they belong to, per tier."""
    rows = await service.open_tickets_by_tier(run)
    return _answer(TierOpenTicketsReport, rows, format, "open-tickets-by-tier")
