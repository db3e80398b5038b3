"""Personal data rules (DPDP Act 2023): which fields are personal, what replaces them, when an
erasure is refused, and how a value the person gave is found inside free text and JSON.

Pure Python: no web framework, no database. docs/privacy.md maps each right to this feature.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from clientele.errors import Conflict, DomainError

# The one list of a customer's personal fields (issue 13 renames some: both spellings are
# listed; only columns the table has are written). `name` is replaced by a placeholder; every
# other field becomes its "empty" value below. Fields not listed (type, tier, status, country,
# preferred language/contact method, version, times, actors) are not personal and stay.
CUSTOMER_PERSONAL_FIELDS: tuple[str, ...] = (
    "name",
    "display_name",
    "primary_phone",
    "secondary_phone",
    "whatsapp_number",
    "email",
    "primary_email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "pincode",
    "postal_code",
    "gstin",
    "tax_id",
    "registration_number",
    "website",
    "notes",
    "blocked_reason",
    "tags",
    "metadata",
)
CONTACT_PERSONAL_FIELDS: tuple[str, ...] = ("name", "role", "phone", "email", "whatsapp")
# Fields holding phone numbers (E.164): matched in free text by their digits, in any format.
PHONE_FIELDS = frozenset(
    {"primary_phone", "secondary_phone", "whatsapp_number", "phone", "whatsapp"}
)
# Fields holding a person's name: each of its words (4+ letters) is searched for as well.
NAME_FIELDS = frozenset({"name", "display_name", "customer_name", "customer_contact_name"})
# Fields too generic to search for in other records' text (a city names many people).
NOT_SEARCHED = frozenset({"city", "state", "tags", "metadata", "blocked_reason", "role"})
_EMPTY: Mapping[str, Any] = {"tags": [], "metadata": {}}

# What replaces a value found in free text or JSON of other records.
ERASED = "[erased]"
# An erased customer is `inactive`: it has no phone any more, and only an inactive (or blocked)
# customer may have none (revision 0004); inactive, not blocked, because nobody decided to
# refuse them service.
ERASED_STATUS = "inactive"
# An erased record's own placeholder is not a value to search for (erasing twice is harmless).
_PLACEHOLDER_PREFIXES = ("Erased customer ", "Erased contact ", ERASED)
# Values shorter than this are not searched for in free text: they would match everywhere.
_MIN_SEARCHED = 4
_PHONE_LIKE = re.compile(r"\+?\d[\d\s().\-/]{6,}\d")
_UUID_LIKE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


class NotAnIndividual(DomainError):
    """Only a person's record can be erased this way; an organization's cannot."""

    status = 422
    slug = "not-an-individual"
    title = "Not an individual"


class LegalHold(Conflict):
    """The erasure is refused while a legal hold applies; `reasons` lists each one."""

    slug = "legal-hold"
    title = "Personal data under a legal hold"

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("this customer's data cannot be erased now: " + "; ".join(reasons),
                         reasons=reasons)  # fmt: skip
        self.reasons = reasons


def customer_placeholder(customer_id: UUID) -> str:
    """The name an erased customer keeps: says what happened, and stays findable by its id."""
    return f"Erased customer {str(customer_id)[:8]}"


def contact_placeholder(contact_id: UUID) -> str:
    """The name an erased contact person keeps."""
    return f"Erased contact {str(contact_id)[:8]}"


def erased_values(fields: Iterable[str], *, name: str) -> dict[str, Any]:
    """Field -> the value it gets on erasure: the placeholder name, else empty or NULL."""
    return {f: name if f == "name" else _EMPTY.get(f) for f in fields}


def hold_reasons(
    *,
    open_tickets: int,
    last_closed_at: datetime | None,
    now: datetime,
    retention_days: int,
    explicit_hold: str | None,
    merged_into: UUID | None,
) -> list[str]:
    """Why the customer's data may not be erased now (empty: it may)."""
    reasons = []
    if explicit_hold is not None:
        reasons.append(f"a legal hold is in place: {explicit_hold}")
    if open_tickets:
        reasons.append(f"{open_tickets} open ticket(s): close them first")
    if retention_days > 0 and last_closed_at is not None:
        until = last_closed_at + timedelta(days=retention_days)
        if now < until:
            reasons.append(
                f"service records are kept {retention_days} days after the last ticket closed"
                f" (until {until.date().isoformat()})"
            )
    if merged_into is not None:
        reasons.append(
            f"merged into customer {merged_into}: undo the merge, or erase that customer"
        )
    return reasons


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


@dataclass(frozen=True)
class Scrubber:
    """Finds the person's values inside other records' text and JSON and replaces them.

    Texts match case-insensitively as substrings; phones match by their last ten digits in any
    format (`098123 45678`, `+91-98123-45678`), as the legacy tables typed them.
    """

    texts: frozenset[str]
    phones: frozenset[str]  # national significant numbers (last 10 digits)

    @classmethod
    def of(
        cls, records: Iterable[Mapping[str, Any]], extra_texts: Iterable[str] = ()
    ) -> "Scrubber":
        """Collect the searched values of the given records (rows, versions, archives)."""
        texts: set[str] = set()
        phones: set[str] = set()
        for record in records:
            for field, value in record.items():
                if not isinstance(value, str) or field in NOT_SEARCHED:
                    continue
                if value.startswith(_PLACEHOLDER_PREFIXES):  # erasing twice changes nothing
                    continue
                if field in PHONE_FIELDS or field.endswith("_phone") or field.endswith("whatsapp"):
                    digits = _digits(value)
                    if len(digits) >= 8:
                        phones.add(digits[-10:])
                    continue
                texts.add(value)
                if field in NAME_FIELDS:  # "Orvalda" alone in a ticket title names her too
                    texts.update(re.split(r"[^\w@.]+", value))
        for value in extra_texts:
            texts.add(value)
        kept = {
            t.strip()
            for t in texts
            if len(t.strip()) >= _MIN_SEARCHED and not t.startswith(_PLACEHOLDER_PREFIXES)
        }
        return cls(texts=frozenset(kept), phones=frozenset(phones))

    def __post_init__(self) -> None:
        ordered = sorted(self.texts, key=len, reverse=True)  # longest first
        pattern = re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)
        object.__setattr__(self, "_texts", pattern if ordered else None)

    def text(self, value: str) -> str:
        """`value` with every occurrence of the person's values replaced by [erased]."""
        pattern: re.Pattern[str] | None = getattr(self, "_texts")  # noqa: B009 - set above
        out = pattern.sub(ERASED, value) if pattern is not None else value
        if self.phones:
            out = _PHONE_LIKE.sub(self._phone, out)
        return out

    def _phone(self, match: re.Match[str]) -> str:
        return ERASED if _digits(match.group(0))[-10:] in self.phones else match.group(0)

    def json(self, value: Any) -> Any:
        """A JSON value with every string scrubbed (keys and ids kept)."""
        if isinstance(value, str):
            return value if _UUID_LIKE.match(value) else self.text(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        return value
