"""Who is calling: a customer found by any number it is, or was, reachable on, with the reason."""

import datetime as dt

import pytest

from tests.support.api import assert_problem, create_customer, unique_mobile
from tests.support.queries import counting_queries

CALLER_ID = "/api/v1/customers/caller-id"
SEARCH = "/api/v1/customers/search"


def national(e164: str) -> str:
    """The number as an agent would type it: 0 and ten digits, with a space."""
    return f"0{e164[3:8]} {e164[8:]}"


async def caller_id(client, headers, number):
    response = await client.get(CALLER_ID, params={"number": number}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_primary_phone_finds_the_customer_with_full_confidence(client, agent):
    created = await create_customer(client, agent, name="Asha Eye Clinic")
    body = await caller_id(client, agent, national(created["primary_phone"]))
    assert body["number"] == created["primary_phone"]
    [hit] = body["items"]
    assert hit["customer"]["id"] == created["id"]
    assert (hit["reason"], hit["confidence"], hit["shared_with"]) == ("primary phone", 1.0, 1)


@pytest.mark.parametrize(
    ("field", "reason"),
    [("secondary_phone", "secondary phone"), ("whatsapp_number", "WhatsApp number")],
)
async def test_a_secondary_or_whatsapp_number_finds_the_customer(client, agent, field, reason):
    number = unique_mobile()
    created = await create_customer(client, agent, name="Balaji Dialysis Centre", **{field: number})
    [hit] = (await caller_id(client, agent, number))["items"]
    assert hit["customer"]["id"] == created["id"]
    assert hit["reason"] == reason
    assert 0 < hit["confidence"] < 1


async def test_a_contacts_phone_finds_the_customer_and_names_the_contact(client, agent):
    created = await create_customer(client, agent, name="Metro Hospital")
    number = unique_mobile()
    response = await client.post(
        f"/api/v1/customers/{created['id']}/contacts",
        json={"name": "Dr. Rao", "role": "Head of Radiology", "phone": number},
        headers=agent,
    )
    assert response.status_code == 201, response.text
    [hit] = (await caller_id(client, agent, number))["items"]
    assert hit["customer"]["id"] == created["id"]
    assert hit["reason"] == "contact Dr. Rao"


async def test_a_number_the_customer_had_before_finds_it_with_the_date_it_changed(client, agent):
    created = await create_customer(client, agent, name="Unity Medi Equipments")
    old = created["primary_phone"]
    response = await client.patch(
        f"/api/v1/customers/{created['id']}",
        json={"primary_phone": unique_mobile()},
        headers={**agent, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    [hit] = (await caller_id(client, agent, old))["items"]
    assert hit["customer"]["id"] == created["id"]
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=5, minutes=30))).date()
    assert hit["reason"] == f"phone until {today.isoformat()}"
    assert hit["confidence"] < 1


async def test_customers_sharing_a_switchboard_all_come_back_with_the_confidence_split(
    client, agent
):
    switchboard = unique_mobile()
    first = await create_customer(client, agent, name="Sahyadri Hospital Deccan")
    second = await create_customer(
        client, agent, name="Sahyadri Hospital Nagar Road", secondary_phone=switchboard
    )
    third = await create_customer(
        client, agent, name="Sahyadri Speciality Hospital", whatsapp_number=switchboard
    )
    await client.patch(
        f"/api/v1/customers/{first['id']}",
        json={"secondary_phone": switchboard},
        headers={**agent, "If-Match": '"1"'},
    )
    items = (await caller_id(client, agent, switchboard))["items"]
    assert {i["customer"]["id"] for i in items} == {first["id"], second["id"], third["id"]}
    assert {i["shared_with"] for i in items} == {3}
    assert all(i["confidence"] == 0.3 for i in items)


async def test_the_number_someone_else_holds_now_puts_the_holder_first(client, agent):
    before = await create_customer(client, agent, name="Prime Eye Care")
    number = before["primary_phone"]
    await client.patch(
        f"/api/v1/customers/{before['id']}",
        json={"primary_phone": unique_mobile()},
        headers={**agent, "If-Match": '"1"'},
    )
    now = await create_customer(client, agent, name="Orbit Biomedical", primary_phone=number)
    items = (await caller_id(client, agent, number))["items"]
    assert [i["customer"]["id"] for i in items] == [now["id"], before["id"]]
    assert items[0]["confidence"] > items[1]["confidence"]


async def test_the_search_box_finds_a_customer_by_a_contacts_number_with_the_reason(client, agent):
    created = await create_customer(client, agent, name="Shanti Pathology Lab")
    number = unique_mobile()
    await client.post(
        f"/api/v1/customers/{created['id']}/contacts",
        json={"name": "Meena Iyer", "whatsapp": number},
        headers=agent,
    )
    response = await client.get(SEARCH, params={"q": f"+91-{number}"}, headers=agent)
    assert response.status_code == 200, response.text
    [hit] = response.json()["items"]
    assert hit["customer"]["id"] == created["id"]
    assert (hit["matched_on"], hit["reason"]) == ("phone", "contact Meena Iyer (WhatsApp)")


async def test_caller_id_runs_one_statement(client, agent, connection):
    created = await create_customer(client, agent, name="Amrit Nursing Home")
    await caller_id(client, agent, created["primary_phone"])  # warms the token cache
    with counting_queries(connection) as statements:
        await caller_id(client, agent, created["primary_phone"])
    assert len(statements) == 1, statements
    assert "customer_versions" in statements[0]


async def _reachable(client, agent, kind):
    """A customer reachable on a number of `kind`, and that number (E.164)."""
    number = unique_mobile()
    fields = {"secondary": "secondary_phone", "whatsapp": "whatsapp_number"}
    extra = {fields[kind]: number} if kind in fields else {}
    created = await create_customer(client, agent, name=f"Kiran {kind} Hospital", **extra)
    if kind == "primary":
        return created, created["primary_phone"]
    if kind in ("contact phone", "contact WhatsApp"):
        field = "phone" if kind == "contact phone" else "whatsapp"
        response = await client.post(
            f"/api/v1/customers/{created['id']}/contacts",
            json={"name": "Dr. Rao", field: number},
            headers=agent,
        )
        assert response.status_code == 201, response.text
    if kind == "former":
        number = created["primary_phone"]
        response = await client.patch(
            f"/api/v1/customers/{created['id']}",
            json={"primary_phone": unique_mobile()},
            headers={**agent, "If-Match": '"1"'},
        )
        assert response.status_code == 200, response.text
    return created, f"+91{number[-10:]}"


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("primary", "primary phone"),
        ("secondary", "secondary phone"),
        ("whatsapp", "WhatsApp number"),
        ("contact phone", "contact Dr. Rao"),
        ("contact WhatsApp", "contact Dr. Rao (WhatsApp)"),
        ("former", "phone until "),
    ],
)
async def test_each_kind_of_number_finds_the_customer_with_its_reason_in_one_statement(
    client, agent, connection, kind, reason
):
    created, number = await _reachable(client, agent, kind)
    await caller_id(client, agent, number)  # warms the token cache
    with counting_queries(connection) as statements:
        body = await caller_id(client, agent, number)
    assert len(statements) == 1, statements
    [hit] = body["items"]
    assert hit["customer"]["id"] == created["id"]
    assert hit["reason"].startswith(reason) if kind == "former" else hit["reason"] == reason
    assert 0 < hit["confidence"] <= 1


@pytest.mark.parametrize("number", ["not a phone", "12345", "0000000000", "9" * 40])
async def test_a_number_that_is_not_a_phone_is_a_problem_not_an_error(client, agent, number):
    response = await client.get(CALLER_ID, params={"number": number}, headers=agent)
    assert_problem(response, 422)


async def test_an_unknown_number_finds_nobody(client, agent):
    assert (await caller_id(client, agent, unique_mobile()))["items"] == []
