"""Duplicate matching: normalized keys, blocking keys and a Fellegi-Sunter model.

Pure Python (rapidfuzz and the phone/GSTIN helpers only): no database, no web framework.
Each pair of customers gets a level per compared field (`compare`); every level has a log2
Bayes factor log2(m/u) (how much more often it happens among true duplicates than among
different customers), estimated by EM on each scan's candidate pairs (`estimate`); the sum is
the match weight, turned into a probability with a prior. Each contribution carries a
human-readable reason.

Why not raw trigram similarity: generic words dominate it ("ABC Hospital" is closer to
"XYZ Hospital" than to "A.B.C Hospitals"). Names are folded first (dotted initials joined,
abbreviations expanded, legal suffixes and honorifics dropped, transliteration variants
folded) and split into a distinctive core ("abc") and generic words ("hospital"); the core
decides, the generic words only tell a hospital from a nursing home of the same brand.
"""

import math
import re
import unicodedata
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import ratio, token_set_ratio, token_sort_ratio
from rapidfuzz.process import extractOne

from clientele.gstin import GST_STATE_CODES, InvalidGstin, state_code_for, validate_gstin
from clientele.phones import InvalidPhone, normalize_phone

# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------

# Words agents abbreviate, and their spelled-out form (after case folding, punctuation gone).
ABBREVIATIONS = {
    "hosp": "hospital",
    "hospl": "hospital",
    "hosptl": "hospital",
    "hsp": "hospital",
    "hospitals": "hospital",
    "clin": "clinic",
    "clinics": "clinic",
    "diag": "diagnostics",
    "diagn": "diagnostics",
    "diagnostic": "diagnostics",
    "ctr": "centre",
    "cntr": "centre",
    "center": "centre",
    "centres": "centre",
    "centers": "centre",
    "lab": "laboratory",
    "labs": "laboratory",
    "laboratories": "laboratory",
    "path": "pathology",
    "nh": "nursing home",
    "mfg": "manufacturing",
    "specialty": "speciality",
    "spl": "speciality",
    "multispecialty": "multispeciality",
    "superspeciality": "super speciality",
    "med": "medical",
    "medicals": "medical",
    "intl": "international",
    "svcs": "services",
    "eqpt": "equipments",
    "equipment": "equipments",
    "inst": "institute",
}
# Two-word forms folded to one word ("N. Home" is a nursing home; "multi speciality" one word).
PHRASES = {
    ("n", "home"): ("nursing", "home"),
    ("multi", "speciality"): ("multispeciality",),
    ("multi", "specialty"): ("multispeciality",),
}
LEGAL_WORDS = frozenset(
    {"pvt", "private", "ltd", "limited", "llp", "trust", "inc", "co", "corp", "opc", "regd"}
)
HONORIFICS = frozenset(
    {"dr", "doctor", "sri", "shri", "shree", "sree", "smt", "mr", "mrs", "ms", "prof", "m/s"}
)
STOP_WORDS = frozenset({"and", "the", "of", "at", "s"})
# Words that say what kind of place it is, not which one: they must not dominate similarity.
GENERIC_WORDS = frozenset(
    {
        "hospital",
        "clinic",
        "nursing",
        "home",
        "centre",
        "diagnostics",
        "laboratory",
        "pathology",
        "multispeciality",
        "super",
        "speciality",
        "medical",
        "healthcare",
        "health",
        "care",
        "services",
        "institute",
        "research",
        "imaging",
        "scan",
        "clinical",
        "polyclinic",
        "maternity",
        "memorial",
        "surgicals",
        "surgical",
        "systems",
        "solutions",
        "agencies",
        "equipments",
        "distributors",
        "devices",
        "technologies",
        "group",
        "network",
        "dental",
        "eye",
        "children",
        "child",
        "women",
        "ent",
        "diabetes",
        "ortho",
        "heart",
        "cancer",
        "orthopaedic",
        "family",
        "dialysis",
        "ivf",
        "skin",
        "physiotherapy",
        "rehab",
        "mri",
        "ct",
    }
)

_TOKEN = re.compile(r"[^\W_]+|&", re.UNICODE)
_POSSESSIVE = re.compile(r"['\u2019]s\b")
_INNER_APOSTROPHE = re.compile(r"(?<=\w)['\u2019](?=\w)")
# Transliteration variants of one sound, folded to one spelling (applied in this order).
_PHONETIC = (
    ("ksh", "x"),
    ("aa", "a"),
    ("ee", "i"),
    ("oo", "u"),
    ("ph", "f"),
    ("bh", "b"),
    ("dh", "d"),
    ("gh", "g"),
    ("kh", "k"),
    ("th", "t"),
    ("sh", "s"),
    ("w", "v"),
    ("z", "j"),
    ("q", "k"),
    ("y", "i"),
)
_DOUBLE = re.compile(r"(.)\1+")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_VOWELS = re.compile(r"[aeiou]")


def _ascii_fold(text: str) -> str:
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=262144)
def phonetic(word: str) -> str:
    """A word with transliteration variants folded ("Sanjeevani" and "Sanjivani" agree)."""
    if not word.isascii() or word.isdigit():
        return word
    for old, new in _PHONETIC:
        word = word.replace(old, new)
    word = _DOUBLE.sub(r"\1", word)
    if len(word) > 3 and word.endswith("a"):
        word = word[:-1]  # Ganesha / Ganesh, Krishna / Krishn
    return word


def name_tokens(name: str) -> list[str]:
    """Folded words of a name: case, punctuation, dotted initials, abbreviations, suffixes."""
    text = _INNER_APOSTROPHE.sub("", _POSSESSIVE.sub("", _ascii_fold(name)))  # D'Souza: one word
    raw = ["and" if t == "&" else t for t in _TOKEN.findall(text)]
    # "A.B.C." and "A B C" become one word, "abc"; a lone initial stays as it is.
    joined: list[str] = []
    run: list[str] = []
    for token in [*raw, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        if run:
            joined.append("".join(run) if len(run) > 1 else run[0])
            run = []
        if token:
            joined.append(token)
    words: list[str] = []
    i = 0
    while i < len(joined):
        pair = tuple(joined[i : i + 2])
        if len(pair) == 2 and pair in PHRASES:
            words.extend(PHRASES[pair])
            i += 2
            continue
        words.extend(ABBREVIATIONS.get(joined[i], joined[i]).split())
        i += 1
    return [w for w in words if w not in HONORIFICS and w not in STOP_WORDS and not _is_legal(w)]


_LEGAL_PHONETIC = frozenset(phonetic(w) for w in LEGAL_WORDS)
_LONG_LEGAL_WORDS = tuple(w for w in LEGAL_WORDS if len(w) >= 7)


@lru_cache(maxsize=65536)
def _is_legal(word: str) -> bool:
    """A legal-form word, as spelled or mistyped ("Pwt", "Priwate", "Limted")."""
    if word in LEGAL_WORDS or phonetic(word) in _LEGAL_PHONETIC:
        return True
    if len(word) < 6 or not word.isalpha():
        return False
    return extractOne(word, _LONG_LEGAL_WORDS, scorer=OSA.distance, score_cutoff=1) is not None


@dataclass(frozen=True, slots=True)
class NameKey:
    """A name split into what identifies it (core) and what kind of place it names (generic)."""

    folded: str  # every folded word, in order
    core: str  # distinctive words, transliteration-folded, sorted
    generic: str  # generic words, sorted
    words: tuple[str, ...] = ()  # distinctive words as typed (folded), in order: a person's

    @property
    def phonetic_all(self) -> str:
        """Every word transliteration-folded, sorted: the exact-name blocking key."""
        return " ".join(sorted(phonetic(w) for w in self.folded.split()))


_GENERIC_BY_PHONETIC = {phonetic(w): w for w in sorted(GENERIC_WORDS)}


def _edits(word: str) -> int:
    # Two edits only for long words: "Medicare" is two edits from "medical" and is a brand.
    return 1 if len(word) < 10 else 2


@lru_cache(maxsize=65536)
def _generic_spelling(word: str) -> str:
    """A typo of a generic word ("Cliniic", "Hospitl") read as that word; others unchanged."""
    if word in GENERIC_WORDS or len(word) < 5 or not word.isalpha():
        return word
    # Optimal string alignment: a swap of two letters is one edit, as a typist makes it.
    best = extractOne(word, GENERIC_WORDS, scorer=OSA.distance, score_cutoff=_edits(word))
    if best is None and len(word) >= 6:  # a typo on a transliteration variant: "Sewices"
        folded = phonetic(word)
        alike = [g for g in _GENERIC_BY_PHONETIC if g[0] == folded[0]]
        best = extractOne(folded, alike, scorer=OSA.distance, score_cutoff=1)
        return _GENERIC_BY_PHONETIC[best[0]] if best is not None else word
    return str(best[0]) if best is not None else word


@lru_cache(maxsize=262144)
def name_key(name: str) -> NameKey:
    """Normalize a name for matching (pure)."""
    words = [_generic_spelling(w) for w in name_tokens(name)]
    core = sorted(phonetic(w) for w in words if w not in GENERIC_WORDS)
    generic = sorted(w for w in words if w in GENERIC_WORDS)
    if not core:  # "City Hospital" style names made only of generic words keep them all
        core = sorted(phonetic(w) for w in generic)
    return NameKey(
        folded=" ".join(words),
        core=" ".join(core),
        generic=" ".join(generic),
        words=tuple(w for w in words if w not in GENERIC_WORDS),
    )


def name_similarity(a: NameKey, b: NameKey) -> float:
    """0..1: how alike two names are, led by their distinctive words."""
    if a.folded == b.folded:
        return 1.0
    core = max(token_sort_ratio(a.core, b.core), token_set_ratio(a.core, b.core) - 8) / 100
    if " " not in a.core and " " not in b.core and min(len(a.core), len(b.core)) >= 5:
        # One-word names: Jaro-Winkler forgives a typo better; short ones ("Sai", "Saik")
        # are too easily alike to be trusted with it.
        core = max(core, JaroWinkler.similarity(a.core, b.core) - 0.03)
    if a.core.replace(" ", "") == b.core.replace(" ", ""):
        core = 1.0  # "Sai Ram" / "Sairam"
    elif len(a.core) >= 5 and a.core[0] == b.core[0] and _skeleton(a.core) == _skeleton(b.core):
        core = max(core, 0.95)  # vowels typed differently: "Sowmya Hegde" / "Swmya Hegade"
    elif OSA.distance(a.core, b.core) <= 1 and (
        min(len(a.core), len(b.core)) >= 5 or sorted(a.core) == sorted(b.core)
    ):
        core = max(core, 0.93)  # one slip of the finger ("Surya" / "Suyra")
    generic = 1.0 if a.generic == b.generic else token_set_ratio(a.generic, b.generic) / 100
    similarity = 0.85 * core + 0.15 * generic
    if not a.words or not b.words:
        # A name of generic words only ("Care Clinic"): nothing distinctive to lead, so the
        # whole name counts ("Care Cilic" is that name mistyped, not another one).
        whole = token_sort_ratio(a.folded, b.folded) / 100
        similarity = max(similarity, whole - 0.05)
    return round(similarity, 4)


# --------------------------------------------------------------------------------------------
# Other fields
# --------------------------------------------------------------------------------------------

CITY_ALIASES = {
    "bombay": "mumbai",
    "bangalore": "bengaluru",
    "bengalooru": "bengaluru",
    "calcutta": "kolkata",
    "madras": "chennai",
    "gurgaon": "gurugram",
    "trivandrum": "thiruvananthapuram",
    "cochin": "kochi",
    "ernakulam": "kochi",
    "mysore": "mysuru",
    "mangalore": "mangaluru",
    "poona": "pune",
    "baroda": "vadodara",
    "pondicherry": "puducherry",
    "calicut": "kozhikode",
    "new delhi": "delhi",
    "vizag": "visakhapatnam",
    "benares": "varanasi",
    "banaras": "varanasi",
    "allahabad": "prayagraj",
}


@lru_cache(maxsize=65536)
def city_key(city: str | None) -> str | None:
    """A city folded for comparison, old names mapped to current ones ("Bombay" -> mumbai)."""
    if not city:
        return None
    folded = " ".join(_TOKEN.findall(_ascii_fold(city)))
    return CITY_ALIASES.get(folded, folded) or None


def phone_or_none(raw: str | None) -> str | None:
    """E.164 for any common Indian format, None for a blank or invalid number."""
    if not raw or not raw.strip():
        return None
    if _E164.match(raw):
        return raw  # stored phones are E.164 already: no need to parse them again
    try:
        return normalize_phone(raw)
    except InvalidPhone:
        return None


def email_key(raw: str | None) -> str | None:
    """An e-mail address trimmed and lower-cased (None when blank or not an address)."""
    if not raw:
        return None
    value = raw.strip().lower()
    return value if "@" in value else None


def gstin_or_none(raw: str | None) -> str | None:
    """A GSTIN whose checksum holds, upper-cased; None otherwise (an invalid one proves nothing).

    The state code is not checked against the address here: a mismatch is a data-quality
    problem of one record, not evidence about two.
    """
    if not raw or not raw.strip():
        return None
    try:
        return validate_gstin(raw.strip().upper())
    except InvalidGstin:
        return None


# The two-letter codes Indian addresses use for states and union territories (vehicle codes).
STATE_ABBREVIATIONS = {
    "an": "andaman and nicobar islands",
    "ap": "andhra pradesh",
    "ar": "arunachal pradesh",
    "as": "assam",
    "br": "bihar",
    "cg": "chhattisgarh",
    "ct": "chhattisgarh",
    "ch": "chandigarh",
    "dl": "delhi",
    "ga": "goa",
    "gj": "gujarat",
    "hp": "himachal pradesh",
    "hr": "haryana",
    "jh": "jharkhand",
    "jk": "jammu and kashmir",
    "ka": "karnataka",
    "kl": "kerala",
    "la": "ladakh",
    "mh": "maharashtra",
    "ml": "meghalaya",
    "mn": "manipur",
    "mp": "madhya pradesh",
    "mz": "mizoram",
    "nl": "nagaland",
    "od": "odisha",
    "or": "odisha",
    "pb": "punjab",
    "py": "puducherry",
    "rj": "rajasthan",
    "sk": "sikkim",
    "tg": "telangana",
    "ts": "telangana",
    "tn": "tamil nadu",
    "tr": "tripura",
    "uk": "uttarakhand",
    "up": "uttar pradesh",
    "wb": "west bengal",
}


@lru_cache(maxsize=4096)
def state_key(state: str | None) -> str | None:
    """A state folded for comparison: its GST name when recognised ("Orissa", "OR" = Odisha)."""
    if not state or not state.strip():
        return None
    folded = " ".join(_TOKEN.findall(_ascii_fold(state)))
    code = state_code_for(STATE_ABBREVIATIONS.get(folded, folded))
    if code is not None:
        return GST_STATE_CODES[code].casefold()
    return folded or None


# Address words typed short, and their spelled-out form.
ADDRESS_ABBREVIATIONS = {
    "rd": "road",
    "st": "street",
    "str": "street",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "nr": "near",
    "opp": "opposite",
    "bldg": "building",
    "apt": "apartment",
    "apts": "apartments",
    "mkt": "market",
    "hwy": "highway",
    "cres": "crescent",
    "sq": "square",
    "ngr": "nagar",
    "sec": "sector",
    "extn": "extension",
}
# Words that only announce a number ("Plot No. 54", "Door No 12-2-5"): not part of the street.
ADDRESS_NOISE = frozenset({"no", "number", "plot", "door", "flat", "house", "shop", "unit"})


def _address_words(text: str) -> list[str]:
    words: list[str] = []
    run = ""  # "M.G. Road": the initials become one word, "mg"
    for token in [*_TOKEN.findall(_ascii_fold(text)), ""]:
        if len(token) == 1 and token.isalpha():
            run += token
            continue
        if run:
            words.append(run)
            run = ""
        if token.isalnum():  # "&" is not a word of the address
            words.append(ADDRESS_ABBREVIATIONS.get(token, token))
    return words


@dataclass(frozen=True, slots=True)
class AddressKey:
    """An address split for comparison: house numbers, street words, locality (folded)."""

    numbers: tuple[str, ...]  # tokens with a digit in the first line, sorted: "1st", "54"
    street: str | None  # the first line's other words, number markers dropped
    locality: str | None  # the other lines (locality, area, suburb line, landmark)
    text: str | None  # everything, folded (blocking keys)


def address_key(line1: str | None, rest: str | None = None) -> AddressKey:
    """Normalize an address (pure): `line1` is the street line, `rest` the locality lines."""
    first = _address_words(line1) if line1 else []
    other = _address_words(rest) if rest else []
    # Words come out of _TOKEN as letters and digits only: not all letters means a number.
    numbers = tuple(sorted({w for w in first if not w.isalpha()}))
    street = [w for w in first if w.isalpha() and w not in ADDRESS_NOISE]
    everything = " ".join([*first, *other])
    return AddressKey(
        numbers=numbers,
        street=" ".join(street) or None,
        locality=" ".join(other) or None,
        text=everything or None,
    )


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


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


@lru_cache(maxsize=262144)
def _skeleton(text: str) -> str:
    """Consonants only, doubles collapsed: survives vowel typos and transliterations."""
    return _DOUBLE.sub(r"\1", _VOWELS.sub("", text.replace(" ", "")))


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
        keys.add(f"k:{where}:{_skeleton(record.key.core)}:{record.key.generic}")
    if record.address:
        keys.add(f"a:{where}:{_skeleton(record.address)[:12]}")
        # Without the place: a mistyped city or pincode must not hide a duplicate.
        keys.add(f"b:{_skeleton(record.address)[:16]}")
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
            skeleton = _skeleton(line)
            yield f"{WEAK}l:{skeleton[:6]}"
            if pincode:
                yield f"{WEAK}lp:{pincode}:{skeleton[:5]}"
            if city:
                yield f"{WEAK}lc:{city}:{skeleton[:5]}"
    if record.numbers:
        number = min(record.numbers)
        if record.street:
            yield f"{WEAK}ns:{number}:{_skeleton(record.street)[:4]}"
        if pincode:
            yield f"{WEAK}np:{pincode}:{number}"


# --------------------------------------------------------------------------------------------
# Comparisons: each pair of records gets one level per field (or none, when a value is missing)
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# The model: m and u probabilities per level (Fellegi-Sunter), term frequencies
# --------------------------------------------------------------------------------------------


class Model:
    """m = P(level | duplicate), u = P(level | different customers) for each field's levels,
    and the share of duplicates among the candidate pairs (the prior).

    A level's weight is log2(m/u); a pair's weight is the sum over its fields. The probability
    that a pair is one customer is 1 / (1 + 2^-(weight + prior)).
    """

    __slots__ = ("duplicate_share", "m", "prior", "source", "u", "weights")

    def __init__(
        self,
        m: dict[str, tuple[float, ...]],
        u: dict[str, tuple[float, ...]],
        duplicate_share: float,
        source: str = "default",
    ) -> None:
        self.m = m
        self.u = u
        self.duplicate_share = duplicate_share
        self.source = source
        self.weights: tuple[tuple[float, ...], ...] = tuple(
            tuple(math.log2(mi / ui) for mi, ui in zip(m[f], u[f], strict=True)) for f in FIELDS
        )
        self.prior = math.log2(duplicate_share / (1.0 - duplicate_share))

    def weight(self, field: str, level: str) -> float:
        return self.weights[FIELDS.index(field)][LEVELS[field].index(level)]

    def code_weight(self, code: int) -> float:
        total = 0.0
        for k, level in enumerate(decode(code)):
            if level != NULL:
                total += self.weights[k][level]
        return total

    def as_dict(self) -> dict[str, object]:
        return {
            "duplicate_share": round(self.duplicate_share, 6),
            "m": {f: [round(x, 5) for x in self.m[f]] for f in FIELDS},
            "u": {f: [round(x, 5) for x in self.u[f]] for f in FIELDS},
        }


class TermFrequencies:
    """How common each value of a field is in the scanned data (term-frequency adjustment).

    The adjustment is log2(u_average / u_value): u_value the chance that two random records
    share this value, u_average the same over all values; clamped, so no value decides alone.
    A match on a rare surname is stronger evidence than on "Sharma"; on "City Hospital" weaker.
    """

    LOW, HIGH = -5.0, 5.0

    def __init__(self, values: Iterable[str]) -> None:
        counts: dict[str, int] = {}
        for value in values:
            counts[value] = counts.get(value, 0) + 1
        total = sum(counts.values()) or 1
        self._counts = counts
        self._total = total
        self._average = sum(c * c for c in counts.values()) / (total * total) or 1.0

    @property
    def maximum(self) -> float:
        """The largest adjustment any agreement can get (a value seen once)."""
        return round(min(self.HIGH, max(self.LOW, math.log2(self._average * self._total))), 2)

    def adjustment(self, a: str, b: str) -> float:
        """The weight to add when two records agree on these values (the commoner counts)."""
        count = max(self._counts.get(a, 1), self._counts.get(b, 1))
        value = math.log2(self._average / (count / self._total))
        return round(min(self.HIGH, max(self.LOW, value)), 2)


class Rarity:
    """Term frequencies of the fields whose values differ most in how common they are."""

    def __init__(self, records: Iterable[MatchRecord]) -> None:
        cores: list[str] = []
        given: list[str] = []
        surnames: list[str] = []
        for r in records:
            if r.person:
                given.append(phonetic(r.person[0]))
                if len(r.person) >= 2:
                    surnames.append(phonetic(r.person[-1]))
            elif r.key.core:
                cores.append(r.key.core)
        self.name = TermFrequencies(cores)
        self.given = TermFrequencies(given)
        self.surname = TermFrequencies(surnames)
        # The most any pair can gain from the adjustment: a scan skips pairs that cannot match.
        self.most = max(self.name.maximum, self.given.maximum + self.surname.maximum, 0.0)

    def field_adjustment(self, a: MatchRecord, b: MatchRecord, k: int, level: int) -> float:
        """The adjustment of one field's level: agreeing names only (0 otherwise)."""
        if k == NAME and level in (0, 1):
            return self.name.adjustment(a.key.core, b.key.core)
        if level != 0 or k not in (GIVEN, SURNAME):
            return 0.0
        ga, gb, sa, sb = person_alignment(a.person, b.person)
        if k == GIVEN and ga is not None and gb is not None:
            return self.given.adjustment(phonetic(ga), phonetic(gb))
        if k == SURNAME and sa is not None and sb is not None:
            return self.surname.adjustment(phonetic(sa), phonetic(sb))
        return 0.0

    def adjustment(self, a: MatchRecord, b: MatchRecord, levels: tuple[int, ...]) -> float:
        """The term-frequency adjustment of a pair's agreeing names (0 when none agree)."""
        total = 0.0
        for k in (NAME, GIVEN, SURNAME):
            if levels[k] in (0, 1):
                total += self.field_adjustment(a, b, k, levels[k])
        return total


# m and u per level and the share of duplicates among candidate pairs before any estimation:
# the parameters of the online check, the start (and prior) of each scan's EM, and the m a
# scan keeps when its own estimate is not plausible. Made by EM on the development set (the
# synthetic Indian set, seed 1), every m at least 1%: `evaluation.fit_default_model` and
# `evaluation.default_model_source`.
DEFAULT_MODEL = Model(
    m={
        "name": (0.681, 0.102, 0.159, 0.0279, 0.00982, 0.0102, 0.00982),
        "given_name": (0.715, 0.231, 0.0337, 0.00984, 0.00984),
        "surname": (0.806, 0.164, 0.0197, 0.00992),
        "phone": (0.86, 0.14),
        "email": (0.98, 0.00981, 0.00981),
        "gstin": (0.98, 0.00981, 0.00981),
        "city": (0.98, 0.0098, 0.0098),
        "state": (0.98, 0.02),
        "pincode": (0.98, 0.0098, 0.0098),
        "street_number": (0.98, 0.0098, 0.0098),
        "street": (0.971, 0.00971, 0.00971, 0.00971),
        "locality": (0.98, 0.0098, 0.0098),
        "customer_type": (0.99, 0.0099),
    },
    u={
        "name": (0.0806, 0.0034, 0.00338, 0.000988, 0.00613, 0.0173, 0.888),
        "given_name": (0.38, 0.00658, 0.00597, 0.0001, 0.608),
        "surname": (0.389, 0.00529, 0.0018, 0.604),
        "phone": (0.00681, 0.993),
        "email": (0.0421, 0.01, 0.948),
        "gstin": (0.0001, 0.0001, 1),
        "city": (0.832, 0.0001, 0.168),
        "state": (0.6, 0.4),
        "pincode": (0.615, 0.0608, 0.324),
        "street_number": (0.225, 0.071, 0.704),
        "street": (0.447, 0.0001, 0.0321, 0.521),
        "locality": (0.636, 0.00261, 0.361),
        "customer_type": (0.476, 0.524),
    },
    duplicate_share=0.06458,
)
# From this probability a pair is a likely duplicate (chosen on the development sets, not on
# the reported ones: see docs/duplicates.md).
MATCH_PROBABILITY = 0.2


# --------------------------------------------------------------------------------------------
# Scores and reasons
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence, with its log2 Bayes factor (positive: for a duplicate)."""

    field: str
    level: str
    text: str
    weight: float

    def as_dict(self) -> dict[str, object]:
        return {"field": self.field, "text": self.text, "weight": round(self.weight, 2)}


@dataclass(frozen=True, slots=True)
class Score:
    """The match weight of a pair, its probability and the evidence behind it."""

    weight: float
    reasons: tuple[Reason, ...] = field(default=())
    prior: float = DEFAULT_MODEL.prior

    @property
    def probability(self) -> float:
        """P(duplicate | evidence) under the model's prior."""
        return 1.0 / (1.0 + math.pow(2.0, -(self.weight + self.prior)))

    @property
    def is_match(self) -> bool:
        return self.probability >= MATCH_PROBABILITY


def _pct(sim: float) -> str:
    return f"{sim:.0%}"


def _reason_text(a: MatchRecord, b: MatchRecord, k: int, level: int) -> str:
    name = LEVELS[FIELDS[k]][level]
    if k == NAME:
        shown = f"{a.name!r} / {b.name!r}"
        if name == "exact":
            return f"same name once normalized: {shown}"
        sim = _pct(_org_name(a.key, b.key)[1])
        return {
            "core": f"names share their distinctive words ({sim}): {shown}",
            "high": f"names nearly equal ({sim}): {shown}",
            "medium": f"names alike ({sim}): {shown}",
            "kind": f"one name, another kind of place: {shown}",
            "low": f"names differ ({sim}): {shown}",
        }.get(name, f"different names ({sim}): {shown}")
    if k in (GIVEN, SURNAME):
        ga, gb, sa, sb = person_alignment(a.person, b.person)
        x, y = (ga, gb) if k == GIVEN else (sa, sb)
        what = "given name" if k == GIVEN else "surname"
        swapped = bool(x and y and (x == a.person[0]) != (y == b.person[0]))
        order = " (name order swapped)" if swapped and len(a.person) > 1 < len(b.person) else ""
        shown = f"{x!r} / {y!r}{order}"
        if name == "exact":
            if x == y:
                return f"same {what} {x!r}{order}"
            return f"same {what}, spelled {shown}"
        sim = _pct(part_similarity(x or "", y or ""))
        return {
            "high": f"{what}s nearly equal ({sim}): {shown}",
            "medium": f"{what}s alike ({sim}): {shown}",
            "initial": f"{what} matches an initial: {shown}",
        }.get(name, f"different {what}s: {shown}")
    if k == PHONE:
        if name == "same":
            return f"same phone {sorted(a.phones & b.phones)[0]}"
        return "no phone in common"
    if k == EMAIL:
        return {
            "same": f"same e-mail {a.email}",
            "alike": f"e-mails alike: {a.email} / {b.email}",
        }.get(name, f"different e-mails: {a.email} / {b.email}")
    if k == GSTIN:
        return {
            "same": f"same GSTIN {a.gstin}",
            "same_pan": f"same PAN, other registration: {a.gstin} / {b.gstin}",
        }.get(name, f"different GSTINs (other legal entities): {a.gstin} / {b.gstin}")
    if k == CITY:
        return {
            "same": f"same city {(a.city or '').title()}",
            "alike": f"city spelled alike: {a.city} / {b.city}",
        }.get(name, f"different cities: {(a.city or '').title()} / {(b.city or '').title()}")
    if k == STATE:
        if name == "same":
            return f"same state {(a.state or '').title()}"
        return f"different states: {(a.state or '').title()} / {(b.state or '').title()}"
    if k == PINCODE:
        return {
            "same": f"same pincode {a.pincode}",
            "alike": f"pincodes one digit apart: {a.pincode} / {b.pincode}",
        }.get(name, f"different pincodes: {a.pincode} / {b.pincode}")
    if k == NUMBER:
        x, y = " ".join(sorted(a.numbers)), " ".join(sorted(b.numbers))
        return {
            "same": f"same house number {x}",
            "overlap": f"house numbers overlap: {x} / {y}",
        }.get(name, f"different house numbers: {x} / {y}")
    if k == STREET:
        return {
            "same": f"same street {a.street!r}",
            "alike": f"streets alike: {a.street!r} / {b.street!r}",
            "weak": f"streets somewhat alike: {a.street!r} / {b.street!r}",
        }.get(name, f"different streets: {a.street!r} / {b.street!r}")
    if k == LOCALITY:
        x, y = a.locality or a.address, b.locality or b.address
        return {
            "same": f"same locality {x!r}",
            "alike": f"localities alike: {x!r} / {y!r}",
        }.get(name, f"different localities: {x!r} / {y!r}")
    if name == "same":
        return f"same type {a.customer_type}"
    return f"different types: {a.customer_type} / {b.customer_type}"


def explain(
    a: MatchRecord,
    b: MatchRecord,
    model: Model,
    rarity: Rarity | None = None,
    levels: tuple[int, ...] | None = None,
) -> Score:
    """The pair's score with one reason per compared field, strongest first."""
    levels = levels if levels is not None else compare(a, b)
    reasons = []
    for k, level in enumerate(levels):
        if level == NULL:
            continue
        weight = model.weights[k][level]
        text = _reason_text(a, b, k, level)
        if rarity is not None and k in (NAME, GIVEN, SURNAME):
            adjust = rarity.field_adjustment(a, b, k, level)
            if adjust:
                text = f"{text} ({'rare' if adjust > 0 else 'common'}, {adjust:+.1f})"
                weight += adjust
        reasons.append(Reason(FIELDS[k], LEVELS[FIELDS[k]][level], text, weight))
    reasons.sort(key=lambda r: -abs(r.weight))
    return Score(weight=sum(r.weight for r in reasons), reasons=tuple(reasons), prior=model.prior)


def likely(a: MatchRecord, b: MatchRecord, model: Model = DEFAULT_MODEL) -> bool:
    """Whether the pair reaches MATCH_PROBABILITY (no reasons built: the cheap first look)."""
    needed = math.log2(MATCH_PROBABILITY / (1 - MATCH_PROBABILITY))
    return model.code_weight(compare_code(a, b)) + model.prior >= needed


def score_pair(
    a: MatchRecord,
    b: MatchRecord,
    rarity: Rarity | None = None,
    model: Model = DEFAULT_MODEL,
) -> Score:
    """Compare two customers: the match weight and every reason, strongest first (pure).

    `rarity` (from the scanned data) adjusts the names' weights by how common they are.
    """
    return explain(a, b, model, rarity)


# --------------------------------------------------------------------------------------------
# Estimation (EM) and the scan's scoring of many pairs
# --------------------------------------------------------------------------------------------


def _em(
    patterns: list[tuple[tuple[int, ...], int]],
    start: Model,
    *,
    update_m: bool,
    iterations: int,
    strength: float,
) -> Model:
    """Expectation-maximisation over pattern counts; m stays the start's unless `update_m`."""
    total = sum(n for _, n in patterns)
    m = {f: list(start.m[f]) for f in FIELDS}
    u = {f: list(start.u[f]) for f in FIELDS}
    share = start.duplicate_share
    for _ in range(iterations):
        weights = [[math.log(x / y) for x, y in zip(m[f], u[f], strict=True)] for f in FIELDS]
        prior = math.log(share / (1.0 - share))
        m_counts = [[0.0] * len(LEVELS[f]) for f in FIELDS]
        u_counts = [[0.0] * len(LEVELS[f]) for f in FIELDS]
        expected = 0.0
        for levels, n in patterns:
            odds = prior
            for k, level in enumerate(levels):
                if level != NULL:
                    odds += weights[k][level]
            p = 1.0 / (1.0 + math.exp(-odds)) if odds > -700 else 0.0
            pm, pu = n * p, n * (1.0 - p)
            expected += pm
            for k, level in enumerate(levels):
                if level != NULL:
                    m_counts[k][level] += pm
                    u_counts[k][level] += pu
        new_share = min(max(expected / total, 1e-6), 0.99)
        change = abs(new_share - share)
        share = new_share
        for k, f in enumerate(FIELDS):
            pairs = [(u, u_counts[k], start.u[f])]
            if update_m:
                pairs.append((m, m_counts[k], start.m[f]))
            for prob, counts_k, base in pairs:
                # The start model is a prior worth `strength` pairs: a level no pair shows keeps
                # a probability, and a field few pairs have stays near the start.
                seen = sum(counts_k)
                values = [
                    max((c + strength * b) / (seen + strength), 1e-6)
                    for c, b in zip(counts_k, base, strict=True)
                ]
                norm = sum(values)
                new = [v / norm for v in values]
                change = max(change, *(abs(x - y) for x, y in zip(new, prob[f], strict=True)))
                prob[f] = new
        if change < 1e-6:
            break
    return Model(
        m={f: tuple(m[f]) for f in FIELDS},
        u={f: tuple(u[f]) for f in FIELDS},
        duplicate_share=share,
        source="estimated" if update_m else "estimated u, default m",
    )


# Comparisons that identify a customer: agreeing on them must count for a duplicate and
# disagreeing against. An estimate that says otherwise has modelled something else.
_IDENTIFYING = (NAME, GIVEN, SURNAME, PHONE, EMAIL, GSTIN)


def plausible(model: Model, observed: Sequence[int], *, minimum: int = 100) -> bool:
    """Whether every identifying comparison seen in `minimum` pairs points the right way."""
    for k in _IDENTIFYING:
        weights = model.weights[k]
        if observed[k] >= minimum and not weights[-1] < 0 < max(weights[:-1]):
            return False
    return True


def estimate(
    counts: dict[int, int],
    start: Model | None = None,
    *,
    iterations: int = 200,
    strength: float = 20.0,
) -> Model:
    """m, u and the duplicate share by expectation-maximisation over the candidate pairs.

    `counts` maps each pattern of levels (`encode`) to how many pairs show it. EM can settle
    on the wrong grouping when true duplicates are rare among the candidates: seen on the demo
    data, where pairs at one address outnumber duplicates 100 to 1 and EM "finds" that
    agreeing on the address makes a duplicate and agreeing on the name does not. Such an
    estimate is not `plausible`; the scan then keeps the default m (how duplicates differ,
    from the development set) and estimates only u and the share (how unrelated customers
    coincide, which is this database's own).
    """
    start = start or DEFAULT_MODEL
    patterns = [(decode(code), n) for code, n in counts.items()]
    if not patterns:
        return start
    observed = [0] * len(FIELDS)
    for levels, n in patterns:
        for k, level in enumerate(levels):
            if level != NULL:
                observed[k] += n
    model = _em(patterns, start, update_m=True, iterations=iterations, strength=strength)
    if plausible(model, observed):
        return model
    return _em(patterns, start, update_m=False, iterations=iterations, strength=strength)


class PairScorer:
    """Scores the candidate pairs of one scan: levels first, then EM, then the weights.

    `add` compares a pair and keeps only its pattern code (a few bytes a pair); `fit` estimates
    the model from the patterns' counts; `matches` turns each pair's pattern into its weight
    (plus the names' term-frequency adjustment) and explains only the likely duplicates.
    """

    def __init__(self, records: Sequence[MatchRecord], start: Model = DEFAULT_MODEL) -> None:
        self.records = records
        self.rarity = Rarity(records)
        self.model = start
        self._left = array("i")
        self._right = array("i")
        self._codes = array("q")
        self.counts: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._codes)

    def add(self, i: int, j: int) -> None:
        records = self.records
        code = compare_code(records[i], records[j])
        self._left.append(i)
        self._right.append(j)
        self._codes.append(code)
        counts = self.counts
        counts[code] = counts.get(code, 0) + 1

    def fit(self, **options: Any) -> Model:
        self.model = estimate(self.counts, self.model, **options)
        return self.model

    def log_odds(self) -> Iterator[tuple[int, int, float]]:
        """Every candidate pair with its log2 odds of being one customer (weight + prior)."""
        model, rarity, records = self.model, self.rarity, self.records
        base = {code: model.code_weight(code) + model.prior for code in self.counts}
        for i, j, code in zip(self._left, self._right, self._codes, strict=True):
            levels = decode(code)
            yield i, j, base[code] + rarity.adjustment(records[i], records[j], levels)

    def matches(self, probability: float | None = None) -> Iterator[tuple[int, int, Score]]:
        """Every likely duplicate pair (indexes into `records`), with its explained score.

        Likely: probability at least `probability` (default MATCH_PROBABILITY).
        """
        model, rarity, records = self.model, self.rarity, self.records
        threshold = MATCH_PROBABILITY if probability is None else probability
        needed = math.log2(threshold / (1 - threshold)) - model.prior
        bound = rarity.most
        base = {code: model.code_weight(code) for code in self.counts}
        for i, j, code in zip(self._left, self._right, self._codes, strict=True):
            weight = base[code]
            if weight + bound < needed:
                continue  # even the rarest names could not make it likely
            a, b = records[i], records[j]
            levels = decode(code)
            weight += rarity.adjustment(a, b, levels)
            if weight >= needed:
                yield i, j, explain(a, b, model, rarity, levels)


# --------------------------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------------------------


def connected_groups(pairs: Iterable[tuple[str, str]]) -> Iterator[list[str]]:
    """Clusters of ids linked by the given pairs (union-find), each sorted; order stable."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    for members in sorted(groups.values(), key=min):
        yield sorted(members)
