import pytest

from clientele.phones import InvalidPhone, looks_like_phone, normalize_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("098765 43210", "+919876543210"),
        ("+91-98765-43210", "+919876543210"),
        ("91 98765 43210", "+919876543210"),
        ("0091 98765 43210", "+919876543210"),
        ("9876543210", "+919876543210"),
        ("022 2345 6789", "+912223456789"),
        ("(022) 23456789", "+912223456789"),
        ("1800 180 1104", "+9118001801104"),
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_common_indian_formats_are_stored_as_e164(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["N/A", "", "   ", "0000000000", "9999999999", "1234567890", "5876543210", "+91 98765", "abc"],
)
def test_placeholders_and_impossible_numbers_are_rejected(typed):
    with pytest.raises(InvalidPhone):
        normalize_phone(typed)


def test_a_landline_without_its_std_code_is_rejected_rather_than_guessed():
    with pytest.raises(InvalidPhone):
        normalize_phone("2345 6789")


@pytest.mark.parametrize(
    ("text", "is_phone"),
    [("98765 43210", True), ("+91-22-2345-6789", True), ("sunrise hospital", False), ("42", False)],
)
def test_search_entries_that_are_mostly_digits_are_tried_as_phones(text, is_phone):
    assert looks_like_phone(text) is is_phone


@pytest.mark.parametrize(
    "typed", ["98201abcde", "1800-FLOWERS", "+91 98765 4321O", "98765 43210 ext"]
)
def test_letters_in_a_phone_are_refused_never_read_as_keypad_digits(typed):
    with pytest.raises(InvalidPhone, match="letters"):
        normalize_phone(typed)
