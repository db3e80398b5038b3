"""Phone numbers: any common Indian format in, E.164 out (`+919876543210`)."""

import itertools

import phonenumbers
from phonenumbers import PhoneNumberType

DEFAULT_REGION = "IN"

# phonenumbers accepts some obvious placeholders as Indian fixed lines (measured:
# 1234567890, 5876543210); a run of nine consecutive digits is never a real landline
# (eight is: Mumbai 022 2345 6789).
_STRAIGHT_RUN = 9
_PLACEHOLDER_TYPES = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class InvalidPhone(ValueError):
    """The text is not a dialable phone number; the message says why."""


def _has_straight_run(digits: str) -> bool:
    run_up = run_down = 1
    for previous, current in itertools.pairwise(digits):
        step = int(current) - int(previous)
        run_up = run_up + 1 if step == 1 else 1
        run_down = run_down + 1 if step == -1 else 1
        if max(run_up, run_down) >= _STRAIGHT_RUN:
            return True
    return False


def normalize_phone(raw: str, *, region: str = DEFAULT_REGION) -> str:
    """Parse a typed number (`098765 43210`, `+91-98765-43210`, `022 2345 6789`) to E.164.

    Raises InvalidPhone for text that is not a number, an impossible number, or a placeholder.
    """
    text = raw.strip()
    if not text:
        raise InvalidPhone("phone number is empty")
    if any(ch.isalpha() for ch in text):
        # phonenumbers would read letters as keypad digits ("98201abcde" -> 9820122233): a
        # typo or a note, never a number someone meant to dial.
        raise InvalidPhone("a phone number has digits only; letters are not allowed")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid phone number (check the digits and the STD code)")
    national = str(number.national_number)
    # The straight run first: rare, and far cheaper than classifying the number.
    if len(set(national)) == 1 or (
        _has_straight_run(national) and phonenumbers.number_type(number) in _PLACEHOLDER_TYPES
    ):
        raise InvalidPhone("looks like a placeholder, not a real phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text: str) -> bool:
    """True when a search box entry is mostly digits, so it should be tried as a phone."""
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 7 and digits >= 0.6 * len(text.replace(" ", ""))
