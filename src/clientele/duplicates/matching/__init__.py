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

# The field indices (NAME, PHONE, ...) stay in `compare`: only the package's modules use them.
from clientele.duplicates.matching.compare import (
    FIELDS,
    LEVELS,
    NULL,
    SURNAME,
    compare,
    compare_code,
    decode,
    encode,
    other_kind,
    part_similarity,
    person_alignment,
)
from clientele.duplicates.matching.estimate import PairScorer, estimate, plausible
from clientele.duplicates.matching.fields import (
    ADDRESS_ABBREVIATIONS,
    ADDRESS_NOISE,
    STATE_ABBREVIATIONS,
    AddressKey,
    address_key,
    email_key,
    gstin_or_none,
    phone_or_none,
    state_key,
)
from clientele.duplicates.matching.groups import connected_groups
from clientele.duplicates.matching.model import (
    DEFAULT_MODEL,
    MATCH_PROBABILITY,
    Model,
    Rarity,
    TermFrequencies,
)
from clientele.duplicates.matching.names import (
    NameKey,
    name_key,
    name_similarity,
    name_tokens,
    phonetic,
    skeleton,
)
from clientele.duplicates.matching.records import (
    MAX_BLOCK,
    MAX_WEAK_BLOCK,
    WEAK,
    MatchRecord,
    block_limit,
    blocking_keys,
)
from clientele.duplicates.matching.scores import Reason, Score, explain, likely, score_pair
from clientele.names.fold import city_key
from clientele.names.vocabulary import GENERIC_WORDS, HONORIFICS, LEGAL_WORDS

__all__ = [
    "ADDRESS_ABBREVIATIONS",
    "ADDRESS_NOISE",
    "DEFAULT_MODEL",
    "FIELDS",
    "GENERIC_WORDS",
    "HONORIFICS",
    "LEGAL_WORDS",
    "LEVELS",
    "MATCH_PROBABILITY",
    "MAX_BLOCK",
    "MAX_WEAK_BLOCK",
    "NULL",
    "STATE_ABBREVIATIONS",
    "SURNAME",
    "WEAK",
    "AddressKey",
    "MatchRecord",
    "Model",
    "NameKey",
    "PairScorer",
    "Rarity",
    "Reason",
    "Score",
    "TermFrequencies",
    "address_key",
    "block_limit",
    "blocking_keys",
    "city_key",
    "compare",
    "compare_code",
    "connected_groups",
    "decode",
    "email_key",
    "encode",
    "estimate",
    "explain",
    "gstin_or_none",
    "likely",
    "name_key",
    "name_similarity",
    "name_tokens",
    "other_kind",
    "part_similarity",
    "person_alignment",
    "phone_or_none",
    "phonetic",
    "plausible",
    "score_pair",
    "skeleton",
    "state_key",
]
