"""The other compared fields normalized: city, phone, e-mail, GSTIN, state, address."""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from clientele.gstin import GST_STATE_CODES, InvalidGstin, state_code_for, validate_gstin
from clientele.phones import InvalidPhone, normalize_phone

# Characters of a word (any script); "_" is not one.
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def _ascii_fold(text: str) -> str:
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


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
