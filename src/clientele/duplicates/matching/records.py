"""A customer as matching sees it (MatchRecord) and the scan's blocking keys."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from clientele.duplicates.matching.fields import (
    address_key,
    email_key,
    gstin_or_none,
    phone_or_none,
    state_key,
)
from clientele.duplicates.matching.names import NameKey, name_key, phonetic, skeleton
from clientele.names.fold import city_key


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """What matching needs of one customer, already normalized."""

    id: str
    name: str  # as typed, for reasons
    key: NameKey
    customer_type: str | None
    phones: frozenset[str]
    email: str | None
    gstin: str | None
    city: str | None
    pincode: str | None
    address: str | None  # the whole address, folded
    state: str | None = None
    numbers: tuple[str, ...] = ()
    street: str | None = None
    locality: str | None = None
    # A person's name words in order (given name first, surname last); empty for businesses.
    person: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        id: str,
        name: str,
        customer_type: str | None = None,
        phones: Iterable[str | None] = (),
        email: str | None = None,
        gstin: str | None = None,
        city: str | None = None,
        state: str | None = None,
        pincode: str | None = None,
        address: Iterable[str | None] = (),
    ) -> "MatchRecord":
        """Normalize raw customer values (phones in any format; blanks and junk dropped).

        `address` is the address lines in order: the first is the street line (house number,
        street), the others the locality.
        """
        lines = list(address)
        rest = " ".join(part for part in lines[1:] if part)
        place = address_key(lines[0] if lines else None, rest or None)
        key = name_key(name)
        return cls(
            id=id,
            name=name,
            key=key,
            customer_type=customer_type,
            phones=frozenset(p for p in (phone_or_none(raw) for raw in phones) if p),
            email=email_key(email),
            gstin=gstin_or_none(gstin),
            city=city_key(city),
            pincode=(pincode or "").strip() or None,
            address=place.text,
            state=state_key(state),
            numbers=place.numbers,
            street=place.street,
            locality=place.locality,
            person=key.words if customer_type == "individual" else (),
        )


# A key shared by more customers than this is skipped: a switchboard on hundreds of records, or
# "City Hospital" in Mumbai, would cost quadratic comparisons and prove nothing.
MAX_BLOCK = 50
# A key starting with WEAK marks a weak block (a person's name word in a pincode, an address
# line): it is only used while at most MAX_WEAK_BLOCK customers share it.
WEAK = "~"
MAX_WEAK_BLOCK = 10


def block_limit(key: str) -> int:
    """The most customers a block may have and still be compared pair by pair."""
    return MAX_WEAK_BLOCK if key.startswith(WEAK) else MAX_BLOCK


def blocking_keys(record: MatchRecord) -> set[str]:
    """Keys two records must share one of to be compared at all (the scan's blocking).

    Several independent keys, so that a typo in one field does not hide a duplicate: the
    phone, e-mail, GSTIN; the name in its place (three spellings of it); the address with
    and without the place. A person's record (fewer identifiers, more ways to write a name)
    also gets weak keys: surname and given initial (and the other way round), each name word
    in the pincode and in the city, each address line alone, in the pincode and in the city,
    the house number with the street or the pincode.
    """
    keys = {f"p:{phone}" for phone in record.phones}
    if record.email:
        keys.add(f"e:{record.email}")
    if record.gstin:
        keys.add(f"g:{record.gstin}")
    where = record.city or record.pincode or ""
    if record.key.folded:
        words = sorted(phonetic(w) for w in record.key.folded.split())
        keys.add(f"n:{where}:{' '.join(words)}")
        keys.add(f"3:{where}:{' '.join(w[:3] for w in words)}")
        keys.add(f"k:{where}:{skeleton(record.key.core)}:{record.key.generic}")
    if record.address:
        keys.add(f"a:{where}:{skeleton(record.address)[:12]}")
        # Without the place: a mistyped city or pincode must not hide a duplicate.
        keys.add(f"b:{skeleton(record.address)[:16]}")
    if record.person:
        keys.update(_person_keys(record))
    return keys


def _person_keys(record: MatchRecord) -> Iterator[str]:
    pincode, city = record.pincode, record.city
    person = [phonetic(w) for w in record.person]
    if len(person) >= 2:
        given, surname = person[0], person[-1]
        yield f"{WEAK}s:{surname}:{given[0]}"
        yield f"{WEAK}g:{given}:{surname[0]}"
    for word in set(person):
        if pincode:
            yield f"{WEAK}wp:{pincode}:{word}"
        if city:
            yield f"{WEAK}wc:{city}:{word}"
    for line in (record.street, record.locality):
        if line:
            shape = skeleton(line)
            yield f"{WEAK}l:{shape[:6]}"
            if pincode:
                yield f"{WEAK}lp:{pincode}:{shape[:5]}"
            if city:
                yield f"{WEAK}lc:{city}:{shape[:5]}"
    if record.numbers:
        number = min(record.numbers)
        if record.street:
            yield f"{WEAK}ns:{number}:{skeleton(record.street)[:4]}"
        if pincode:
            yield f"{WEAK}np:{pincode}:{number}"
