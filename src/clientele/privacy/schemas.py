"""Request and response bodies of the personal-data routes."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
RequestRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class EraseRequest(BaseModel):
    """Why the data is erased, and the data principal's request it answers."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "erasure request (DPDP s.12)", "request_ref": "DPR-2026-0042"}]
        },
    )

    reason: Reason
    request_ref: RequestRef = Field(description="Your reference of the person's request.")


class ErasureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from service.Erasure

    id: UUID
    subject_type: str = Field(description="`customer` or `contact`.")
    subject_id: UUID
    customer_id: UUID
    erased_at: datetime
    counts: dict[str, int] = Field(description="Rows overwritten, per table.")


class AccessEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from repository.AccessEntry

    id: int
    occurred_at: datetime
    actor: str = Field(description="`token:NAME`, `user:NAME` (web) or `cli:OS-USER`.")
    action: str = Field(
        description="What was read: record, record_as_of, history, timeline, export."
    )
    client_address: str | None = Field(description="The client's address, as the server saw it.")


class AccessLogRead(BaseModel):
    items: list[AccessEntryRead]
    next_cursor: str | None
