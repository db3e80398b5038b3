"""Normalized keys and pair scores, without a database."""

from clientele.duplicates.evaluation import evaluate, fitted_scorer, synthetic_dataset
from clientele.duplicates.matching import (
    DEFAULT_MODEL,
    FIELDS,
    LEVELS,
    MAX_BLOCK,
    MAX_WEAK_BLOCK,
    NULL,
    SURNAME,
    WEAK,
    MatchRecord,
    Model,
    Rarity,
    address_key,
    block_limit,
    blocking_keys,
    city_key,
    compare,
    compare_code,
    connected_groups,
    decode,
    email_key,
    encode,
    gstin_or_none,
    name_key,
    name_similarity,
    phone_or_none,
    plausible,
    score_pair,
    state_key,
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
    assert score.probability > 0.98
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


# --- persons, addresses, states (issue #7, second round) -------------------------------------


def person(id: str, name: str, **values: object) -> MatchRecord:
    return record(id, name, customer_type="individual", **values)


def levels(a: MatchRecord, b: MatchRecord) -> dict[str, str]:
    return {
        FIELDS[k]: LEVELS[FIELDS[k]][level]
        for k, level in enumerate(compare(a, b))
        if level != NULL
    }


def test_given_name_and_surname_are_compared_in_either_order():
    a = person("1", "Dr. Ravi Sharma", city="Pune")
    b = person("2", "Sharma Ravi", city="Pune")
    found = levels(a, b)
    assert found["given_name"] == "exact"
    assert found["surname"] == "exact"
    assert "name" not in found  # a person's name is compared part by part
    texts = " | ".join(r.text for r in score_pair(a, b).reasons)
    assert "name order swapped" in texts


def test_a_one_word_person_name_meets_the_part_it_resembles():
    found = levels(person("1", "Waller"), person("2", "Noah Waller"))
    assert found["surname"] == "exact"
    assert "given_name" not in found
    typo = levels(person("1", "Tapas Roy"), person("2", "Tapsa Roy"))
    assert typo["given_name"] == "high"


def test_inner_apostrophes_and_mistyped_legal_words_are_folded():
    assert name_key("Maria D'Souza").words == ("maria", "dsouza")
    assert name_key("D'Souza's Clinic").core == name_key("DSouza Clinic").core
    plain = name_key("Agni Healthcare Technologies").folded
    assert name_key("Agni Healthcare Technologies Priwate Limited").folded == plain
    assert (
        name_key("Medisys Healthcare Solutions Pwt Ltd").folded
        == name_key("Medisys Healthcare Solutions").folded
    )


def test_generic_word_typos_are_read_but_brands_near_them_stay():
    assert name_key("Hindustan Biomedical Sewices").generic == "services"
    assert "medicare" in name_key("Medicare Surgicals").core  # two edits from "medical"
    assert name_key("Maria Fernandes").words == ("maria", "fernandes")  # not "MRI"


def test_one_brand_at_another_kind_of_place_is_its_own_level():
    skin = record("1", "Trinity Skin Clinic", city="Hyderabad")
    dialysis = record("2", "Trinity Dialysis Centre", city="Hyderabad")
    assert levels(skin, dialysis)["name"] == "kind"
    general = record("3", "Sunrise Hospital", city="Pune")
    wider = record("4", "Sunrise Multispeciality Hospital", city="Pune")
    assert levels(general, wider)["name"] != "kind"  # one kind the other names more fully
    typo = levels(record("5", "Surya Dental Care"), record("6", "Suyra Dental Care"))
    assert typo["name"] in ("core", "high")


def test_an_address_splits_into_house_numbers_street_and_locality():
    place = address_key("Plot No. 54, M.G. Rd", "Near Station, Bandra West")
    assert place.numbers == ("54",)
    assert place.street == "mg road"
    assert place.locality == "near station bandra west"
    a = record("1", "Apex Clinic", address=["54 MG Road", "Bandra West"])
    b = record("2", "Apex Clinic", address=["Plot 54, M. G. Road", "Near Station, Bandra West"])
    found = levels(a, b)
    assert found["street_number"] == "same"
    assert found["street"] == "same"
    assert found["locality"] == "alike"


def test_a_locality_typed_on_the_street_line_still_agrees():
    a = record("1", "Apex Clinic", address=["Bandra West"])
    b = record("2", "Apex Clinic", address=[None, "Bandra West"])
    assert levels(a, b)["locality"] == "alike"


def test_states_are_folded_with_their_codes_and_old_names():
    assert state_key("MH") == state_key("Maharashtra ") == "maharashtra"
    assert state_key("Orissa") == state_key("OR") == "odisha"
    assert state_key("qld") == "qld"  # not an Indian state: compared as written
    a = record("1", "Apex Clinic", city="Pune", state="MH")
    b = record("2", "Apex Clinic", city="Pune", state="Maharashtra")
    assert levels(a, b)["state"] == "same"


def test_persons_get_weak_blocking_keys_and_businesses_do_not():
    doctor = person("1", "Dr. Ravi Sharma", city="Pune", pincode="411001", address=["14 Link Rd"])
    clinic = record("2", "Sharma Clinic", city="Pune", pincode="411001", address=["14 Link Rd"])
    weak = {k for k in blocking_keys(doctor) if k.startswith(WEAK)}
    assert weak
    assert not any(k.startswith(WEAK) for k in blocking_keys(clinic))
    assert all(block_limit(k) == MAX_WEAK_BLOCK < MAX_BLOCK for k in weak)
    swapped = person("3", "Sharma Ravi", city="Pune", pincode="411001")
    assert blocking_keys(doctor) & blocking_keys(swapped)


def test_agreeing_on_a_rare_surname_counts_more_than_on_a_common_one():
    people = [person(str(i), f"Amit Sharma{'' if i % 2 else ' '}") for i in range(40)]
    people += [person("r1", "Amit Zaveri"), person("r2", "Vinod Zaveri")]
    rarity = Rarity(people)
    sharma = levels(people[0], people[1])
    assert sharma["surname"] == "exact"
    common = rarity.field_adjustment(people[0], people[1], SURNAME, 0)
    rare = rarity.field_adjustment(people[-2], people[-1], SURNAME, 0)
    assert rare > 0 > common


def test_levels_pack_into_one_int_and_back():
    a = record("1", "Sunrise Hospital", phones=["9876543210"], city="Pune", pincode="411001")
    b = record("2", "Sunrise Hosp.", phones=["9876543210"], city="Poona", pincode="411002")
    found = compare(a, b)
    assert decode(compare_code(a, b)) == found
    assert decode(encode(found)) == found


def test_an_estimate_where_agreeing_names_count_against_a_duplicate_is_not_plausible():
    observed = [1000] * len(FIELDS)
    assert plausible(DEFAULT_MODEL, observed)
    m = dict(DEFAULT_MODEL.m)
    m["name"] = (0.01,) * 6 + (0.94,)  # "different names" now speaks for a duplicate
    upside_down = Model(m=m, u=DEFAULT_MODEL.u, duplicate_share=0.1)
    assert not plausible(upside_down, observed)
    assert plausible(upside_down, [0] * len(FIELDS))  # a field no pair shows proves nothing


def test_the_scan_pipeline_finds_the_duplicates_of_a_small_synthetic_set():
    records, entity = synthetic_dataset(3000, seed=3)
    metrics = evaluate("small", records, entity)
    assert metrics.precision > 0.97
    assert metrics.recall > 0.97
    scorer = fitted_scorer(records)
    assert scorer.model.source in ("estimated", "estimated u, default m")
    _, _, score = next(iter(scorer.matches()))
    assert score.is_match
    assert all(r.text for r in score.reasons)


def test_the_merge_form_offers_to_keep_an_active_customer():
    from types import SimpleNamespace

    from clientele.duplicates.service import default_survivor

    def customer(id: str, status: str, merged: str | None = None) -> SimpleNamespace:
        return SimpleNamespace(id=id, status=status, merged_into_id=merged)

    group = [customer("a", "inactive"), customer("b", "blocked"), customer("c", "active")]
    assert default_survivor(group) == "c"
    assert default_survivor([customer("a", "blocked"), customer("b", "inactive")]) == "b"
    assert default_survivor([customer("a", "active", merged="x"), customer("b", "active")]) == "b"
    assert default_survivor([customer("a", "blocked")]) is None
