"""The contact API's request and response bodies (separate create, update and read shapes)."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from clientele.contacts.domain import Contact
from clientele.validation import NOT_NULL, OptionalEmail, OptionalPhone, RequiredText255, Text100


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


Role = Annotated[
    Text100 | None,
    BeforeValidator(_blank_to_none),
    Field(description="Free text: what this person does.", examples=["Biomedical engineer"]),
]

EXAMPLE: dict[str, Any] = {
    "name": "Dr. Meera Iyer",
    "role": "Head of Radiology",
    "phone": "098765 43210",
    "whatsapp": "+91-98765-43210",
    "email": "meera.iyer@sunrisehospital.in",
}


class ContactCreate(BaseModel):
    """A new contact. Phones in any common Indian format; `created_by` comes from your token."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    name: RequiredText255
    role: Role = None
    phone: OptionalPhone = None
    email: OptionalEmail = None
    whatsapp: OptionalPhone = None


class ContactUpdate(BaseModel):
    """A partial update: only the fields present change; `null` clears an optional field."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"role": "Purchase officer", "whatsapp": None}]},
    )

    name: Annotated[RequiredText255 | None, NOT_NULL] = None
    role: Role = None
    phone: OptionalPhone = None
    email: OptionalEmail = None
    whatsapp: OptionalPhone = None


class ContactRead(BaseModel):
    """A stored contact; phones in E.164."""

    id: UUID
    customer_id: UUID
    name: str
    role: str | None
    phone: str | None = Field(examples=["+919876543210"])
    email: str | None
    whatsapp: str | None = Field(examples=["+919876543210"])
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, contact: Contact) -> "ContactRead":
        return cls.model_validate({name: getattr(contact, name) for name in cls.model_fields})


class ContactPageRead(BaseModel):
    items: list[ContactRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
