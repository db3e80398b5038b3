"""The customer and ticket forms: their fields, and form text turned into the API's schemas.

Validation is the API's own (the pydantic schemas, then the domain via the services); this
module only maps form text in and field messages out.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from clientele.customers.domain import (
    LANGUAGES,
    REQUIRED_FIELDS,
    ContactMethod,
    Customer,
    CustomerType,
    Tier,
)
from clientele.tickets.domain import Priority


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, tel, email, select, textarea
    choices: tuple[str, ...] = ()
    hint: str = ""
    wide: bool = False

    @property
    def required(self) -> bool:
        return self.name in REQUIRED_FIELDS


CUSTOMER_FIELDS = (
    Field("name", "Name", wide=True),
    Field("customer_type", "Type", "select", tuple(t.value for t in CustomerType)),
    Field("tier", "Tier", "select", tuple(t.value for t in Tier)),
    Field("primary_phone", "Primary phone", "tel", hint="Any format, e.g. 098765 43210"),
    Field("secondary_phone", "Secondary phone", "tel"),
    Field("whatsapp_number", "WhatsApp", "tel"),
    Field("primary_email", "Email", "email"),
    Field("display_name", "Display name"),
    Field("address_line1", "Address", wide=True),
    Field("address_line2", "Address (line 2)", wide=True),
    Field("city", "City"),
    Field("state", "State"),
    Field("postal_code", "PIN code", hint="Six digits in India"),
    Field("country", "Country"),
    Field("registration_number", "Registration number"),
    Field("tax_id", "Tax id (GSTIN)", hint="A GSTIN (15 characters) is checked"),
    Field("website", "Website"),
    Field("preferred_language", "Preferred language", "select", LANGUAGES),
    Field(
        "preferred_contact_method",
        "Preferred contact",
        "select",
        tuple(m.value for m in ContactMethod),
    ),
    Field("tags", "Tags", hint="Separated by commas", wide=True),
    Field("notes", "Notes", "textarea", wide=True),
)
CUSTOMER_FIELD_NAMES = tuple(f.name for f in CUSTOMER_FIELDS)
PRIORITIES = tuple(p.value for p in Priority)


def customer_values(customer: Customer) -> dict[str, str]:
    """A stored customer as form text."""
    values: dict[str, str] = {}
    for name in CUSTOMER_FIELD_NAMES:
        value = getattr(customer, name)
        if name == "tags":
            values[name] = ", ".join(value)
        else:
            values[name] = "" if value is None else str(getattr(value, "value", value))
    return values


def customer_input(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's customer fields for the API schema: blanks as None (which clears an optional
    field), tags split on commas. Also the errors for required fields left blank."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in CUSTOMER_FIELD_NAMES:
        text = form.get(name, "").strip()
        if name == "tags":
            data[name] = [tag.strip() for tag in text.split(",") if tag.strip()]
        elif text:
            data[name] = text
        elif name in REQUIRED_FIELDS:
            errors[name] = "This field is required."
        else:
            data[name] = None
    return data, errors


def field_errors(exc: ValidationError) -> dict[str, str]:
    """One message per field from a schema's ValidationError (the first, if several)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        location = error.get("loc", ())
        field = str(location[0]) if location else "form"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        errors.setdefault(field, message[:1].upper() + message[1:])
    return errors


def validate(
    schema: type[BaseModel], data: Mapping[str, Any]
) -> tuple[BaseModel | None, dict[str, str]]:
    """The schema's model of `data`, or the field errors."""
    try:
        return schema.model_validate(dict(data)), {}
    except ValidationError as exc:
        return None, field_errors(exc)
