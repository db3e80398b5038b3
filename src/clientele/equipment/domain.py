"""A piece of equipment and the rules that link it to a customer and a contact person.

Pure Python: no web framework, no database. Rules here are tested without PostgreSQL.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from clientele.errors import InvalidValue

MAX_LENGTHS = {
    "serial_number": 100,
    "model": 255,
    "manufacturer": 255,
    "installation_city": 100,
    "installation_state": 100,
}
FIELDS = frozenset({*MAX_LENGTHS, "customer_id", "contact_id", "installed_at"})


@dataclass(slots=True)
class Equipment:
    """A unit (MRI, CT, ventilator, ...). `customer_id` is None while it is in stock; the
    contact person is a reference to one of the customer's contacts, never a copy.
    """

    id: UUID
    serial_number: str
    model: str | None = None
    manufacturer: str | None = None
    customer_id: UUID | None = None
    contact_id: UUID | None = None
    installation_city: str | None = None
    installation_state: str | None = None
    installed_at: date | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1

    @classmethod
    def new(cls, **values: Any) -> "Equipment":
        """New equipment. Raises InvalidValue for a missing serial number, an over-long value,
        or a contact person on equipment that has no customer."""
        unknown = set(values) - FIELDS
        if unknown:
            raise InvalidValue(sorted(unknown)[0], "not an equipment field")
        if values.get("serial_number") is None:
            raise InvalidValue("serial_number", "serial number is required")
        unit = cls(id=uuid4(), **values)
        unit._check()
        return unit

    def changed(self, **values: Any) -> "Equipment":
        """This unit with `values` applied (a partial update), checked. Setting `customer_id`
        to None returns it to stock and drops its contact person. Raises InvalidValue."""
        unknown = set(values) - FIELDS
        if unknown:
            raise InvalidValue(sorted(unknown)[0], "not an equipment field")
        if "serial_number" in values and values["serial_number"] is None:
            raise InvalidValue("serial_number", "serial number is required")
        merged = {name: getattr(self, name) for name in FIELDS} | values
        moved = "customer_id" in values and values["customer_id"] != self.customer_id
        if moved and "contact_id" not in values:
            merged["contact_id"] = None  # the old customer's person is not the new one's
        unit = replace(self, **merged)
        unit._check()
        return unit

    @property
    def in_stock(self) -> bool:
        return self.customer_id is None

    def _check(self) -> None:
        if not isinstance(self.serial_number, str) or not self.serial_number.strip():
            raise InvalidValue("serial_number", "serial number is required")
        for name, limit in MAX_LENGTHS.items():
            value = getattr(self, name)
            if value is not None and len(value) > limit:
                raise InvalidValue(name, f"{name} is longer than {limit} characters")
            if value is not None and "\x00" in value:
                # PostgreSQL text cannot hold NUL; refuse it here rather than fail there.
                raise InvalidValue(name, f"{name} contains a NUL character")
        if self.contact_id is not None and self.customer_id is None:
            raise InvalidValue(
                "contact_id", "equipment in stock has no customer, so no contact person"
            )


@dataclass(frozen=True, slots=True)
class ContactSummary:
    """The contact person as equipment shows it: read live from customer_contacts."""

    id: UUID
    name: str
    role: str | None
    phone: str | None
    email: str | None
    whatsapp: str | None


def check_links(
    unit: Equipment,
    *,
    customer_found: bool,
    merged_into_id: UUID | None,
    contact_owner: UUID | None,
) -> None:
    """Raise InvalidValue unless the customer exists and is not merged, and the contact is one
    of that customer's people. `contact_owner` is the contact's customer (None: no contact).
    """
    if unit.customer_id is not None:
        if not customer_found:
            raise InvalidValue("customer_id", f"no customer with id {unit.customer_id}")
        if merged_into_id is not None:
            raise InvalidValue(
                "customer_id",
                f"customer {unit.customer_id} was merged into {merged_into_id}; use that one",
            )
    if unit.contact_id is not None and contact_owner != unit.customer_id:
        raise InvalidValue(
            "contact_id",
            f"contact {unit.contact_id} is not a contact of customer {unit.customer_id}",
        )
