"""The history API's response bodies."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from clientele.history.domain import (
    EventKind,
    FieldChange,
    Operation,
    Source,
    TimelineEvent,
    VersionChanges,
)


class FieldChangeRead(BaseModel):
    field: str = Field(examples=["primary_phone"])
    old: Any = Field(description="The value before this write (null: empty or absent).")
    new: Any = Field(description="The value this write stored.")

    @classmethod
    def of(cls, change: FieldChange) -> "FieldChangeRead":
        return cls(field=change.field, old=change.old, new=change.new)


class VersionRead(BaseModel):
    """One recorded state of the customer: what changed, who did it, and when it held."""

    valid_from: datetime = Field(description="When this state began (the write's time).")
    valid_to: datetime | None = Field(description="When the next state began; null if current.")
    operation: Operation
    source: Source = Field(description="api, sql (bypassed the API), legacy or merge.")
    actor: str = Field(
        description="Who wrote it: the token's identity, or `sql:<database user>`.",
        examples=["token:asha"],
    )
    version: int | None = Field(description="The customer's `version` (ETag) in this state.")
    changes: list[FieldChangeRead] = Field(
        description="Fields that differ from the previous state (for the first: every value)."
    )

    @classmethod
    def of(cls, entry: VersionChanges) -> "VersionRead":
        version = entry.version
        return cls(
            valid_from=version.valid_from,
            valid_to=version.valid_to,
            operation=version.operation,
            source=version.source,
            actor=version.actor,
            version=version.row_version,
            changes=[FieldChangeRead.of(c) for c in entry.changes],
        )


class HistoryPageRead(BaseModel):
    items: list[VersionRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for older versions; null on the last page."
    )


class TimelineEventRead(BaseModel):
    at: datetime
    kind: EventKind
    actor: str
    source: Source
    field: str | None = Field(default=None, description="The field a change event is about.")
    old: Any = None
    new: Any = None
    detail: str | None = Field(
        default=None, description="Block reason, merge target, contact or customer name."
    )

    @classmethod
    def of(cls, event: TimelineEvent) -> "TimelineEventRead":
        return cls(
            at=event.at,
            kind=event.kind,
            actor=event.actor,
            source=event.source,
            field=event.field,
            old=event.old,
            new=event.new,
            detail=event.detail,
        )


class TimelineRead(BaseModel):
    items: list[TimelineEventRead]
