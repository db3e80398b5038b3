"""Request and response bodies of the duplicates queue, merges and the online check."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from clientele.duplicates.matching import Score


class ReasonRead(BaseModel):
    field: str = Field(examples=["phone"])
    text: str = Field(examples=["same phone +912223456789"])
    weight: float = Field(description="log2 Bayes factor: positive speaks for a duplicate.")


class LikelyDuplicateRead(BaseModel):
    """A stored customer that the new or changed one probably duplicates."""

    customer_id: UUID
    name: str
    probability: float = Field(ge=0, le=1)
    weight: float
    reasons: list[ReasonRead]

    @classmethod
    def of(cls, customer_id: UUID, name: str, score: Score) -> "LikelyDuplicateRead":
        return cls(
            customer_id=customer_id,
            name=name,
            probability=round(score.probability, 4),
            weight=round(score.weight, 2),
            reasons=[ReasonRead.model_validate(r.as_dict()) for r in score.reasons],
        )


class CustomerBrief(BaseModel):
    """The fields shown side by side when deciding whether records are one customer."""

    id: UUID
    name: str
    customer_type: str
    status: str
    primary_phone: str | None
    primary_email: str | None
    city: str | None
    state: str | None
    tax_id: str | None
    address_line1: str | None
    postal_code: str | None
    merged_into_id: UUID | None
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> "CustomerBrief":
        return cls.model_validate({name: getattr(row, name) for name in cls.model_fields})


class PairRead(BaseModel):
    customer_a: UUID
    customer_b: UUID
    probability: float
    weight: float
    reasons: list[ReasonRead]


class DuplicateItemRead(BaseModel):
    """A suspected duplicate group from the scan, or an item the legacy migration flagged."""

    id: str = Field(examples=["group-12", "review-7"])
    kind: Literal["scan", "legacy_review"]
    status: str
    probability: float | None = Field(
        description="The group's most likely pair; null for review items."
    )
    customers: list[CustomerBrief]
    pairs: list[PairRead]
    review_kind: str | None = Field(description="Legacy review items: shared_phone, no_phone, ...")
    summary: str | None
    created_at: datetime


class DuplicatePage(BaseModel):
    items: list[DuplicateItemRead]
    next_cursor: str | None


class MergeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"duplicate_ids": ["5b0c2f9e-8d1e-4c1e-9a39-3f0f6f0d7a11"]}]
        },
    )

    duplicate_ids: list[UUID] = Field(min_length=1, max_length=50)


class FilledFieldRead(BaseModel):
    field: str
    value: Any
    from_customer_id: UUID


class MergePreviewRead(BaseModel):
    """What a merge would do (`dry_run=true`): nothing has been written."""

    dry_run: Literal[True] = True
    survivor_id: UUID
    duplicate_ids: list[UUID]
    filled_fields: list[FilledFieldRead] = Field(
        description="Empty survivor fields that would take a duplicate's value."
    )
    skipped: list[str] = Field(description="Values not taken, and why.")
    rows_to_move: dict[str, int]


class MergeRead(BaseModel):
    """A merge: what it filled and moved, and whether it was undone."""

    id: UUID
    survivor_id: UUID
    duplicate_ids: list[UUID]
    status: Literal["applied", "undone"]
    filled_fields: list[FilledFieldRead]
    moved_rows: dict[str, int]
    merged_by: str
    merged_at: datetime
    undone_by: str | None
    undone_at: datetime | None
