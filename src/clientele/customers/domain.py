"""The customer: one record per hospital, clinic, lab, manufacturer, dealer or person.

Pure Python: no web framework, no database. Rules here are tested without PostgreSQL.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any
from uuid import UUID, uuid4

from clientele.errors import AlreadyActive, AlreadyBlocked, Conflict, InvalidValue
from clientele.gstin import InvalidGstin, looks_like_gstin, validate_gstin
from clientele.phones import InvalidPhone, normalize_phone


class CustomerType(StrEnum):
    HOSPITAL = "hospital"
    CLINIC = "clinic"
    LAB = "lab"
    MANUFACTURER = "manufacturer"
    DEALER = "dealer"
    INDIVIDUAL = "individual"


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    BLOCKED = "blocked"


class Tier(StrEnum):
    """Service priority, highest first (the doc's vip / premium / standard)."""

    VIP = "vip"
    PREMIUM = "premium"
    STANDARD = "standard"


class ContactMethod(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WHATSAPP = "whatsapp"


# ISO 639 codes of India's scheduled languages and English; `preferred_language` is one of them.
LANGUAGES = (
    "en", "hi", "mr", "ta", "te", "kn", "ml", "bn", "gu", "pa", "or", "as", "ur",
    "sa", "ks", "sd", "ne", "kok", "mai", "mni", "sat", "doi", "brx",
)  # fmt: skip


INDIA = "India"
PIN_CODE = re.compile(r"[1-9][0-9]{5}")
PHONE_FIELDS = ("primary_phone", "secondary_phone", "whatsapp_number")
REQUIRED_FIELDS = ("customer_type", "name", "primary_phone")

# What `update_details` may change; status moves only through block/activate (and merge).
EDITABLE_FIELDS = frozenset(
    {
        "organization_id",
        "customer_type",
        "name",
        "display_name",
        "primary_phone",
        "secondary_phone",
        "whatsapp_number",
        "primary_email",
        "address_line1",
        "address_line2",
        "city",
        "state",
        "postal_code",
        "country",
        "registration_number",
        "tax_id",
        "website",
        "tier",
        "preferred_language",
        "preferred_contact_method",
        "notes",
        "tags",
        "metadata",
    }
)


class CustomerMerged(Conflict):
    """The customer was merged into another: changes go to the survivor (or undo the merge)."""

    slug = "customer-merged"
    title = "Customer merged into another"


@dataclass(slots=True)
class Customer:
    """A customer record; `version` counts its stored versions (optimistic concurrency)."""

    id: UUID
    customer_type: CustomerType
    name: str
    # None only for inactive customers migrated without any valid phone (revision 0004).
    primary_phone: str | None
    organization_id: UUID | None = None
    display_name: str | None = None
    secondary_phone: str | None = None
    whatsapp_number: str | None = None
    primary_email: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = INDIA
    registration_number: str | None = None
    tax_id: str | None = None
    website: str | None = None
    tier: Tier | None = None
    preferred_language: str | None = "en"
    preferred_contact_method: ContactMethod | None = None
    notes: str | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    blocked_reason: str | None = None
    tags: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    version: int = 1
    merged_into_id: UUID | None = None
    created_by: str = ""
    updated_by: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def new(cls, *, actor: str, **values: Any) -> "Customer":
        """A new active customer. Raises InvalidValue when name or phone is missing or bad."""
        unknown = set(values) - EDITABLE_FIELDS
        if unknown:
            raise InvalidValue(sorted(unknown)[0], "not a customer field")
        for name in REQUIRED_FIELDS:
            if values.get(name) is None:
                raise InvalidValue(name, f"{name.replace('_', ' ')} is required")
        customer = cls(
            id=uuid4(), created_by=actor, updated_by=actor, **_with_tags_as_tuple(values)
        )
        customer._check()
        return customer

    def update_details(self, changes: Mapping[str, Any], *, actor: str) -> set[str]:
        """Apply a partial update (contact and profile fields); return the fields that changed.

        Raises InvalidValue when a required field would be cleared or a value is invalid.
        """
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise InvalidValue(sorted(unknown)[0], "not an editable field")
        self._refuse_if_merged()
        changes = _with_tags_as_tuple(changes)
        changed = {name for name, value in changes.items() if getattr(self, name) != value}
        candidate = replace(self, **{name: changes[name] for name in changed})
        candidate._check()
        for name in changed:
            setattr(self, name, changes[name])
        if changed:
            self.updated_by = actor
        return changed

    def block(self, reason: str, *, actor: str) -> None:
        """Block the customer (no new tickets). Raises AlreadyBlocked, InvalidValue,
        CustomerMerged."""
        self._refuse_if_merged()
        if self.status is CustomerStatus.BLOCKED:
            raise AlreadyBlocked("customer is already blocked", blocked_reason=self.blocked_reason)
        if not reason.strip():
            raise InvalidValue("reason", "a reason is required to block a customer")
        self.status = CustomerStatus.BLOCKED
        self.blocked_reason = reason.strip()
        # As the design doc's Block does: the reason also stays readable in the notes.
        self.notes = "\n".join(filter(None, (self.notes, f"Blocked: {self.blocked_reason}")))
        self.updated_by = actor

    def activate(self, *, actor: str) -> None:
        """Make the customer active again. Raises AlreadyActive, CustomerMerged."""
        self._refuse_if_merged()
        if self.status is CustomerStatus.ACTIVE:
            raise AlreadyActive("customer is already active")
        if not self.primary_phone:
            raise InvalidValue("primary_phone", "add a primary phone before activating")
        self.status = CustomerStatus.ACTIVE
        self.blocked_reason = None
        self.updated_by = actor

    def _refuse_if_merged(self) -> None:
        if self.merged_into_id is not None:
            raise CustomerMerged(
                f"customer {self.id} was merged into {self.merged_into_id}; change that customer "
                "instead, or undo the merge",
                merged_into_id=str(self.merged_into_id),
            )

    def _check(self) -> None:
        if not self.name or not self.name.strip():
            raise InvalidValue("name", "name is required")
        if self.tax_id is not None and looks_like_gstin(self.tax_id):
            # Checked here, not only in the API schema: the state may change without the GSTIN.
            try:
                validate_gstin(self.tax_id, state=self.state)
            except InvalidGstin as exc:
                raise InvalidValue("tax_id", str(exc)) from exc
        if (
            self.postal_code is not None
            and self.country == INDIA
            and not PIN_CODE.fullmatch(self.postal_code)
        ):
            raise InvalidValue("postal_code", "an Indian PIN code is 6 digits, not starting with 0")
        if self.preferred_language is not None and self.preferred_language not in LANGUAGES:
            raise InvalidValue(
                "preferred_language",
                f"not a supported language code; one of {', '.join(LANGUAGES)}",
            )
        for name in PHONE_FIELDS:
            value = getattr(self, name)
            if name == "primary_phone" and not value and self.status is CustomerStatus.ACTIVE:
                raise InvalidValue(name, "an active customer needs a primary phone")
            if value is not None:
                try:
                    if normalize_phone(value) != value:
                        raise InvalidValue(name, "phone must be stored in E.164 form")
                except InvalidPhone as exc:
                    raise InvalidValue(name, str(exc)) from exc


def _with_tags_as_tuple(values: Mapping[str, Any]) -> dict[str, Any]:
    """Tags are stored as a tuple; a list from JSON must compare equal to the same tags, and
    null (clear them) means no tags."""
    if "tags" not in values:
        return dict(values)
    return {**values, "tags": tuple(values["tags"] or ())}


@cache
def customer_field_names() -> tuple[str, ...]:
    """Every stored field, in declaration order (the repository maps rows by these)."""
    return tuple(f.name for f in fields(Customer))


@dataclass(frozen=True, slots=True)
class CustomerFilters:
    """List and count filters; every one is optional and they combine with AND."""

    customer_type: CustomerType | None = None
    status: CustomerStatus | None = None
    city: str | None = None
    state: str | None = None
    organization_id: UUID | None = None
    tag: str | None = None
    phone: str | None = None  # E.164; matches primary, secondary or WhatsApp
    legacy_id: str | None = None  # normalized (trimmed, case-folded)
