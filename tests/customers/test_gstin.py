import pytest

from clientele.gstin import (
    GST_STATE_CODES,
    InvalidGstin,
    gstin_check_char,
    state_code_for,
    validate_gstin,
)

VALID = "27AAPFU0939F1ZV"  # the example GSTIN of the GST portal, Maharashtra


def with_check_char(first14):
    return first14 + gstin_check_char(first14)


def test_the_check_character_of_the_published_example_is_v():
    assert gstin_check_char("27AAPFU0939F1Z") == "V"


def test_a_valid_gstin_comes_back_stripped_and_upper_cased():
    assert validate_gstin("  27aapfu0939f1zv \n") == VALID


@pytest.mark.parametrize("value", ["27AAPFU0939F1Z", "27AAPFU0939F1ZVV", ""])
def test_a_gstin_of_the_wrong_length_is_refused(value):
    with pytest.raises(InvalidGstin, match="must be 15 characters"):
        validate_gstin(value)


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("2XAAPFU0939F1ZV", "characters 1-2"),
        ("27AAP1U0939F1ZV", "characters 3-7"),
        ("27AAPFU09X9F1ZV", "characters 8-11"),
        ("27AAPFU093991ZV", "character 12 "),
        ("27AAPFU0939F0ZV", "character 13 "),
        ("27AAPFU0939F1YV", "character 14 "),
        ("27AAPFU0939F1Z-", "character 15 "),
    ],
)
def test_a_malformed_gstin_is_refused_naming_the_wrong_part(value, complaint):
    with pytest.raises(InvalidGstin, match=complaint):
        validate_gstin(value)


def test_non_ascii_digits_are_refused_as_malformed():
    with pytest.raises(InvalidGstin, match="characters 8-11"):
        validate_gstin("27AAPFU\u0660939F1ZV")


def test_a_gstin_with_an_unknown_state_code_is_refused_even_with_a_correct_checksum():
    with pytest.raises(InvalidGstin, match="unknown state code 99"):
        validate_gstin(with_check_char("99AAPFU0939F1Z"))


def test_a_wrong_check_character_is_refused():
    with pytest.raises(InvalidGstin, match="wrong check character"):
        validate_gstin("27AAPFU0939F1ZW")


def test_every_single_character_typo_is_caught():
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for position in range(15):
        for char in alphabet:
            if char == VALID[position]:
                continue
            typo = VALID[:position] + char + VALID[position + 1 :]
            with pytest.raises(InvalidGstin):
                validate_gstin(typo)


def test_a_gstin_registered_in_another_state_than_the_address_is_refused():
    with pytest.raises(InvalidGstin, match=r"registered in Maharashtra.*address is in Karnataka"):
        validate_gstin(VALID, state="Karnataka")


@pytest.mark.parametrize("state", ["Maharashtra", "  MAHARASHTRA ", "maharashtra"])
def test_a_gstin_matching_the_address_state_is_accepted_however_the_state_is_cased(state):
    assert validate_gstin(VALID, state=state) == VALID


def test_an_unrecognised_address_state_does_not_block_a_valid_gstin():
    assert validate_gstin(VALID, state="Atlantis") == VALID


@pytest.mark.parametrize(
    ("state", "code"),
    [
        ("Dadra and Nagar Haveli and Daman and Diu", "25"),
        ("Daman & Diu", "26"),
        ("Andhra Pradesh", "28"),
    ],
)
def test_codes_kept_alive_by_mergers_and_splits_are_accepted_for_the_area(state, code):
    gstin = with_check_char(f"{code}AAPFU0939F1Z")
    assert validate_gstin(gstin, state=state) == gstin


@pytest.mark.parametrize(
    ("state", "code"),
    [
        ("Tamil Nadu", "33"),
        ("Tamilnadu", "33"),
        ("TAMIL NADU", "33"),
        ("Odisha", "21"),
        ("Orissa", "21"),
        ("Puducherry", "34"),
        ("Pondicherry", "34"),
        ("Delhi", "07"),
        ("NCT of Delhi", "07"),
        ("New Delhi", "07"),
        ("Jammu & Kashmir", "01"),
        ("Andaman and Nicobar", "35"),
        ("Andhra Pradesh", "37"),
        ("Telangana", "36"),
        ("Uttaranchal", "05"),
        ("Ladakh", "38"),
    ],
)
def test_state_names_are_recognised_in_their_common_spellings(state, code):
    assert state_code_for(state) == code


@pytest.mark.parametrize("state", ["", "Atlantis", "Bombay"])
def test_an_unknown_state_has_no_code(state):
    assert state_code_for(state) is None


def test_every_gst_state_code_from_01_to_38_and_97_is_known():
    assert set(GST_STATE_CODES) == {f"{code:02d}" for code in range(1, 39)} | {"97"}


def test_every_official_state_name_maps_back_to_its_code():
    for code, name in GST_STATE_CODES.items():
        if code != "28":  # "Andhra Pradesh (Before Division)": addresses mean today's 37
            assert state_code_for(name) == code


def test_an_invalid_gstin_can_be_handled_as_a_value_error():
    with pytest.raises(ValueError, match="GSTIN"):
        validate_gstin("not a gstin")


@pytest.mark.parametrize("first14", ["27AAPFU0939F1", "27AAPFU0939F1Z!"])
def test_the_check_character_needs_exactly_fourteen_gstin_characters(first14):
    with pytest.raises(ValueError, match="character"):
        gstin_check_char(first14)
