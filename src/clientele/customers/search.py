"""What an agent types into the search box, turned into what the database can match."""

import re
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
    # A place typed after the name ("... (Latur)", "... - Malegaon", "..., Baner"): the name
    # part as typed, and the place, which ranks customers of that city (or with that locality
    # in their name) first. The name search itself reads the whole entry.
    name_part: str | None = None
    place: str | None = None


# "Name (Place)", "Name - Place", "Name, Place": the place is the last part.
_PLACE = re.compile(
    r"^(?P<name>.*\S)\s*(?:"
    r"\((?P<p1>[^()]+)\)"  # Name (Place)
    r"|\s[-\u2013]\s+(?P<p2>[^-\u2013(),]+)"  # Name - Place
    r"|,\s*(?P<p3>[^,()]+)"  # Name, Place
    r")\s*$"
)


def split_place(text: str) -> tuple[str, str | None]:
    """(name, place) of a search entry that ends with a place; (text, None) otherwise."""
    found = _PLACE.match(text.strip())
    if found is None:
        return text.strip(), None
    place = (found["p1"] or found["p2"] or found["p3"] or "").strip()
    name = found["name"].strip(" -,")
    if not place or not any(ch.isalpha() for ch in place) or not any(ch.isalpha() for ch in name):
        return text.strip(), None
    return name, place


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
    name_part, place = split_place(stripped)
    return ParsedQuery(
        uuid=uuid,
        phone=phone,
        legacy_id=legacy_id or None,
        name=name if uuid is None and name else None,
        name_part=name_part,
        place=place,
    )
