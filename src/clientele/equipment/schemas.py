"""The equipment API's request and response bodies."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clientele.equipment.domain import ContactSummary
from clientele.equipment.repository import EquipmentView
from clientele.tickets.schemas import CustomerSummaryRead
from clientele.validation import Text100, Text255

SerialNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]

EXAMPLE: dict[str, Any] = {
    "serial_number": "SN-MRI-2291",
    "model": "Signa Explorer 1.5T",
    "manufacturer": "GE Healthcare",
    "customer_id": "6f1c2c8e-4a43-4c52-9a43-2b0c7f1e9d10",
    "contact_id": "a3c9e0d2-1b7f-4f55-9a8e-5e2d7c4b1f00",
    "installation_city": "Mumbai",
    "installation_state": "Maharashtra",
    "installed_at": "2024-03-15",
}


class EquipmentCreate(BaseModel):
    """New equipment. Leave `customer_id` out for a unit in stock; `contact_id` must be one
    of that customer's contacts (`/customers/{id}/contacts`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    serial_number: SerialNumber
    model: Text255 | None = None
    manufacturer: Text255 | None = None
    customer_id: UUID | None = None
    contact_id: UUID | None = None
    installation_city: Text100 | None = None
    installation_state: Text100 | None = None
    installed_at: date | None = None


class EquipmentUpdate(BaseModel):
    """The fields to change. `customer_id` assigns the unit to a customer, `null` returns it to
    stock (its contact person goes with it unless `contact_id` is sent too)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"customer_id": EXAMPLE["customer_id"]}, {"customer_id": None}]
        },
    )

    serial_number: SerialNumber | None = None
    model: Text255 | None = None
    manufacturer: Text255 | None = None
    customer_id: UUID | None = None
    contact_id: UUID | None = None
    installation_city: Text100 | None = None
    installation_state: Text100 | None = None
    installed_at: date | None = None


class ContactSummaryRead(BaseModel):
    """The contact person as stored on the customer now (not a copy)."""

    id: UUID
    name: str
    role: str | None
    phone: str | None
    email: str | None
    whatsapp: str | None

    @classmethod
    def of(cls, contact: ContactSummary) -> "ContactSummaryRead":
        return cls.model_validate({name: getattr(contact, name) for name in cls.model_fields})


class EquipmentRead(BaseModel):
    id: UUID
    serial_number: str
    model: str | None
    manufacturer: str | None
    customer_id: UUID | None = Field(description="null while the unit is in stock.")
    contact_id: UUID | None
    installation_city: str | None
    installation_state: str | None
    installed_at: date | None
    in_stock: bool
    version: int = Field(description="Also sent as the `ETag`; send it back in `If-Match`.")
    created_at: datetime
    updated_at: datetime
    customer: CustomerSummaryRead | None
    contact: ContactSummaryRead | None

    @classmethod
    def of(cls, view: EquipmentView) -> "EquipmentRead":
        unit = view.equipment
        nested = {"customer", "contact", "in_stock"}
        values = {name: getattr(unit, name) for name in cls.model_fields if name not in nested}
        return cls.model_validate(
            {
                **values,
                "in_stock": unit.in_stock,
                "customer": CustomerSummaryRead.of(view.customer) if view.customer else None,
                "contact": ContactSummaryRead.of(view.contact) if view.contact else None,
            }
        )


class EquipmentPageRead(BaseModel):
    items: list[EquipmentRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
