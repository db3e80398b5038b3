"""Finding the customer an agent means, from what they type while the customer is on the line."""

import pytest
from sqlalchemy import text

from tests.search.conftest import insert_customer
from tests.support.api import create_customer

SEARCH = "/api/v1/customers/search"


async def search(client, headers, q, **params):
    response = await client.get(SEARCH, params={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def names(items):
    return [item["customer"]["name"] for item in items]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Sunrise Multispeciality Hospitl", "Sunrise Multispeciality Hospital"),  # typo
        ("sunrize multispeciality hospital", "Sunrise Multispeciality Hospital"),
        ("Sunrise Hospital", "Sunrise Multispeciality Hospital"),  # dropped word
        ("hospital multispeciality sunrise", "Sunrise Multispeciality Hospital"),  # swapped
        ("Sunrise Multi-Speciality Hosp.", "Sunrise Multispeciality Hospital"),  # abbreviation
        ("sunrise diag", "Sunrise Diagnostics Centre"),  # part of a name, abbreviated
        ("Sunrise Diagnostic Center", "Sunrise Diagnostics Centre"),
        ("Sri Lakshmi N. Home", "Shri Lakshmi Nursing Home"),  # N. Home, Sri for Shri
        ("Shree Laxmi nursing home", "Shri Lakshmi Nursing Home"),  # Laxmi for Lakshmi
        ("shri krishna hosp", "Sri Krishna Hospital"),
        ("Sri Ganesh Pathology", "Shree Ganesh Path Lab"),
        ("venkateswara hospital", "Venkateshwara Hospital & Research Centre"),
        ("dr sharma eye", "Dr. Sharma's Eye Clinic"),
        ("Anil Mukherji", "Dr. Anil Mukherjee"),
        ("apex heart", "Apex Heart Institute"),
        ("galaxy surgical", "Galaxy Surgicals Pvt Ltd"),
        ("kamala devi memorial", "Kamla Devi Memorial Hospital"),
        # One typo in a short word, too far off for trigrams (similarity < 0.3).
        ("apx heart", "Apex Heart Institute"),
        ("lotsu eye hospital", "Lotus Eye Hospital"),
        ("galxay surgicals", "Galaxy Surgicals Pvt Ltd"),
        # The last word cut short while the agent is typing.
        ("sunrise eye cl", "Sunrise Eye Clinic"),
        ("kamla devi mem", "Kamla Devi Memorial Hospital"),
        ("venkateshwara hospital & res", "Venkateshwara Hospital & Research Centre"),
        # ... cut inside a spelling that folds to one letter (Lakshmi -> laxmi).
        ("shri laks", "Shri Lakshmi Nursing Home"),
        ("anil mukhe", "Dr. Anil Mukherjee"),
    ],
)
async def test_the_meant_customer_comes_first_from_typos_abbreviations_and_transliterations(
    client, viewer, catalog, typed, meant
):
    items = await search(client, viewer, typed, limit=5)
    assert names(items)[0] == meant, names(items)
    assert items[0]["matched_on"] == "name"
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 for score in scores)


async def test_a_generic_word_does_not_outweigh_a_rare_one(client, viewer, catalog):
    """Ten "<brand> Hospital"s must not push Lotus Eye Hospital down for "lotus hospitl"."""
    assert names(await search(client, viewer, "lotus hospitl", limit=3))[0] == "Lotus Eye Hospital"


async def test_an_exact_name_scores_above_longer_names_holding_it(client, viewer, catalog):
    items = await search(client, viewer, "city hospital", limit=5)
    assert names(items)[:2] == ["City Hospital", "City Hospital"]
    assert items[0]["score"] > items[2]["score"]
    # Active customers before blocked ones of the same name.
    assert items[0]["customer"]["status"] == "active"


async def test_filters_combine_with_the_search(client, viewer, catalog):
    by_city = await search(client, viewer, "city hospital", city="mumbai")
    assert [(i["customer"]["name"], i["customer"]["city"]) for i in by_city] == [
        ("City Hospital", "Mumbai")
    ]
    blocked = await search(client, viewer, "city hosp", status="blocked", city="Mumbai")
    assert names(blocked) == ["City Hospital"]
    assert await search(client, viewer, "city hosp", status="blocked", city="Pune") == []
    clinics = await search(client, viewer, "sunrise", customer_type="clinic")
    assert names(clinics) == ["Sunrise Eye Clinic"]
    labs_in_pune = await search(client, viewer, "sunrise", customer_type="lab", city="Pune")
    assert names(labs_in_pune) == ["Sunrise Diagnostics Centre"]


async def test_a_customer_inserted_with_plain_sql_is_found(client, viewer, connection, catalog):
    new_id = await insert_customer(connection, "Zyphora Cardiac Care", "Goa", "clinic")
    items = await search(client, viewer, "zyphora cardiac", limit=3)
    assert items[0]["customer"]["id"] == new_id
    # Its new words are known with their typos too ("zyphroa": two letters swapped).
    items = await search(client, viewer, "zyphroa cardic", limit=3)
    assert items[0]["customer"]["id"] == new_id


async def test_the_refresh_keeps_typo_lookups_for_the_words_still_in_use(
    client, viewer, connection, catalog
):
    await connection.execute(text("SELECT clientele_search_refresh()"))
    assert names(await search(client, viewer, "apx heart", limit=1)) == ["Apex Heart Institute"]


async def test_a_rename_with_plain_sql_is_found_by_the_new_name_only(
    client, viewer, connection, catalog
):
    customer_id = catalog[("Apex Heart Institute", "Mumbai")]
    await connection.execute(
        text("UPDATE customers SET name = 'Quillon Cardiac Institute' WHERE id = :id"),
        {"id": customer_id},
    )
    assert (await search(client, viewer, "quillon cardiac"))[0]["customer"]["id"] == customer_id
    assert customer_id not in [i["customer"]["id"] for i in await search(client, viewer, "apex")]


async def test_a_customer_created_and_renamed_through_the_api_is_found(client, agent, catalog):
    created = await create_customer(client, agent, name="Vrindavan Kidney Care", city="Agra")
    assert (await search(client, agent, "vrindavan kidny"))[0]["customer"]["id"] == created["id"]
    renamed = await client.patch(
        f"/api/v1/customers/{created['id']}",
        json={"name": "Yamuna Kidney Care"},
        headers={**agent, "If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text
    assert (await search(client, agent, "yamuna kidney"))[0]["customer"]["id"] == created["id"]


@pytest.mark.parametrize("typed", ["+91 99 1234 0001", "09912340001", "9912340001", "99123-40001"])
async def test_a_phone_in_any_format_finds_its_customer(client, agent, typed):
    created = await create_customer(client, agent, name="Phone Test Clinic", primary_phone=typed)
    items = await search(client, agent, typed)
    assert items[0]["customer"]["id"] == created["id"]
    assert items[0]["matched_on"] == "phone"
    assert items[0]["score"] == 1.0


async def test_a_uuid_and_a_legacy_id_find_their_customer(client, viewer, connection, catalog):
    customer_id = catalog[("Lotus Eye Hospital", "Pune")]
    await connection.execute(
        text("INSERT INTO customer_legacy_ids VALUES ('hosp-00917', :id, 'HOSP-00917')"),
        {"id": customer_id},
    )
    for typed in (customer_id, customer_id.upper(), "HOSP-00917", " hosp-00917 "):
        items = await search(client, viewer, typed)
        assert items[0]["customer"]["id"] == customer_id, typed
        assert items[0]["matched_on"] in ("id", "legacy_id")


@pytest.mark.parametrize(
    "typed", ["%", "_", "\\", "100%", "100% pure", "' OR 1=1 --", "a%b_c", "(sunrise", "🙂 clinic"]
)
async def test_metacharacters_are_matched_as_text(client, viewer, catalog, typed):
    items = await search(client, viewer, typed)
    if typed.startswith("100%"):
        assert names(items)[0] == "100% Pure Care Clinic"
    if typed in ("%", "_", "\\"):
        assert items == []


async def test_nothing_matching_finds_nothing(client, viewer, catalog):
    assert await search(client, viewer, "qqqqxxxzz") == []


async def test_many_customers_of_one_name_do_not_hide_the_other_names_that_fit(
    client, viewer, connection
):
    """ "unity medi" fits two names; six customers of one must not fill the whole page."""
    for city in ("Pune", "Agra", "Goa", "Surat", "Delhi", "Patna"):
        await insert_customer(connection, "Unity Medi Equipments", city, "dealer")
    systems = await insert_customer(connection, "Unity Medi Systems", "Pune", "dealer")
    items = await search(client, viewer, "unity medi", limit=5)
    assert systems in [item["customer"]["id"] for item in items]
    assert names(items).count("Unity Medi Equipments") == 4
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)
