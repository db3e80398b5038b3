"""Change events as the API shows them."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from clientele.events.domain import Event


class EntityRead(BaseModel):
    type: str = Field(description="customer, contact, ticket or equipment.")
    id: UUID


class MergeInfoRead(BaseModel):
    survivor_id: UUID
    merged_ids: list[UUID]


class FieldChange(BaseModel):
    old: Any
    new: Any


class EventRead(BaseModel):
    id: int = Field(description="The event's id; webhooks send it as `webhook-id: evt_<id>`.")
    position: int = Field(description="Its place in the feed (commit order).")
    type: str = Field(description="e.g. customer.updated; the list is in docs/events.md.")
    occurred_at: datetime
    customer_id: UUID = Field(description="Whose stream the event belongs to.")
    sequence: int = Field(description="1, 2, 3, ... per customer, in commit order.")
    entity: EntityRead
    source: str = Field(description="api, sql, legacy or merge.")
    changes: dict[str, FieldChange] = Field(
        description="Each changed field's old and new value (created: old is null)."
    )
    merge: MergeInfoRead | None = Field(
        None, description="customer.merged / customer.merge_undone: the survivor and merged ids."
    )
    equipment: dict[str, Any] | None = Field(None, description="equipment.*: the unit.")
    erased_fields: list[str] | None = Field(
        None, description="customer.erased: which fields were erased (never their values)."
    )

    @classmethod
    def of(cls, event: Event) -> "EventRead":
        return cls.model_validate(event.to_json())


class EventPageRead(BaseModel):
    events: list[EventRead]
    next_cursor: str = Field(
        description="Pass as `after` to read on (also when `events` is empty)."
    )
