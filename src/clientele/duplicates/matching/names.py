"""Names folded for matching: distinctive core and generic words, similarity.

Every word list and spelling rule comes from `clientele.names` (the search, the legacy
migration and the import read names the same way); this module only decides how two folded
names compare.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import token_set_ratio, token_sort_ratio
from rapidfuzz.process import extractOne

from clientele.names import fold
from clientele.names.vocabulary import (
    GENERIC_WORDS,
    HONORIFICS,
    LEGAL_WORDS,
    MATCH_SPELLING_RULES,
)

_DOUBLE = re.compile(r"(.)\1+")
_VOWELS = re.compile(r"[aeiou]")


@lru_cache(maxsize=262144)
def phonetic(word: str) -> str:
    """A word with transliteration variants folded ("Sanjeevani" and "Sanjivani" agree)."""
    if not word.isascii() or word.isdigit():
        return word
    word = fold.spelling(word)
    for old, new in MATCH_SPELLING_RULES:
        word = word.replace(old, new)
    word = _DOUBLE.sub(r"\1", word)
    if len(word) > 3 and word.endswith("a"):
        word = word[:-1]  # Ganesha / Ganesh, Krishna / Krishn
    return word


def name_tokens(name: str) -> list[str]:
    """Folded words of a name (`clientele.names.fold.words`), honorifics and legal forms out."""
    return [w for w in fold.words(name) if w not in HONORIFICS and not _is_legal(w)]


@lru_cache(maxsize=262144)
def skeleton(text: str) -> str:
    """Consonants only, doubles collapsed: survives vowel typos and transliterations."""
    return _DOUBLE.sub(r"\1", _VOWELS.sub("", text.replace(" ", "")))


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
    elif len(a.core) >= 5 and a.core[0] == b.core[0] and skeleton(a.core) == skeleton(b.core):
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
