"""The customer API's request and response bodies (separate create, update and read shapes)."""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from clientele.customers.domain import (
    INDIA,
    LANGUAGES,
    PIN_CODE,
    ContactMethod,
    Customer,
    CustomerStatus,
    CustomerType,
    Tier,
)
from clientele.duplicates.schemas import LikelyDuplicateRead
from clientele.validation import (
    NOT_NULL,
    OptionalEmail,
    OptionalPhone,
    Phone,
    RequiredText500,
    Tags,
    TaxId,
    Text100,
    Text255,
    Text500,
)

PostalCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
    Field(
        description="An Indian PIN code (6 digits) when `country` is India.", examples=["400070"]
    ),
]
Country = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    Field(description="Country name, as the design doc stores it.", examples=["India"]),
]
Language = Literal[LANGUAGES]  # type: ignore[valid-type]  # the tuple is the one source
RegistrationNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    Field(
        description="Hospital or clinic registration number (as issued).", examples=["MH/2011/0457"]
    ),
]
Website = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    Field(examples=["https://sunrisehospital.in"]),
]
Notes = Annotated[str, StringConstraints(max_length=10000)]
Metadata = Annotated[dict[str, Any], Field(max_length=50)]

EXAMPLE: dict[str, Any] = {
    "customer_type": "hospital",
    "name": "Sunrise Multispeciality Hospital",
    "primary_phone": "022 2345 6789",
    "whatsapp_number": "+91-98765-43210",
    "primary_email": "biomed@sunrisehospital.in",
    "address_line1": "Plot 12, LBS Marg",
    "city": "Mumbai",
    "state": "Maharashtra",
    "postal_code": "400070",
    "country": "India",
    "registration_number": "MH/2011/0457",
    "tax_id": "27AAPFU0939F1ZV",
    "website": "https://sunrisehospital.in",
    "tier": "premium",
    "preferred_language": "mr",
    "preferred_contact_method": "whatsapp",
    "notes": "Biomedical head answers before 11:00.",
    "tags": ["mri", "amc"],
}


def _pin_code_in_india(cls: type, value: str | None, info: ValidationInfo) -> str | None:
    """A postal code sent with `country` India is a PIN code (the domain checks it again
    against the stored country when only one of them changes)."""
    if value is not None and info.data.get("country") == INDIA and not PIN_CODE.fullmatch(value):
        raise ValueError("an Indian PIN code is 6 digits, not starting with 0")
    return value


class _CustomerFields(BaseModel):
    """The fields a client writes, in the order the API documents them; as an update has
    them (all optional), which a create tightens where it needs a value or a default."""

    model_config = ConfigDict(extra="forbid")

    customer_type: Annotated[CustomerType | None, NOT_NULL] = None
    name: Annotated[RequiredText500 | None, NOT_NULL] = None
    primary_phone: Phone | None = None
    organization_id: UUID | None = None
    display_name: Text255 | None = None
    secondary_phone: OptionalPhone = None
    whatsapp_number: OptionalPhone = None
    primary_email: OptionalEmail = None
    address_line1: Text500 | None = None
    address_line2: Text500 | None = None
    city: Text100 | None = None
    state: Text100 | None = None
    country: Country | None = None
    postal_code: PostalCode | None = None
    registration_number: RegistrationNumber | None = None
    tax_id: TaxId | None = None
    website: Website | None = None
    tier: Tier | None = None
    preferred_language: Language | None = None
    preferred_contact_method: ContactMethod | None = None
    notes: Notes | None = None
    tags: Tags | None = None
    metadata: Annotated[Metadata | None, NOT_NULL] = None

    _pin_code = field_validator("postal_code")(_pin_code_in_india)


class CustomerCreate(_CustomerFields):
    """A new customer. Phones in any common Indian format; `created_by` comes from your token."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    customer_type: CustomerType
    name: RequiredText500
    primary_phone: Phone
    country: Country | None = INDIA
    preferred_language: Language | None = "en"
    tags: Tags = Field(default_factory=list)
    metadata: Metadata = Field(default_factory=dict)


class CustomerUpdate(_CustomerFields):
    """A partial update: only the fields present change; `null` clears an optional field."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"primary_phone": "+91 99876 54321", "tier": "vip"}]},
    )


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
    primary_email: str | None
    address_line1: str | None
    address_line2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    registration_number: str | None
    tax_id: str | None
    website: str | None
    tier: Tier | None
    preferred_language: str | None
    preferred_contact_method: ContactMethod | None
    notes: str | None
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
    reason: str | None = Field(
        default=None,
        description="For a phone: how the customer is reachable on it (primary phone, "
        "secondary phone, WhatsApp number, contact <name>, phone until <date>).",
        examples=["secondary phone"],
    )


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
