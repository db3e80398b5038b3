"""The customer API's request and response bodies (separate create, update and read shapes)."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clientele.customers.domain import Customer, CustomerStatus, CustomerType, Tier
from clientele.duplicates.schemas import LikelyDuplicateRead
from clientele.validation import (
    Gstin,
    OptionalEmail,
    OptionalPhone,
    Phone,
    RequiredText500,
    Tags,
    Text100,
    Text500,
)

Pincode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[1-9][0-9]{5}$")]
Country = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{2}$")
]
Metadata = Annotated[dict[str, Any], Field(max_length=50)]

EXAMPLE: dict[str, Any] = {
    "customer_type": "hospital",
    "name": "Sunrise Multispeciality Hospital",
    "primary_phone": "022 2345 6789",
    "whatsapp_number": "+91-98765-43210",
    "email": "biomed@sunrisehospital.in",
    "address_line1": "Plot 12, LBS Marg",
    "city": "Mumbai",
    "state": "Maharashtra",
    "pincode": "400070",
    "tier": "gold",
    "tags": ["mri", "amc"],
}


class CustomerCreate(BaseModel):
    """A new customer. Phones in any common Indian format; `created_by` comes from your token."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    customer_type: CustomerType
    name: RequiredText500
    primary_phone: Phone
    organization_id: UUID | None = None
    display_name: Text500 | None = None
    secondary_phone: OptionalPhone = None
    whatsapp_number: OptionalPhone = None
    email: OptionalEmail = None
    address_line1: Text500 | None = None
    address_line2: Text500 | None = None
    city: Text100 | None = None
    state: Text100 | None = None
    pincode: Pincode | None = None
    country: Country = "IN"
    gstin: Gstin | None = None
    tier: Tier = Tier.STANDARD
    tags: Tags = Field(default_factory=list)
    metadata: Metadata = Field(default_factory=dict)


class CustomerUpdate(BaseModel):
    """A partial update: only the fields present change; `null` clears an optional field."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"primary_phone": "+91 99876 54321", "tier": "platinum"}]},
    )

    customer_type: CustomerType | None = None
    name: RequiredText500 | None = None
    primary_phone: Phone | None = None
    organization_id: UUID | None = None
    display_name: Text500 | None = None
    secondary_phone: OptionalPhone = None
    whatsapp_number: OptionalPhone = None
    email: OptionalEmail = None
    address_line1: Text500 | None = None
    address_line2: Text500 | None = None
    city: Text100 | None = None
    state: Text100 | None = None
    pincode: Pincode | None = None
    country: Country | None = None
    gstin: Gstin | None = None
    tier: Tier | None = None
    tags: Tags | None = None
    metadata: Metadata | None = None


class BlockRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Payment overdue 180 days"}]}
    )

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class CustomerRead(BaseModel):
    """A stored customer. `version` is also sent as the `ETag` header."""

    id: UUID
    customer_type: CustomerType
    name: str
    display_name: str | None
    primary_phone: str | None = Field(
        examples=["+912223456789"],
        description="E.164. Null only for inactive customers migrated without a valid phone.",
    )
    secondary_phone: str | None
    whatsapp_number: str | None
    email: str | None
    address_line1: str | None
    address_line2: str | None
    city: str | None
    state: str | None
    pincode: str | None
    country: str
    gstin: str | None
    tier: Tier
    status: CustomerStatus
    blocked_reason: str | None
    tags: list[str]
    metadata: dict[str, Any]
    organization_id: UUID | None
    merged_into_id: UUID | None
    version: int
    created_by: str
    updated_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, customer: Customer) -> "CustomerRead":
        return cls.model_validate(
            {
                **{name: getattr(customer, name) for name in cls.model_fields},
                "tags": list(customer.tags),
                "metadata": dict(customer.metadata),
            }
        )


class CustomerPageRead(BaseModel):
    items: list[CustomerRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class CustomerCount(BaseModel):
    count: int


class SearchHitRead(BaseModel):
    customer: CustomerRead
    score: float = Field(description="1.0 for an exact id/phone match; name similarity otherwise.")
    matched_on: str = Field(examples=["name"])


class SearchResults(BaseModel):
    items: list[SearchHitRead]


class CustomerWritten(CustomerRead):
    """A created or updated customer, with the stored customers it likely duplicates."""

    likely_duplicates: list[LikelyDuplicateRead] = Field(
        default_factory=list,
        description="Stored customers this one probably duplicates (score and reasons), best "
        "first. Absent when there are none, so the body is then exactly a customer's. "
        "Informational: the write has happened.",
    )
