"""What an agent types into the search box, turned into what the database can match."""

from dataclasses import dataclass
from uuid import UUID

from clientele.names.fold import query_words
from clientele.phones import InvalidPhone, looks_like_phone, normalize_phone


def normalize_name_query(text: str) -> str:
    """Folded words ("Hosp." -> hospital, "D.Y." -> dy), as every reader of names folds them."""
    return query_words(text)


def normalize_legacy_id(raw: str) -> str:
    """The stored form of an old customer id: trimmed, case-folded; uuids as 32 hex digits."""
    text = raw.strip().lower()
    try:
        return UUID(text).hex
    except ValueError:
        return text


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """The ways one search box entry can name a customer."""

    uuid: UUID | None
    phone: str | None
    legacy_id: str | None
    name: str | None


def parse_query(text: str) -> ParsedQuery:
    """Read a search entry as an id, a phone number, a legacy id and/or a name."""
    stripped = text.strip()
    try:
        uuid: UUID | None = UUID(stripped)
    except ValueError:
        uuid = None
    phone = None
    if looks_like_phone(stripped):
        try:
            phone = normalize_phone(stripped)
        except InvalidPhone:
            phone = None
    # Names hold digits too ("100% Pure Care"); an entry read as a phone is not a name.
    is_name = any(ch.isalpha() for ch in stripped) or (
        phone is None and any(ch.isalnum() for ch in stripped)
    )
    name = normalize_name_query(stripped) if is_name else None
    legacy_id = normalize_legacy_id(stripped) if uuid is None and len(stripped) <= 64 else None
    return ParsedQuery(
        uuid=uuid,
        phone=phone,
        legacy_id=legacy_id or None,
        name=name if uuid is None and name else None,
    )
