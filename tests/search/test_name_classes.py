"""Names typed the ways issue 15 lists: initials, glued words, a place, Indian scripts."""

import json

import pytest
from sqlalchemy import text

from tests.search.conftest import insert_customer
from tests.search.test_search import names, search

PEOPLE = [
    ("DY Children's Hospital", "Pune"),
    ("RML Nursing Home", "Lucknow"),
    ("RML Nursing Home", "Malegaon"),
    ("RML Nursing Home", "Nashik"),
    ("ABC Dental Clinic", "Nagpur"),
    ("KLE Eye Hospital", "Belagavi"),
    ("JJ Eye Hospital", "Mumbai"),
    ("PGI Nursing Home", "Chandigarh"),
    ("KEM Hospital", "Mumbai"),
    ("SRM Diagnostic Centre", "Chennai"),
    ("Shree Sparsh Multispeciality Hospital", "Latur"),
    ("Shree Sparsh Multispeciality Hospital", "Nanded"),
    ("Shree Sparsh Multispeciality Hospital", "Pune"),
    ("Mahavir Hospital - MP Nagar", "Bhopal"),
    ("Mahavir Hospital", "Bhopal"),
    ("डॉ. अमित अग्रवाल", "Agra"),
    ("श्री लक्ष्मी हॉस्पिटल", "Indore"),
    ("Sunita Sharma Clinic", "Jaipur"),
    ("City Hospital", "Bombay"),
    ("City Hospital", "Delhi"),
    ("सिटी केयर डायग्नोस्टिक्स", "Lucknow"),
    ("Apollo Hospital", "Hyderabad"),
    ("Dr. Rakesh Verma Clinic", "Kanpur"),
    ("Rakesh Verma Dental Care", "Kanpur"),
]


@pytest.fixture
async def people(connection, catalog):
    return {
        (name, city): await insert_customer(connection, name, city, "hospital")
        for name, city in PEOPLE
    }


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("D.Y. Children's Hospital", "DY Children's Hospital"),
        ("R.M.L. Nursing Home", "RML Nursing Home"),
        ("A.B.C. Dental Clinic", "ABC Dental Clinic"),
        ("A B C Dental", "ABC Dental Clinic"),
        ("K.L.E Eye Hospital", "KLE Eye Hospital"),
        ("THE J.J. EYE HOSPITAL", "JJ Eye Hospital"),
    ],
)
async def test_dotted_and_spaced_initials_find_the_acronym(client, viewer, people, typed, meant):
    assert names(await search(client, viewer, typed, limit=5))[0] == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("PGINursing Home", "PGI Nursing Home"),
        ("KEMHOSPITAL", "KEM Hospital"),
        ("SRMDiagnostic Centre", "SRM Diagnostic Centre"),
    ],
)
async def test_a_generic_word_glued_to_an_acronym_is_read_apart(
    client, viewer, people, typed, meant
):
    assert names(await search(client, viewer, typed, limit=5))[0] == meant


@pytest.mark.parametrize(
    ("typed", "city"),
    [
        ("Shree Sparsh Multispeciality Hospital (Latur)", "Latur"),
        ("Shree Sparsh Multispeciality Hospital (Nanded)", "Nanded"),
        ("shree sparsh hosp - pune", "Pune"),
        ("RML Nursing Home - Malegaon", "Malegaon"),
        ("R.M.L. Nursing Home, Nashik", "Nashik"),
        ("City Hospital (Mumbai)", "Bombay"),  # the old name of the city is stored
    ],
)
async def test_a_place_typed_with_the_name_ranks_that_place_first(
    client, viewer, people, typed, city
):
    items = await search(client, viewer, typed, limit=5)
    assert items[0]["customer"]["city"] == city, [
        (i["customer"]["name"], i["customer"]["city"]) for i in items
    ]
    assert all(0 < item["score"] <= 1 for item in items)


async def test_a_locality_typed_after_the_name_prefers_the_name_that_holds_it(
    client, viewer, people
):
    items = await search(client, viewer, "Mahavir Hospital - MP Nagar", limit=3)
    assert names(items)[0] == "Mahavir Hospital - MP Nagar"


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Amit Agarwal", "डॉ. अमित अग्रवाल"),
        ("dr amit agrawal", "डॉ. अमित अग्रवाल"),
        ("Shri Lakshmi Hospital", "श्री लक्ष्मी हॉस्पिटल"),
        ("sri laxmi hosp", "श्री लक्ष्मी हॉस्पिटल"),
        ("सुनीता शर्मा क्लिनिक", "Sunita Sharma Clinic"),
        # English words as Hindi writes them, and the title "डॉ." read as Dr.
        ("City Care Diagnostic Centre", "सिटी केयर डायग्नोस्टिक्स"),
        ("city care diag", "सिटी केयर डायग्नोस्टिक्स"),
        ("अपोलो हॉस्पिटल", "Apollo Hospital"),
        ("डॉ. राकेश वर्मा क्लीनिक", "Dr. Rakesh Verma Clinic"),
        ("डा राकेश वर्मा", "Dr. Rakesh Verma Clinic"),
    ],
)
async def test_names_in_indian_scripts_are_found_from_latin_and_back(
    client, viewer, people, typed, meant
):
    assert names(await search(client, viewer, typed, limit=5))[0] == meant


async def _legacy_customer(connection, name, aliases, city="Agra"):
    customer_id = await insert_customer(connection, name, city, "hospital")
    await connection.execute(
        text("UPDATE customers SET metadata = CAST(:m AS jsonb) WHERE id = :id"),
        {"m": json.dumps({"legacy": {"aliases": aliases}}), "id": customer_id},
    )
    return customer_id


@pytest.mark.parametrize(
    "typed",
    ["Agarwal Netralaya", "agrawal netralay", "अग्रवाल नेत्रालय", "Shanti Eye Care"],
)
async def test_a_legacy_alias_in_any_script_finds_the_customer_once(
    client, viewer, connection, catalog, typed
):
    customer_id = await _legacy_customer(
        connection, "Shanti Eye Care", ["Shanti Eye Care", "अग्रवाल नेत्रालय", "SHANTI EYE CARE"]
    )
    items = await search(client, viewer, typed, limit=5)
    ids = [item["customer"]["id"] for item in items]
    assert ids[0] == customer_id, names(items)
    assert ids.count(customer_id) == 1


async def test_an_alias_name_survives_the_refresh_and_a_changed_alias_is_found(
    client, viewer, connection, catalog
):
    customer_id = await _legacy_customer(connection, "Ruby Hall Clinic", ["रूबी हॉल क्लिनिक"])
    await connection.execute(text("SELECT clientele_search_refresh()"))
    assert names(await search(client, viewer, "Rubi Hol Clinic", limit=3))[0] == "Ruby Hall Clinic"
    await connection.execute(
        text("UPDATE customers SET metadata = CAST(:m AS jsonb) WHERE id = :id"),
        {"m": json.dumps({"legacy": {"aliases": ["Grant Medical Foundation"]}}), "id": customer_id},
    )
    items = await search(client, viewer, "Grant Medical Foundation", limit=3)
    assert [i["customer"]["id"] for i in items][:1] == [customer_id]
