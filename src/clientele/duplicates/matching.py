"""Duplicate matching: normalized keys, blocking keys and a Fellegi-Sunter style score.

Pure Python (rapidfuzz and the phone/GSTIN helpers only): no database, no web framework.
Every comparison contributes a log2 Bayes factor (how much more often the observed agreement
happens among true duplicates than among different customers); the sum is the match weight,
turned into a probability with a prior. Each contribution carries a human-readable reason.

Why not raw trigram similarity: generic words dominate it ("ABC Hospital" is closer to
"XYZ Hospital" than to "A.B.C Hospitals"). Names are folded first (dotted initials joined,
abbreviations expanded, legal suffixes and honorifics dropped, transliteration variants
folded) and split into a distinctive core ("abc") and generic words ("hospital"); the core
decides, the generic words only tell a hospital from a nursing home of the same brand.
"""

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import ratio, token_set_ratio, token_sort_ratio
from rapidfuzz.process import extractOne

from clientele.gstin import InvalidGstin, validate_gstin
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
    text = _POSSESSIVE.sub("", _ascii_fold(name))
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
    return [
        w for w in words if w not in LEGAL_WORDS and w not in HONORIFICS and w not in STOP_WORDS
    ]


@dataclass(frozen=True, slots=True)
class NameKey:
    """A name split into what identifies it (core) and what kind of place it names (generic)."""

    folded: str  # every folded word, in order
    core: str  # distinctive words, transliteration-folded, sorted
    generic: str  # generic words, sorted

    @property
    def phonetic_all(self) -> str:
        """Every word transliteration-folded, sorted: the exact-name blocking key."""
        return " ".join(sorted(phonetic(w) for w in self.folded.split()))


def _edits(word: str) -> int:
    return 1 if len(word) < 8 else 2


@lru_cache(maxsize=65536)
def _generic_spelling(word: str) -> str:
    """A typo of a generic word ("Cliniic", "Hospitl") read as that word; others unchanged."""
    if word in GENERIC_WORDS or len(word) < 5 or not word.isalpha():
        return word
    # Optimal string alignment: a swap of two letters is one edit, as a typist makes it.
    best = extractOne(word, GENERIC_WORDS, scorer=OSA.distance, score_cutoff=_edits(word))
    return best[0] if best is not None else word


@lru_cache(maxsize=262144)
def name_key(name: str) -> NameKey:
    """Normalize a name for matching (pure)."""
    words = [_generic_spelling(w) for w in name_tokens(name)]
    core = sorted(phonetic(w) for w in words if w not in GENERIC_WORDS)
    generic = sorted(w for w in words if w in GENERIC_WORDS)
    if not core:  # "City Hospital" style names made only of generic words keep them all
        core = sorted(phonetic(w) for w in generic)
    return NameKey(folded=" ".join(words), core=" ".join(core), generic=" ".join(generic))


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
    elif len(a.core) >= 5 and _skeleton(a.core) == _skeleton(b.core):
        core = max(core, 0.95)  # vowels typed differently: "Sowmya Hegde" / "Swmya Hegade"
    elif OSA.distance(a.core, b.core) <= 1 and min(len(a.core), len(b.core)) >= 5:
        core = max(core, 0.93)  # one slip of the finger
    generic = 1.0 if a.generic == b.generic else token_set_ratio(a.generic, b.generic) / 100
    return round(0.85 * core + 0.15 * generic, 4)


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


def _fold_text(text: str | None) -> str | None:
    if not text:
        return None
    words = [ABBREVIATIONS.get(w, w) for w in _TOKEN.findall(_ascii_fold(text))]
    return " ".join(words) or None


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
    address: str | None

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
        pincode: str | None = None,
        address: Iterable[str | None] = (),
    ) -> "MatchRecord":
        """Normalize raw customer values (phones in any format; blanks and junk dropped)."""
        address_text = " ".join(part for part in address if part)
        return cls(
            id=id,
            name=name,
            key=name_key(name),
            customer_type=customer_type,
            phones=frozenset(p for p in (phone_or_none(raw) for raw in phones) if p),
            email=email_key(email),
            gstin=gstin_or_none(gstin),
            city=city_key(city),
            pincode=(pincode or "").strip() or None,
            address=_fold_text(address_text),
        )


@lru_cache(maxsize=262144)
def _skeleton(text: str) -> str:
    """Consonants only, doubles collapsed: survives vowel typos and transliterations."""
    return _DOUBLE.sub(r"\1", _VOWELS.sub("", text.replace(" ", "")))


def blocking_keys(record: MatchRecord) -> set[str]:
    """Keys two records must share one of to be compared at all (the scan's blocking)."""
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

    return keys


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------

# The prior (log2 odds that two records sharing a blocking key are one customer) and the
# weight from which a pair counts as a likely duplicate. Chosen on the synthetic evaluation
# set (bench/dedupe_eval.py) and checked on Febrl; see docs/duplicates.md.
PRIOR = -4.0
MATCH_WEIGHT = 6.5


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

    @property
    def probability(self) -> float:
        """P(duplicate | evidence) under the model's prior."""
        return 1.0 / (1.0 + math.pow(2.0, -(self.weight + PRIOR)))

    @property
    def is_match(self) -> bool:
        return self.weight >= MATCH_WEIGHT


# log2(m/u) of each comparison level: m = how often true duplicates show it, u = how often
# different customers sharing a blocking key do. Estimated on the synthetic set (seed 1,
# `evaluation.estimate_weights`), rounded, checked on other seeds and on Febrl.
WEIGHTS: dict[tuple[str, str], float] = {
    ("name", "exact"): 5.0,
    ("name", "core"): 4.0,
    ("name", "high"): 5.0,
    ("name", "medium"): 4.0,
    ("name", "low"): 1.5,
    ("name", "different"): -5.0,
    ("phone", "same"): 6.5,
    ("phone", "different"): -2.8,
    ("email", "same"): 5.0,
    ("email", "alike"): 0.0,
    ("email", "different"): -3.0,
    ("gstin", "same"): 12.0,
    ("gstin", "same_pan"): -2.0,
    ("gstin", "different"): -10.0,
    ("city", "same"): 0.5,
    ("city", "alike"): 0.0,
    ("city", "different"): -8.0,
    ("pincode", "same"): 0.5,
    ("pincode", "alike"): -1.0,
    ("pincode", "different"): -4.0,
    ("address", "same"): 3.0,
    ("address", "alike"): 0.0,
    ("address", "different"): -1.0,
    ("customer_type", "different"): -4.0,
}


def _reason(field: str, level: str, text: str) -> Reason:
    return Reason(field, level, text, WEIGHTS[(field, level)])


def _name_reason(a: MatchRecord, b: MatchRecord, rarity: "NameRarity | None") -> Reason:
    shown = f"{a.name!r} / {b.name!r}"
    if a.key.folded == b.key.folded:
        reason = _reason("name", "exact", f"same name once normalized: {shown}")
    else:
        sim = name_similarity(a.key, b.key)
        if a.key.core == b.key.core:
            text = f"names share their distinctive words ({sim:.0%}): {shown}"
            reason = _reason("name", "core", text)
        elif sim >= 0.92:
            reason = _reason("name", "high", f"names nearly equal ({sim:.0%}): {shown}")
        elif sim >= 0.85:
            reason = _reason("name", "medium", f"names alike ({sim:.0%}): {shown}")
        elif sim >= 0.7:
            return _reason("name", "low", f"names differ ({sim:.0%}): {shown}")
        else:
            return _reason("name", "different", f"different names ({sim:.0%}): {shown}")
    if rarity is None:
        return reason
    # Term-frequency adjustment: agreeing on a rare name says more than on "City Hospital".
    adjust = rarity.adjustment(a.key.core, b.key.core)
    how = "rare" if adjust > 0 else "common"
    return Reason(
        reason.field,
        reason.level,
        f"{reason.text} ({how} name, {adjust:+.1f})",
        reason.weight + adjust,
    )


class NameRarity:
    """How common each distinctive name is in the scanned data (term-frequency adjustment).

    The adjustment is log2(u_average / u_name): u_name the chance that two random records
    share this name, u_average the same over all names; clamped, so no name decides alone.
    """

    LOW, HIGH = -5.0, 5.0

    def __init__(self, cores: Iterable[str]) -> None:
        counts: dict[str, int] = {}
        for core in cores:
            counts[core] = counts.get(core, 0) + 1
        total = sum(counts.values()) or 1
        self._counts = counts
        self._total = total
        self._average = sum(c * c for c in counts.values()) / (total * total) or 1.0

    def adjustment(self, a: str, b: str) -> float:
        """The weight to add when two records agree on these names (the commoner one counts)."""
        count = max(self._counts.get(a, 1), self._counts.get(b, 1))
        value = math.log2(self._average / (count / self._total))
        return round(min(self.HIGH, max(self.LOW, value)), 2)


def _phone_reason(a: MatchRecord, b: MatchRecord) -> Reason | None:
    if not a.phones or not b.phones:
        return None
    shared = sorted(a.phones & b.phones)
    if shared:
        # Strong, not identity: a switchboard can stand on several customers.
        return _reason("phone", "same", f"same phone {shared[0]}")
    return _reason("phone", "different", "no phone in common")


def _email_reason(a: MatchRecord, b: MatchRecord) -> Reason | None:
    if not a.email or not b.email:
        return None
    if a.email == b.email:
        return _reason("email", "same", f"same e-mail {a.email}")
    if a.email.split("@")[0] == b.email.split("@")[0] and ratio(a.email, b.email) >= 85:
        return _reason("email", "alike", f"e-mails alike: {a.email} / {b.email}")
    return _reason("email", "different", f"different e-mails: {a.email} / {b.email}")


def _gstin_reason(a: MatchRecord, b: MatchRecord) -> Reason | None:
    if not a.gstin or not b.gstin:
        return None
    if a.gstin == b.gstin:
        return _reason("gstin", "same", f"same GSTIN {a.gstin}")
    if a.gstin[2:12] == b.gstin[2:12]:
        return _reason("gstin", "same_pan", f"same PAN, other registration: {a.gstin} / {b.gstin}")
    return _reason(
        "gstin", "different", f"different GSTINs (other legal entities): {a.gstin} / {b.gstin}"
    )


def _city_reason(a: MatchRecord, b: MatchRecord) -> Reason | None:
    if not a.city or not b.city:
        return None
    if a.city == b.city:
        return _reason("city", "same", f"same city {a.city.title()}")
    if JaroWinkler.similarity(a.city, b.city) >= 0.93:
        return _reason("city", "alike", f"city spelled alike: {a.city} / {b.city}")
    return _reason("city", "different", f"different cities: {a.city.title()} / {b.city.title()}")


def _pincode_reason(a: MatchRecord, b: MatchRecord) -> Reason | None:
    if not a.pincode or not b.pincode:
        return None
    if a.pincode == b.pincode:
        return _reason("pincode", "same", f"same pincode {a.pincode}")
    if OSA.distance(a.pincode, b.pincode) <= 1:
        return _reason("pincode", "alike", f"pincodes one digit apart: {a.pincode} / {b.pincode}")
    return _reason("pincode", "different", f"different pincodes: {a.pincode} / {b.pincode}")


def _address_reason(a: MatchRecord, b: MatchRecord) -> Reason | None:
    if not a.address or not b.address:
        return None
    sim = token_sort_ratio(a.address, b.address) / 100
    if sim >= 0.9:
        return _reason("address", "same", f"same address ({sim:.0%})")
    if sim >= 0.75:
        return _reason("address", "alike", f"addresses alike ({sim:.0%})")
    return _reason("address", "different", f"different addresses ({sim:.0%})")


def _type_reason(a: MatchRecord, b: MatchRecord) -> Reason | None:
    if not a.customer_type or not b.customer_type or a.customer_type == b.customer_type:
        return None
    return _reason(
        "customer_type", "different", f"different types: {a.customer_type} / {b.customer_type}"
    )


_COMPARISONS = (
    _phone_reason,
    _email_reason,
    _gstin_reason,
    _city_reason,
    _pincode_reason,
    _address_reason,
    _type_reason,
)


def score_pair(a: MatchRecord, b: MatchRecord, rarity: NameRarity | None = None) -> Score:
    """Compare two customers: the match weight and every reason, strongest first (pure).

    `rarity` (from the scanned data) adjusts the name's weight by how common the name is.
    """
    reasons = [_name_reason(a, b, rarity)]
    for compare in _COMPARISONS:
        reason = compare(a, b)
        if reason is not None:
            reasons.append(reason)
    reasons.sort(key=lambda r: -abs(r.weight))
    return Score(weight=sum(r.weight for r in reasons), reasons=tuple(reasons))


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
