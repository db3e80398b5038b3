from uuid import UUID

import pytest

from clientele.customers.search import normalize_legacy_id, normalize_name_query, parse_query


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("Sunrise Hosp.", "sunrise hospital"),
        ("Lakshmi N. Home", "lakshmi nursing home"),
        ("A.B.C Diag Ctr", "abc diagnostics centre"),
        ("D.Y. Children's Hosp", "dy children hospital"),
        ("Sai & Sons Pvt. Ltd.", "sai sons private limited"),
    ],
)
def test_abbreviations_and_punctuation_are_normalized(typed, normalized):
    assert normalize_name_query(typed) == normalized


def test_legacy_ids_are_trimmed_and_case_folded_and_uuids_lose_their_hyphens():
    assert normalize_legacy_id("  CUST-00042 ") == "cust-00042"
    uuid = "3F2504E0-4F89-11D3-9A0C-0305E82C3301"
    assert normalize_legacy_id(uuid) == UUID(uuid).hex
    assert normalize_legacy_id(UUID(uuid).hex.upper()) == UUID(uuid).hex


def test_a_phone_entry_is_read_as_a_phone_and_not_as_a_name():
    parsed = parse_query("098765 43210")
    assert parsed.phone == "+919876543210"
    assert parsed.name is None


def test_a_uuid_entry_is_read_as_an_id_only():
    parsed = parse_query("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
    assert parsed.uuid == UUID("3f2504e0-4f89-11d3-9a0c-0305e82c3301")
    assert parsed.name is None
    assert parsed.legacy_id is None


def test_a_name_entry_is_also_tried_as_a_legacy_code():
    parsed = parse_query("CUST-0042")
    assert parsed.legacy_id == "cust-0042"
    assert parsed.name == "cust 0042"
