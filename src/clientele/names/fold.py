"""Reading a name: the steps every reader of names shares, in Python; `sql.py` writes the same
steps as the SQL fold of the search (revision 0009), and tests/names proves both agree.

`words(name)` is a name as folded words: accents dropped, glued generic words split
("KEMHOSPITAL"), ASCII lower case, Indian scripts romanized, possessives and punctuation
dropped, dotted or spaced initials joined ("D.Y.", "R M L" -> "dy", "rml"), phrases read
("N. Home" -> nursing home), abbreviations expanded and stop words dropped (WORD_MAP).
`search_key(name)` adds the shared spelling rules to each word: the folded name the search
indexes.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from clientele.names.indic import romanize
from clientele.names.vocabulary import (
    CITY_ALIASES,
    GLUE_PREFIXES_KEPT,
    GLUED_WORDS,
    PHRASES,
    SPELLING_RULES,
    WORD_MAP,
)

# Characters of a word besides a-z and 0-9: letters of scripts the fold does not romanize
# (Latin letters without a decomposition such as "ø", Greek to Sinhala, CJK, Hangul). The
# same ranges in both languages: the fold must not depend on the database's locale.
WORD_RANGES = (
    ("\u00c0", "\u024f"),
    ("\u0370", "\u1fff"),
    ("\u3040", "\u9fff"),
    ("\uac00", "\ud7af"),
)
# Regular expressions written so that Python's re and PostgreSQL's ARE read them alike.
COMBINING_MARKS = "[\u0300-\u036f]"
_GLUED_ALTERNATIVES = "|".join(
    form for word in GLUED_WORDS for form in (word.upper(), word.capitalize())
)
GLUED_ACRONYM = (
    "(?<![A-Za-z])(?!" + "|".join(GLUE_PREFIXES_KEPT) + ")([A-Z]{2,5})"
    "(" + _GLUED_ALTERNATIVES + ")(?![A-Za-z])"
)
GLUED_CAMEL = "([a-z])(" + "|".join(w.capitalize() for w in GLUED_WORDS) + ")(?![A-Za-z])"
POSSESSIVE = "['\u2019]s(?![a-z0-9])"
APOSTROPHES = "['`\u2019]"
NOT_WORD = "[^a-z0-9" + "".join(f"{lo}-{hi}" for lo, hi in WORD_RANGES) + "]+"
INITIALS = "(?<![^ ])([a-z]) (?=[a-z](?![^ ]))"
DOUBLED = "(.)\\1+"
UPPER, LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"


def phrase_pattern(phrase: str) -> str:
    """The regular expression of one PHRASES key, as a whole-word match."""
    return "(?<![^ ])" + phrase + "(?![^ ])"


_MARKS = re.compile(COMBINING_MARKS)
_GLUED_ACRONYM = re.compile(GLUED_ACRONYM)
_GLUED_CAMEL = re.compile(GLUED_CAMEL)
_POSSESSIVE = re.compile(POSSESSIVE)
_APOSTROPHES = re.compile(APOSTROPHES)
_NOT_WORD = re.compile(NOT_WORD)
_INITIALS = re.compile(INITIALS)
_DOUBLED = re.compile(DOUBLED)
_PHRASES = tuple((re.compile(phrase_pattern(k)), v) for k, v in PHRASES.items())
_LOWER = str.maketrans(UPPER, LOWER)


@lru_cache(maxsize=262144)
def clean(raw: str) -> str:
    """The name as space-separated lower-case words, before any word is read (steps 1-8)."""
    text = _MARKS.sub("", unicodedata.normalize("NFKD", raw))
    text = _GLUED_ACRONYM.sub(r"\1 \2", text)
    text = _GLUED_CAMEL.sub(r"\1 \2", text)
    text = romanize(text.translate(_LOWER))
    text = _APOSTROPHES.sub("", _POSSESSIVE.sub("", text))
    text = _NOT_WORD.sub(" ", text).strip()
    text = _INITIALS.sub(r"\1", text)
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=262144)
def words(raw: str) -> tuple[str, ...]:
    """A name's folded words: abbreviations expanded, stop words dropped (pure)."""
    out: list[str] = []
    for word in clean(raw).split(" "):
        out.extend(w for w in WORD_MAP.get(word, word).split(" ") if w)
    return tuple(out)


@lru_cache(maxsize=262144)
def spelling(word: str) -> str:
    """One word with transliteration variants folded (SPELLING_RULES, doubles collapsed)."""
    for old, new in SPELLING_RULES:
        word = word.replace(old, new)
    return _DOUBLED.sub(r"\1", word)


def search_key(raw: str) -> str:
    """The folded name the search indexes: equal to SQL `clientele_search_normalize(raw)`."""
    return " ".join(spelling(w) for w in words(raw))


def query_words(raw: str) -> str:
    """What an agent typed as folded words (abbreviations expanded), spelling kept."""
    return " ".join(words(raw))


@lru_cache(maxsize=65536)
def city_key(city: str | None) -> str | None:
    """A city folded for comparison, old names mapped to current ones ("Bombay" -> mumbai)."""
    if not city:
        return None
    folded = clean(city)
    return CITY_ALIASES.get(folded, folded) or None


@dataclass(frozen=True, slots=True)
class Place:
    """A place typed with a name: its city spellings (lower case) and its folded words."""

    cities: tuple[str, ...]
    folded: str
    name: str = ""  # what was typed before the place, as typed


def place_keys(place: str, name: str = "") -> Place:
    """Every spelling of the city `place` may name ("Bombay": bombay, mumbai), and its fold."""
    typed = " ".join(place.lower().split())
    key = city_key(place) or typed
    cities = {typed, key} | {old for old, new in CITY_ALIASES.items() if new == key}
    return Place(cities=tuple(sorted(cities)), folded=search_key(place), name=name)
