"""Normalized keys and pair scores, without a database."""

from clientele.duplicates.matching import (
    MatchRecord,
    blocking_keys,
    city_key,
    connected_groups,
    email_key,
    gstin_or_none,
    name_key,
    name_similarity,
    phone_or_none,
    score_pair,
)

GSTIN = "27AAPFU0939F1ZV"


def record(id: str, name: str, **values: object) -> MatchRecord:
    return MatchRecord.of(id=id, name=name, **values)  # type: ignore[arg-type]


def test_dotted_initials_plural_and_case_fold_to_one_name():
    assert name_key("A.B.C. Hospitals").folded == name_key("abc hospital").folded


def test_legal_suffixes_honorifics_and_abbreviations_are_folded():
    assert name_key("Shri Sai Hosp. Pvt. Ltd.").folded == name_key("Sai Hospital").folded
    assert name_key("Sunrise N. Home").folded == name_key("Sunrise Nursing Home").folded
    assert name_key("Apex Diagnostic Center").folded == name_key("Apex Diagnostics Centre").folded
    assert name_key("Dr. Mehta's Clinic").folded == name_key("Mehta Clinic").folded


def test_transliteration_variants_share_a_core():
    assert name_key("Sanjeevani Hospital").core == name_key("Sanjivani Hospital").core
    assert name_key("Venkateshwara Clinic").core == name_key("Venkateswara Clinic").core
    assert name_key("Shri Lakshmi Lab").core == name_key("Sri Laxmi Laboratory").core


def test_generic_words_do_not_dominate_similarity():
    abc = name_key("ABC Hospital")
    # Raw pg_trgm similarity ranks XYZ Hospital first (0.53 against 0.45); folded names do not.
    assert name_similarity(abc, name_key("A.B.C Hospitals")) == 1.0
    assert name_similarity(abc, name_key("XYZ Hospital")) < 0.5


def test_a_typo_in_a_generic_word_stays_generic():
    assert name_key("Prime Patholgoy Lab").core == name_key("Prime Pathology Lab").core


def test_phones_emails_gstins_and_cities_are_normalized():
    assert phone_or_none("098765 43210") == "+919876543210"
    assert phone_or_none("+91-98765-43210") == "+919876543210"
    assert phone_or_none("N/A") is None
    assert email_key(" Info@Sunrise.IN ") == "info@sunrise.in"
    assert gstin_or_none(GSTIN.lower()) == GSTIN
    assert gstin_or_none("27AAPFU0939F1ZX") is None  # bad checksum proves nothing
    assert city_key("Bombay") == city_key("mumbai ") == "mumbai"


def test_a_retyped_record_with_the_same_phone_is_a_likely_duplicate():
    a = record("1", "Sunrise Multispeciality Hospital", phones=["022 2345 6789"], city="Mumbai")
    b = record("2", "SUNRISE MULTI SPECIALITY HOSP.", phones=["+912223456789"], city="Bombay")
    score = score_pair(a, b)
    assert score.is_match
    assert score.probability > 0.99
    assert any("same phone +912223456789" in r.text for r in score.reasons)
    assert blocking_keys(a) & blocking_keys(b)


def test_a_same_name_branch_in_another_city_is_not_a_duplicate():
    a = record("1", "Apollo Clinic", phones=["9876543210"], city="Pune", pincode="411038")
    b = record("2", "Apollo Clinic", phones=["9876500000"], city="Chennai", pincode="600017")
    score = score_pair(a, b)
    assert not score.is_match
    assert any(r.field == "city" and r.weight < 0 for r in score.reasons)


def test_two_customers_on_one_switchboard_are_not_duplicates():
    a = record("1", "Sunrise Eye Hospital", phones=["02223456789"], city="Mumbai")
    b = record("2", "Lotus Dental Care", phones=["02223456789"], city="Mumbai")
    assert not score_pair(a, b).is_match


def test_the_same_gstin_is_strong_evidence_and_different_ones_speak_against():
    a = record("1", "Galaxy Surgicals", gstin=GSTIN, city="Mumbai")
    b = record("2", "Galaxy Surgical Agencies", gstin=GSTIN, city="Mumbai")
    assert score_pair(a, b).is_match
    c = record("3", "Galaxy Surgicals", gstin="27AAACR5055K1Z7", city="Mumbai")
    assert gstin_or_none("27AAACR5055K1Z7") is not None
    assert not score_pair(a, c).is_match


def test_groups_are_the_connected_pairs():
    groups = list(connected_groups([("b", "c"), ("a", "b"), ("x", "y")]))
    assert groups == [["a", "b", "c"], ["x", "y"]]
