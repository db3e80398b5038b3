"""What legacy operators typed, normalized for comparison (pure: no database)."""

# ruff: noqa: E501 - the word lists read better one type per line

import re
import unicodedata
from functools import lru_cache

from clientele.customers.search import normalize_legacy_id
from clientele.names.vocabulary import WORD_MAP
from clientele.phones import InvalidPhone, normalize_phone

# Legal forms and "M/s" say nothing about which customer a name means (WORD_MAP has already
# dropped "the", "and" and spelled out "Pvt", "Ltd").
_NOISE = frozenset({"private", "limited", "m/s", "ms"})
_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Customer type guessed from the name (the legacy rows have no type), most specific first.
_TYPE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lab", ("lab", "labs", "laboratory", "laboratories", "pathology", "diagnostics", "imaging", "scans")),
    ("dealer", ("traders", "trading", "agencies", "distributors", "enterprises", "dealer", "suppliers", "surgicals")),
    ("manufacturer", ("manufacturing", "industries", "technologies", "devices", "meditech", "instruments")),
    ("clinic", ("clinic", "clinics", "polyclinic", "dispensary", "centre", "care")),
    ("hospital", ("hospital", "hospitals", "nursing", "medical", "institute", "अस्पताल")),
)  # fmt: skip


def clean_text(raw: str | None) -> str | None:
    """Trimmed, inner spaces collapsed; None for NULL or blank."""
    if raw is None:
        return None
    text = _SPACES.sub(" ", raw).strip()
    return text or None


def legacy_id(raw: str | None) -> str | None:
    """The stored form of an old customer id (trimmed, case-folded, uuids as 32 hex); None if blank."""
    if raw is None or not raw.strip():
        return None
    return normalize_legacy_id(raw)


@lru_cache(maxsize=200_000)
def name_key(raw: str | None) -> str | None:
    """A name folded for comparison: NFKC, case-folded, punctuation dropped, abbreviations expanded.

    Letters, marks and digits of every script are kept (Devanagari vowel signs are marks).
    """
    text = clean_text(raw)
    if text is None:
        return None
    folded = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    chars = [ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in folded]
    words = []
    for word in "".join(chars).split():
        for part in WORD_MAP.get(word, word).split():
            if part not in _NOISE:
                words.append(part)
    return " ".join(words) or None


# Typed with digits and these separators only (a plus first at most), a number means its
# digits: phonenumbers drops the separators before anything else.
_SEPARATED_DIGITS = re.compile(r"^\+?[0-9 ().-]*$")
_NOT_DIGITS = re.compile(r"[^0-9]")


def phone(raw: str | None) -> str | None:
    """E.164 for a typed number (any common Indian format); None when blank or not a number."""
    text = clean_text(raw)
    if text is None:
        return None
    if _SEPARATED_DIGITS.match(text):
        # "098123 45678", "098123-45678" and "09812345678" are parsed once (the plan parses
        # every ticket's phones: phonenumbers was half of its time at a million tickets).
        return _parsed(_international(text[0] == "+", _NOT_DIGITS.sub("", text)))
    return _parse(text)


def _international(plus: bool, digits: str) -> str:
    """The digits as dialled from abroad, when an Indian number is typed nationally.

    A ten-digit number starting 2-9 (one Indian subscriber number), with or without the
    trunk prefix 0 or the country code 91, means +91 and those ten digits: phonenumbers
    strips exactly that prefix from it (the number fits India's number pattern, the prefixed
    one does not), so `09812345678`, `9812345678`, `919812345678` and `+919812345678` are one
    parse instead of four (checked equal on every form: tests/legacy/test_resolve.py).
    """
    if plus:
        return "+" + digits
    subscriber = digits[-10:]
    if len(subscriber) == 10 and subscriber[0] in _SUBSCRIBER_FIRST and digits[:-10] in _PREFIXES:
        return "+91" + subscriber
    return digits


_SUBSCRIBER_FIRST = frozenset("23456789")
_PREFIXES = frozenset({"", "0", "91"})


@lru_cache(maxsize=1_000_000)
def _parsed(digits: str) -> str | None:
    return _parse(digits)


@lru_cache(maxsize=100_000)
def _parse(text: str) -> str | None:
    try:
        return normalize_phone(text)
    except InvalidPhone:
        return None


def email(raw: str | None) -> str | None:
    """A plausible e-mail address, trimmed and lower-cased; None otherwise."""
    text = clean_text(raw)
    if text is None or not _EMAIL.match(text):
        return None
    return text.lower()


def guess_customer_type(key: str | None) -> str:
    """The customer type a name suggests; `clinic` when nothing does (flagged in metadata)."""
    if key:
        words = set(key.split())
        for kind, markers in _TYPE_WORDS:
            if words.intersection(markers):
                return kind
        if key.startswith("dr ") and len(words) <= 3:
            return "individual"
    return "clinic"
