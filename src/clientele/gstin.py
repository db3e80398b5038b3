"""Indian GSTIN validation.

A GSTIN (Goods and Services Tax Identification Number) is what Indian
customers print on every invoice; a wrong one makes the invoice useless for
input-tax credit, so we reject typos at entry instead of at billing time.
Pure Python on purpose: it runs in the API, the importer and the demo
generator alike.
"""

import re
from collections.abc import Mapping
from types import MappingProxyType

GST_STATE_CODES: Mapping[str, str] = MappingProxyType(
    {
        "01": "Jammu and Kashmir",
        "02": "Himachal Pradesh",
        "03": "Punjab",
        "04": "Chandigarh",
        "05": "Uttarakhand",
        "06": "Haryana",
        "07": "Delhi",
        "08": "Rajasthan",
        "09": "Uttar Pradesh",
        "10": "Bihar",
        "11": "Sikkim",
        "12": "Arunachal Pradesh",
        "13": "Nagaland",
        "14": "Manipur",
        "15": "Mizoram",
        "16": "Tripura",
        "17": "Meghalaya",
        "18": "Assam",
        "19": "West Bengal",
        "20": "Jharkhand",
        "21": "Odisha",
        "22": "Chhattisgarh",
        "23": "Madhya Pradesh",
        "24": "Gujarat",
        "25": "Daman and Diu",
        "26": "Dadra and Nagar Haveli and Daman and Diu",
        "27": "Maharashtra",
        "28": "Andhra Pradesh (Before Division)",
        "29": "Karnataka",
        "30": "Goa",
        "31": "Lakshadweep",
        "32": "Kerala",
        "33": "Tamil Nadu",
        "34": "Puducherry",
        "35": "Andaman and Nicobar Islands",
        "36": "Telangana",
        "37": "Andhra Pradesh",
        "38": "Ladakh",
        "97": "Other Territory",
    }
)

# Spellings seen in real address data that the official names do not cover.
_STATE_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "jk": "01",
        "uttaranchal": "05",
        "newdelhi": "07",
        "orissa": "21",
        "chattisgarh": "22",
        "dadranagarhaveli": "26",
        "andhrapradesh": "37",
        "pondicherry": "34",
        "pondy": "34",
        "telengana": "36",
    }
)

# Filler words that vary between spellings of the same state name.
_STATE_NOISE_WORDS = frozenset({"and", "of", "the", "nct", "state", "ut", "islands"})

# After the 2020 merger of the two union territories (and the 2014 split of
# Andhra Pradesh) both codes remain on live registrations for the same area.
_EQUIVALENT_CODES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "25": frozenset({"25", "26"}),
        "26": frozenset({"25", "26"}),
        "28": frozenset({"28", "37"}),
        "37": frozenset({"28", "37"}),
    }
)

_CHECKSUM_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CHAR_VALUE = {char: value for value, char in enumerate(_CHECKSUM_ALPHABET)}
_GSTIN_LENGTH = 15

# (slice, pattern, what the user should have typed there) in reading order, so
# the first failing segment tells the user exactly which part is wrong.
_SEGMENTS: tuple[tuple[slice, re.Pattern[str], str], ...] = (
    (slice(0, 2), re.compile(r"[0-9]{2}"), "characters 1-2 must be the two-digit state code"),
    (slice(2, 7), re.compile(r"[A-Z]{5}"), "characters 3-7 must be letters (PAN)"),
    (slice(7, 11), re.compile(r"[0-9]{4}"), "characters 8-11 must be digits (PAN)"),
    (slice(11, 12), re.compile(r"[A-Z]"), "character 12 must be a letter (PAN)"),
    (slice(12, 13), re.compile(r"[1-9A-Z]"), "character 13 must be 1-9 or A-Z (entity number)"),
    (slice(13, 14), re.compile(r"Z"), "character 14 must be 'Z'"),
    (
        slice(14, 15),
        re.compile(r"[0-9A-Z]"),
        "character 15 must be a letter or digit (check character)",
    ),
)


class InvalidGstin(ValueError):
    """A GSTIN that cannot be accepted; the message is fit to show to a user."""


def _state_key(state: str) -> str:
    """Reduce a state name to letters/digits without filler words so spelling variants meet."""
    words = re.findall(r"[a-z0-9]+", state.lower().replace("&", " and "))
    return "".join(word for word in words if word not in _STATE_NOISE_WORDS)


_CODE_BY_STATE_KEY: Mapping[str, str] = MappingProxyType(
    {**{_state_key(name): code for code, name in GST_STATE_CODES.items()}, **_STATE_ALIASES}
)


def state_code_for(state: str) -> str | None:
    """Return the GST state code for an address state, or None if it is not recognised.

    Addresses come from many hands ("Tamilnadu", "Orissa", "NCT of Delhi"), so
    matching ignores case, spacing, punctuation and filler words.
    """
    return _CODE_BY_STATE_KEY.get(_state_key(state))


def gstin_check_char(first14: str) -> str:
    """Compute the 15th GSTIN character from the first 14 (mod-36 checksum).

    Every character is valued 0-35, weighted alternately by 1 and 2; each
    product contributes quotient plus remainder of division by 36.
    """
    if len(first14) != _GSTIN_LENGTH - 1:
        raise ValueError(f"expected 14 characters, got {len(first14)}")
    total = 0
    for position, char in enumerate(first14.upper()):
        value = _CHAR_VALUE.get(char)
        if value is None:
            raise ValueError(f"invalid GSTIN character {char!r}")
        product = value * (position % 2 + 1)
        total += product // 36 + product % 36
    return _CHECKSUM_ALPHABET[(36 - total % 36) % 36]


_GSTIN_START = re.compile(r"[0-9]{2}[A-Z]{5}")


def _check_format(gstin: str) -> None:
    """Reject anything that is not 15 characters laid out as a GSTIN, naming the bad part."""
    if len(gstin) != _GSTIN_LENGTH:
        raise InvalidGstin(f"GSTIN must be 15 characters, got {len(gstin)}: {gstin!r}")
    for part, pattern, expectation in _SEGMENTS:
        if not pattern.fullmatch(gstin[part]):
            raise InvalidGstin(f"GSTIN {gstin!r} is malformed: {expectation}")


def looks_like_gstin(value: str) -> bool:
    """True when a tax id is meant as a GSTIN (a two-digit state code, then a PAN's five
    letters), so the GSTIN checks apply, a wrong length included; other tax ids (a PAN, a
    foreign number) are kept as typed."""
    return _GSTIN_START.match(value.strip().upper()) is not None


def validate_gstin(value: str, *, state: str | None = None) -> str:
    """Return the normalised GSTIN, or raise InvalidGstin explaining what is wrong.

    When the address `state` is given and recognised, the GSTIN must be
    registered in that state: GST registrations are per state, so a mismatch
    means either the wrong GSTIN or the wrong address.
    """
    gstin = value.strip().upper()
    _check_format(gstin)
    code = gstin[:2]
    if code not in GST_STATE_CODES:
        raise InvalidGstin(f"GSTIN {gstin!r} has unknown state code {code}")
    expected = gstin_check_char(gstin[:14])
    if gstin[14] != expected:
        raise InvalidGstin(
            f"GSTIN {gstin!r} has a wrong check character; please re-check for typos"
        )
    address_code = state_code_for(state) if state is not None else None
    if address_code is not None and code not in _EQUIVALENT_CODES.get(address_code, {address_code}):
        raise InvalidGstin(
            f"GSTIN {gstin!r} is registered in {GST_STATE_CODES[code]} (code {code}), "
            f"but the address is in {state} (code {address_code})"
        )
    return gstin
