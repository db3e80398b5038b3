"""A contact: a person at a customer, with a role and ways to reach them.

Pure Python: no web framework, no database. Rules here are tested without PostgreSQL.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from clientele.errors import Conflict, InvalidValue
from clientele.phones import InvalidPhone, normalize_phone

PHONE_FIELDS = ("phone", "whatsapp")
# Column widths of customer_contacts; checked here so a long value is a 422, never a 500.
MAX_LENGTHS = {"name": 255, "role": 100, "email": 255}
EDITABLE_FIELDS = frozenset({"name", "role", "phone", "email", "whatsapp"})


class ContactInUse(Conflict):
    """Equipment still names the contact, so it cannot be deleted."""

    slug = "contact-in-use"
    title = "Contact is referenced by equipment"

    def __init__(self, contact_id: UUID, equipment_ids: list[UUID]) -> None:
        super().__init__(
            f"equipment still names contact {contact_id} as its contact person; "
            "give that equipment another contact (or none) before deleting this one",
            equipment_ids=[str(i) for i in equipment_ids],
        )
        self.contact_id = contact_id
        self.equipment_ids = equipment_ids


@dataclass(slots=True)
class Contact:
    """A person at a customer. Phones are stored as E.164; `created_by` is who added them."""

    id: UUID
    customer_id: UUID
    name: str
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    whatsapp: str | None = None
    created_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def new(cls, *, customer_id: UUID, actor: str, **values: Any) -> "Contact":
        """A new contact of a customer. Raises InvalidValue for a missing name or a bad value."""
        unknown = set(values) - EDITABLE_FIELDS
        if unknown:
            raise InvalidValue(sorted(unknown)[0], "not a contact field")
        if values.get("name") is None:
            raise InvalidValue("name", "name is required")
        contact = cls(id=uuid4(), customer_id=customer_id, created_by=actor, **values)
        contact._check()
        return contact

    def update_details(self, changes: Mapping[str, Any]) -> set[str]:
        """Apply a partial update; return the fields that changed.

        Raises InvalidValue when the name would be cleared or a value is invalid; on error
        nothing changes.
        """
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise InvalidValue(sorted(unknown)[0], "not an editable field")
        changed = {name for name, value in changes.items() if getattr(self, name) != value}
        candidate = replace(self, **{name: changes[name] for name in changed})
        candidate._check()
        for name in changed:
            setattr(self, name, changes[name])
        return changed

    def _check(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidValue("name", "name is required")
        for name, limit in MAX_LENGTHS.items():
            value = getattr(self, name)
            if value is not None and len(value) > limit:
                raise InvalidValue(name, f"{name} is longer than {limit} characters")
        if self.email is not None and not _plausible_email(self.email):
            raise InvalidValue("email", "not an e-mail address")
        for name in PHONE_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            try:
                if normalize_phone(value) != value:
                    raise InvalidValue(name, "phone must be stored in E.164 form")
            except InvalidPhone as exc:
                raise InvalidValue(name, str(exc)) from exc


def _plausible_email(value: str) -> bool:
    # The database's own CHECK: one @, something on each side, no whitespace. The API
    # validates addresses fully; this keeps other callers from reaching the constraint.
    local, at, domain = value.partition("@")
    return (
        bool(at and local and domain)
        and "@" not in domain
        and not any(ch.isspace() for ch in value)
    )
