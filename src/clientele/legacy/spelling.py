"""Which spelling of a customer's name to store, and when two folded names mean one customer."""

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from uuid import UUID

from rapidfuzz import fuzz

NAME_AGREEMENT = 90.0
LATIN_EXTENDED_END = 0x24F  # letters above U+024F belong to other scripts


def names_agree(a: str | None, b: str | None) -> bool:
    """Two folded names that mean the same customer (word order and small typos ignored)."""
    if a is None or b is None:
        return False
    return a == b or fuzz.token_sort_ratio(a, b) >= NAME_AGREEMENT


def latin(key: str | None) -> bool:
    return key is None or any("a" <= ch <= "z" for ch in key)


def most_frequent(names: Iterable[tuple[str, tuple[datetime, UUID]]]) -> str | None:
    counts: Counter[str] = Counter()
    latest: dict[str, tuple[datetime, UUID]] = {}
    for name, when in names:
        counts[name] += 1
        if name not in latest or when > latest[name]:
            latest[name] = when
    if not counts:
        return None
    return max(counts, key=lambda n: (counts[n], latest[n], n))


def _has_other_script(word: str) -> bool:
    """A letter outside the Latin script (Devanagari, Tamil...)."""
    return any(ch.isalpha() and ord(ch) > LATIN_EXTENDED_END for ch in word)


@lru_cache(maxsize=200_000)
def _latin_form(name: str) -> str | None:
    """The name without its words in another script (e.g. an honorific "डॉ."), when Latin
    words remain; None for a name with no Latin word."""
    words = [w for w in name.split() if not _has_other_script(w)]
    if len(words) == len(name.split()):
        return name
    if not any(ch.isalpha() for w in words for ch in w):
        return None
    return " ".join(words)


@lru_cache(maxsize=200_000)
def _casing(name: str) -> int:
    """2 for mixed case (Title Case, "Dr. Rao's Clinic"), 1 for all-upper or all-lower."""
    letters = [ch for ch in name if ch.isalpha()]
    if any(ch.isupper() for ch in letters) and any(ch.islower() for ch in letters):
        return 2
    return 1


def canonical_name(names: Iterable[tuple[str, tuple[datetime, UUID]]]) -> str | None:
    """The name to store among the spellings typed (with when each was typed).

    Spellings written wholly in Latin script compete first: well-cased ones (mixed case)
    before all-lower or all-upper, then the most frequent, then the most recent. Without one,
    a spelling with words in another script counts for its Latin words (an honorific "डॉ."
    is dropped); a customer whose every spelling is in another script keeps its most frequent.
    A name only ever typed in lower case gets capital initials.
    """
    typed = list(names)
    candidates = [(name, when) for name, when in typed if _latin_form(name) == name]
    if not candidates:
        candidates = [(form, when) for name, when in typed if (form := _latin_form(name))]
    if not candidates:
        return most_frequent(typed)
    best_casing = max(_casing(name) for name, _ in candidates)
    chosen = most_frequent((n, when) for n, when in candidates if _casing(n) == best_casing)
    if chosen is not None and chosen.islower():
        # Only ever typed in lower case: capitalize each word (the typed form stays an alias).
        chosen = " ".join(word[:1].upper() + word[1:] for word in chosen.split(" "))
    return chosen
