"""Comparisons: each pair of records gets one level per field (or none when a value is missing)."""

import math
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import ratio, token_sort_ratio

from clientele.duplicates.matching.names import NameKey, name_similarity, phonetic
from clientele.duplicates.matching.records import MatchRecord

LEVELS: dict[str, tuple[str, ...]] = {
    "name": ("exact", "core", "high", "medium", "kind", "low", "different"),
    "given_name": ("exact", "high", "medium", "initial", "different"),
    "surname": ("exact", "high", "medium", "different"),
    "phone": ("same", "different"),
    "email": ("same", "alike", "different"),
    "gstin": ("same", "same_pan", "different"),
    "city": ("same", "alike", "different"),
    "state": ("same", "different"),
    "pincode": ("same", "alike", "different"),
    "street_number": ("same", "overlap", "different"),
    "street": ("same", "alike", "weak", "different"),
    "locality": ("same", "alike", "different"),
    "customer_type": ("same", "different"),
}
FIELDS: tuple[str, ...] = tuple(LEVELS)
(
    NAME,
    GIVEN,
    SURNAME,
    PHONE,
    EMAIL,
    GSTIN,
    CITY,
    STATE,
    PINCODE,
    NUMBER,
    STREET,
    LOCALITY,
    TYPE,
) = range(len(FIELDS))
NULL = -1
# A pair's levels packed into one int (mixed radix, level + 1 per field: 0 is "no value").
_RADIX = tuple(len(levels) + 1 for levels in LEVELS.values())
_BASES = tuple(math.prod(_RADIX[:i]) for i in range(len(_RADIX)))


def encode(levels: Iterable[int]) -> int:
    return sum((level + 1) * base for level, base in zip(levels, _BASES, strict=True))


def decode(code: int) -> tuple[int, ...]:
    out = []
    for radix in _RADIX:
        code, digit = divmod(code, radix)
        out.append(digit - 1)
    return tuple(out)


def other_kind(a: NameKey, b: NameKey) -> bool:
    """Whether two names say different kinds of place ("Skin Clinic" / "Dialysis Centre")."""
    if not a.generic or not b.generic or a.generic == b.generic:
        return False
    x, y = set(a.generic.split()), set(b.generic.split())
    return not (x <= y or y <= x)


@lru_cache(maxsize=262144)
def _org_name(a: NameKey, b: NameKey) -> tuple[int, float]:
    """The business-name level of two names, and their similarity."""
    if a.folded == b.folded:
        return 0, 1.0
    sim = name_similarity(a, b)
    if a.core == b.core or sim >= 0.85:
        if other_kind(a, b):
            return 4, sim  # one brand, another kind of place: a sister concern, not a retyping
        return (1 if a.core == b.core else 2 if sim >= 0.92 else 3), sim
    return (5 if sim >= 0.7 else 6), sim


@lru_cache(maxsize=262144)
def part_similarity(x: str, y: str) -> float:
    """0..1 for two words of a person's name; 1.0 for transliteration variants."""
    if x == y:
        return 1.0
    if len(x) == 1 or len(y) == 1:
        return 0.5 if x[0] == y[0] else 0.0  # an initial: weak, whatever the name
    if phonetic(x) == phonetic(y):
        return 1.0
    return JaroWinkler.similarity(x, y)


def _given_level(x: str, y: str) -> int:
    sim = part_similarity(x, y)
    if sim == 1.0:
        return 0
    if (len(x) == 1 or len(y) == 1) and x[0] == y[0]:
        return 3
    return 1 if sim >= 0.92 else 2 if sim >= 0.85 else 4


def _surname_level(x: str, y: str) -> int:
    sim = part_similarity(x, y)
    if sim == 1.0:
        return 0
    if len(x) == 1 or len(y) == 1:
        return 3
    return 1 if sim >= 0.92 else 2 if sim >= 0.85 else 3


def person_alignment(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str | None, ...]:
    """(given of a, given of b, surname of a, surname of b) as best aligned; None if absent.

    Given name first, surname last; the order is checked both ways ("Sharma Ravi" /
    "Ravi Sharma"). A one-word name is compared with whichever part it resembles more.
    """
    if len(a) >= 2 and len(b) >= 2:
        ga, sa, gb, sb = a[0], a[-1], b[0], b[-1]
        straight = part_similarity(ga, gb) + part_similarity(sa, sb)
        crossed = part_similarity(ga, sb) + part_similarity(sa, gb)
        if crossed > straight:
            return ga, sb, sa, gb
        return ga, gb, sa, sb
    if len(a) >= 2 or len(b) >= 2:
        one, two = (a[0], b) if len(a) == 1 else (b[0], a)
        if part_similarity(one, two[-1]) >= part_similarity(one, two[0]):
            pair = (one, two[-1]) if len(a) == 1 else (two[-1], one)
            return None, None, *pair
        pair = (one, two[0]) if len(a) == 1 else (two[0], one)
        return *pair, None, None
    return None, None, a[0], b[0]


def _text_level(x: str, y: str) -> int:
    """same / alike / weak / different for street words."""
    if x == y:
        return 0
    sim = token_sort_ratio(x, y)
    return 1 if sim >= 88 else 2 if sim >= 70 else 3


def _words_in(part: str, whole: str) -> bool:
    return set(part.split()) <= set(whole.split())


def _locality_level(a: MatchRecord, b: MatchRecord) -> int:
    x, y = a.locality, b.locality
    if x is None or y is None:
        # A locality typed on the street line: found there, it agrees.
        if x is not None and b.address and _words_in(x, b.address):
            return 1
        if y is not None and a.address and _words_in(y, a.address):
            return 1
        return NULL
    if x == y:
        return 0
    if _words_in(x, y) or _words_in(y, x) or token_sort_ratio(x, y) >= 88:
        return 1
    return 2


(
    _B_NAME,
    _B_GIVEN,
    _B_SURNAME,
    _B_PHONE,
    _B_EMAIL,
    _B_GSTIN,
    _B_CITY,
    _B_STATE,
    _B_PINCODE,
    _B_NUMBER,
    _B_STREET,
    _B_LOCALITY,
    _B_TYPE,
) = _BASES


def compare_code(a: MatchRecord, b: MatchRecord) -> int:
    """`compare` packed into one int (`encode`): the scan's inner loop, so written flat."""
    code = 0
    if a.person and b.person:
        ga, gb, sa, sb = person_alignment(a.person, b.person)
        if ga is not None and gb is not None:
            code += (_given_level(ga, gb) + 1) * _B_GIVEN
        if sa is not None and sb is not None:
            code += (_surname_level(sa, sb) + 1) * _B_SURNAME
    elif a.key.folded and b.key.folded:
        code += (_org_name(a.key, b.key)[0] + 1) * _B_NAME
    if a.phones and b.phones:
        code += (1 if a.phones & b.phones else 2) * _B_PHONE
    if a.email and b.email:
        if a.email == b.email:
            code += _B_EMAIL
        elif a.email.split("@")[0] == b.email.split("@")[0] and ratio(a.email, b.email) >= 85:
            code += 2 * _B_EMAIL
        else:
            code += 3 * _B_EMAIL
    if a.gstin and b.gstin:
        if a.gstin == b.gstin:
            code += _B_GSTIN
        else:
            code += (2 if a.gstin[2:12] == b.gstin[2:12] else 3) * _B_GSTIN
    if a.city and b.city:
        if a.city == b.city:
            code += _B_CITY
        else:
            code += (2 if JaroWinkler.similarity(a.city, b.city) >= 0.9 else 3) * _B_CITY
    if a.state and b.state:
        code += (1 if a.state == b.state else 2) * _B_STATE
    if a.pincode and b.pincode:
        if a.pincode == b.pincode:
            code += _B_PINCODE
        else:
            code += (2 if OSA.distance(a.pincode, b.pincode) <= 1 else 3) * _B_PINCODE
    if a.numbers and b.numbers:
        if a.numbers == b.numbers:
            code += _B_NUMBER
        else:
            code += (2 if set(a.numbers) & set(b.numbers) else 3) * _B_NUMBER
    if a.street and b.street:
        code += (_text_level(a.street, b.street) + 1) * _B_STREET
    code += (_locality_level(a, b) + 1) * _B_LOCALITY
    if a.customer_type and b.customer_type:
        code += (1 if a.customer_type == b.customer_type else 2) * _B_TYPE
    return code


def compare(a: MatchRecord, b: MatchRecord) -> tuple[int, ...]:
    """The level of each field (index into LEVELS[field], NULL when a value is missing)."""
    return decode(compare_code(a, b))


def contradicts(a: MatchRecord, b: MatchRecord) -> bool:
    """Whether two records cannot be one customer, whatever else they share: each has a valid
    GSTIN (checksum checked when the record was built) and they differ. A GSTIN is one legal
    registration; a clerk's typo fails the checksum and is no GSTIN at all. Used by the groups'
    check (`PairScorer.groups`), not by a pair's score: the pair is still shown."""
    return a.gstin is not None and b.gstin is not None and a.gstin != b.gstin
