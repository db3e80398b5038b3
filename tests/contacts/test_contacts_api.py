"""Customer contacts over HTTP: the people at a customer, their phones, and who added them."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from tests.support.api import field_errors
from tests.support.queries import counting_queries

CONTACTS = "/api/v1/contacts"
PROBLEM = "application/problem+json"
_phones = itertools.count(1)


def contacts_of(customer_id: str) -> str:
    return f"/api/v1/customers/{customer_id}/contacts"


async def a_customer(client, headers) -> str:
    """A new customer's id (each with its own primary phone)."""
    response = await client.post(
        "/api/v1/customers",
        json={
            "customer_type": "hospital",
            "name": "Sunrise Multispeciality Hospital",
            "primary_phone": f"+91 98123 {next(_phones):05d}",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def a_contact(client, headers, customer_id: str, **values: Any) -> dict[str, Any]:
    body = {"name": "Dr. Meera Iyer", **values}
    response = await client.post(contacts_of(customer_id), json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def every_page(client, headers, customer_id: str, **params: Any) -> list[list[dict]]:
    """Follow `next_cursor` to the end; the items of each page."""
    pages = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(contacts_of(customer_id), params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "pagination does not end"


async def equipment_naming(connection, customer_id: str, contact_id: str) -> str:
    """Insert an equipment row whose contact person is `contact_id`; its id."""
    result = await connection.execute(
        text(
            "INSERT INTO equipment (serial_number, model, customer_id, contact_id) "
            "VALUES ('SN-MRI-0001', 'Signa 1.5T', :customer, :contact) RETURNING id"
        ),
        {"customer": customer_id, "contact": contact_id},
    )
    return str(result.scalar_one())


# --- add ----------------------------------------------------------------------------------


async def test_an_agent_adds_a_contact_that_can_be_read_at_its_location(client, agent, viewer):
    customer_id = await a_customer(client, agent)

    response = await client.post(
        contacts_of(customer_id),
        json={
            "name": "  Dr. Meera Iyer ",
            "role": "Head of Radiology",
            "phone": "098765 43210",
            "whatsapp": "+91-98765-43210",
            "email": "meera.iyer@sunrisehospital.in",
        },
        headers=agent,
    )

    assert response.status_code == 201, response.text
    contact = response.json()
    assert response.headers["Location"] == f"{CONTACTS}/{contact['id']}"
    assert contact["customer_id"] == customer_id
    assert contact["name"] == "Dr. Meera Iyer"
    assert contact["role"] == "Head of Radiology"
    assert contact["phone"] == "+919876543210"
    assert contact["whatsapp"] == "+919876543210"
    assert contact["email"] == "meera.iyer@sunrisehospital.in"
    got = await client.get(response.headers["Location"], headers=viewer)
    assert got.status_code == 200
    assert got.json() == contact


async def test_a_contact_needs_only_a_name(client, agent):
    customer_id = await a_customer(client, agent)

    contact = await a_contact(client, agent, customer_id, name="Ravi (stores)")

    assert contact["name"] == "Ravi (stores)"
    assert contact["role"] is None
    assert contact["phone"] is contact["whatsapp"] is contact["email"] is None


async def test_blank_optional_fields_are_stored_as_absent(client, agent):
    customer_id = await a_customer(client, agent)

    contact = await a_contact(client, agent, customer_id, role=" ", phone="", email="  ")

    assert contact["role"] is None
    assert contact["phone"] is None
    assert contact["email"] is None


async def test_created_by_is_the_token_that_added_the_contact(client, agent):
    customer_id = await a_customer(client, agent)

    contact = await a_contact(client, agent, customer_id)

    assert contact["created_by"] == "token:test-agent"


async def test_created_by_cannot_be_sent_in_the_body(client, agent):
    customer_id = await a_customer(client, agent)

    response = await client.post(
        contacts_of(customer_id), json={"name": "Ravi", "created_by": "someone"}, headers=agent
    )

    assert "created_by" in field_errors(response)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("098765 43210", "+919876543210"),
        ("+91-98765-43210", "+919876543210"),
        ("9876543210", "+919876543210"),
        ("0091 98765 43210", "+919876543210"),
        ("022 2345 6789", "+912223456789"),
        ("(022) 2345-6789", "+912223456789"),
        ("+91 22 2345 6789", "+912223456789"),
    ],
)
async def test_phones_in_any_common_indian_format_are_stored_as_e164(client, agent, typed, stored):
    customer_id = await a_customer(client, agent)

    contact = await a_contact(client, agent, customer_id, phone=typed, whatsapp=typed)

    assert contact["phone"] == stored
    assert contact["whatsapp"] == stored


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": "Ravi", "role": "x" * 101}, "role"),
        ({"name": "Ravi", "phone": "N/A"}, "phone"),
        ({"name": "Ravi", "phone": "0000000000"}, "phone"),
        ({"name": "Ravi", "phone": "12345"}, "phone"),
        ({"name": "Ravi", "whatsapp": "98765"}, "whatsapp"),
        ({"name": "Ravi", "email": "ravi-at-hospital"}, "email"),
        ({"name": "Ravi", "email": "ravi@"}, "email"),
        ({"name": "Ravi", "designation": "engineer"}, "designation"),
        ({"name": "Ravi", "customer_id": str(uuid.uuid4())}, "customer_id"),
    ],
    ids=[
        "missing name",
        "blank name",
        "null name",
        "name too long",
        "role too long",
        "phone not a number",
        "placeholder phone",
        "short phone",
        "bad whatsapp",
        "email without at",
        "email without domain",
        "unknown field",
        "customer id in body",
    ],
)
async def test_an_invalid_contact_is_422_naming_the_field(client, agent, body, field):
    customer_id = await a_customer(client, agent)

    response = await client.post(contacts_of(customer_id), json=body, headers=agent)

    assert field in field_errors(response)
    listed = await client.get(contacts_of(customer_id), headers=agent)
    assert listed.json()["items"] == []


async def test_a_422_never_echoes_the_rejected_value(client, agent):
    customer_id = await a_customer(client, agent)

    response = await client.post(
        contacts_of(customer_id), json={"name": "Ravi", "phone": "my-secret-number"}, headers=agent
    )

    assert response.status_code == 422
    assert "my-secret-number" not in response.text


async def test_adding_a_contact_to_an_unknown_customer_is_404(client, agent):
    missing = uuid.uuid4()

    response = await client.post(contacts_of(str(missing)), json={"name": "Ravi"}, headers=agent)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert str(missing) in response.json()["detail"]


async def test_adding_a_contact_with_a_malformed_customer_id_is_422_naming_it(client, agent):
    response = await client.post(contacts_of("CUST-00042"), json={"name": "Ravi"}, headers=agent)

    assert "customer_id" in field_errors(response)


async def test_adding_a_contact_without_a_token_is_401(client, agent):
    customer_id = await a_customer(client, agent)

    response = await client.post(contacts_of(customer_id), json={"name": "Ravi"})

    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_a_viewer_may_not_add_a_contact(client, agent, viewer):
    customer_id = await a_customer(client, agent)

    response = await client.post(contacts_of(customer_id), json={"name": "Ravi"}, headers=viewer)

    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM)


# --- read one -----------------------------------------------------------------------------


async def test_reading_an_unknown_contact_is_404(client, viewer):
    missing = uuid.uuid4()

    response = await client.get(f"{CONTACTS}/{missing}", headers=viewer)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert str(missing) in response.json()["detail"]


async def test_a_contact_id_that_is_not_a_uuid_is_422_naming_it(client, viewer):
    response = await client.get(f"{CONTACTS}/42", headers=viewer)

    assert "contact_id" in field_errors(response)


async def test_reading_a_contact_needs_a_token(client, agent):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(client, agent, customer_id)

    assert (await client.get(f"{CONTACTS}/{contact['id']}")).status_code == 401
    assert (await client.get(contacts_of(customer_id))).status_code == 401


# --- update -------------------------------------------------------------------------------


async def test_an_agent_updates_only_the_fields_sent(client, agent, viewer):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(
        client, agent, customer_id, role="Biomedical engineer", email="ravi@sunrise.in"
    )

    response = await client.patch(
        f"{CONTACTS}/{contact['id']}",
        json={"role": "Purchase officer", "phone": "+91 22 2345 6789"},
        headers=agent,
    )

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["role"] == "Purchase officer"
    assert updated["phone"] == "+912223456789"
    assert updated["email"] == "ravi@sunrise.in"
    assert updated["name"] == contact["name"]
    assert updated["created_by"] == contact["created_by"]
    assert (await client.get(f"{CONTACTS}/{contact['id']}", headers=viewer)).json() == updated


async def test_null_clears_an_optional_field(client, agent):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(client, agent, customer_id, whatsapp="98765 43210")

    response = await client.patch(
        f"{CONTACTS}/{contact['id']}", json={"whatsapp": None}, headers=agent
    )

    assert response.status_code == 200
    assert response.json()["whatsapp"] is None


async def test_an_empty_update_changes_nothing(client, agent):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(client, agent, customer_id)

    response = await client.patch(f"{CONTACTS}/{contact['id']}", json={}, headers=agent)

    assert response.status_code == 200
    assert response.json() == contact


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"name": " "}, "name"),
        ({"phone": "call the front desk"}, "phone"),
        ({"whatsapp": "1111111111"}, "whatsapp"),
        ({"email": "not an email"}, "email"),
        ({"created_by": "someone"}, "created_by"),
        ({"customer_id": str(uuid.uuid4())}, "customer_id"),
    ],
    ids=[
        "null name",
        "blank name",
        "bad phone",
        "placeholder whatsapp",
        "bad email",
        "created_by",
        "customer id",
    ],
)
async def test_an_invalid_update_is_422_naming_the_field_and_changes_nothing(
    client, agent, body, field
):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(client, agent, customer_id, phone="98765 43210")

    response = await client.patch(f"{CONTACTS}/{contact['id']}", json=body, headers=agent)

    assert field in field_errors(response)
    assert (await client.get(f"{CONTACTS}/{contact['id']}", headers=agent)).json() == contact


async def test_updating_an_unknown_contact_is_404(client, agent):
    response = await client.patch(f"{CONTACTS}/{uuid.uuid4()}", json={"role": "x"}, headers=agent)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_updating_a_malformed_contact_id_is_422(client, agent):
    response = await client.patch(f"{CONTACTS}/nope", json={"role": "x"}, headers=agent)

    assert "contact_id" in field_errors(response)


async def test_a_viewer_may_not_update_a_contact(client, agent, viewer):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(client, agent, customer_id)

    response = await client.patch(f"{CONTACTS}/{contact['id']}", json={"role": "x"}, headers=viewer)

    assert response.status_code == 403
    assert (await client.get(f"{CONTACTS}/{contact['id']}", headers=viewer)).json() == contact


async def test_updating_a_contact_without_a_token_is_401(client, agent):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(client, agent, customer_id)

    response = await client.patch(f"{CONTACTS}/{contact['id']}", json={"role": "x"})

    assert response.status_code == 401


# --- delete -------------------------------------------------------------------------------


async def test_an_agent_deletes_a_contact(client, agent, viewer):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(client, agent, customer_id)

    response = await client.delete(f"{CONTACTS}/{contact['id']}", headers=agent)

    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get(f"{CONTACTS}/{contact['id']}", headers=viewer)).status_code == 404
    assert (await client.get(contacts_of(customer_id), headers=viewer)).json()["items"] == []


async def test_deleting_a_contact_twice_is_404_the_second_time(client, agent):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(client, agent, customer_id)
    await client.delete(f"{CONTACTS}/{contact['id']}", headers=agent)

    response = await client.delete(f"{CONTACTS}/{contact['id']}", headers=agent)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_deleting_a_contact_that_equipment_names_is_409_and_keeps_it(
    client, agent, viewer, connection
):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(client, agent, customer_id)
    equipment_id = await equipment_naming(connection, customer_id, contact["id"])

    response = await client.delete(f"{CONTACTS}/{contact['id']}", headers=agent)

    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["type"].endswith("/contact-in-use")
    assert "equipment" in problem["detail"]
    assert problem["equipment_ids"] == [equipment_id]
    got = await client.get(f"{CONTACTS}/{contact['id']}", headers=viewer)
    assert got.json() == contact


async def test_a_contact_can_be_deleted_once_its_equipment_names_someone_else(
    client, agent, connection
):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(client, agent, customer_id)
    equipment_id = await equipment_naming(connection, customer_id, contact["id"])
    assert (await client.delete(f"{CONTACTS}/{contact['id']}", headers=agent)).status_code == 409

    await connection.execute(
        text("UPDATE equipment SET contact_id = NULL WHERE id = :id"), {"id": equipment_id}
    )
    response = await client.delete(f"{CONTACTS}/{contact['id']}", headers=agent)

    assert response.status_code == 204


async def test_deleting_an_unknown_contact_is_404(client, agent):
    response = await client.delete(f"{CONTACTS}/{uuid.uuid4()}", headers=agent)

    assert response.status_code == 404


async def test_deleting_a_malformed_contact_id_is_422(client, agent):
    response = await client.delete(f"{CONTACTS}/0", headers=agent)

    assert "contact_id" in field_errors(response)


async def test_a_viewer_may_not_delete_a_contact(client, agent, viewer):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(client, agent, customer_id)

    response = await client.delete(f"{CONTACTS}/{contact['id']}", headers=viewer)

    assert response.status_code == 403
    assert (await client.get(f"{CONTACTS}/{contact['id']}", headers=viewer)).status_code == 200


async def test_deleting_a_contact_without_a_token_is_401(client, agent):
    customer_id = await a_customer(client, agent)
    contact = await a_contact(client, agent, customer_id)

    response = await client.delete(f"{CONTACTS}/{contact['id']}")

    assert response.status_code == 401


# --- list ---------------------------------------------------------------------------------


async def test_a_customer_without_contacts_lists_an_empty_page(client, agent, viewer):
    customer_id = await a_customer(client, agent)

    response = await client.get(contacts_of(customer_id), headers=viewer)

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


async def test_following_the_cursor_returns_every_contact_exactly_once(client, agent, viewer):
    customer_id = await a_customer(client, agent)
    created = {
        (await a_contact(client, agent, customer_id, name=f"Engineer {n}"))["id"] for n in range(7)
    }

    pages = await every_page(client, viewer, customer_id, limit=3)

    assert [len(page) for page in pages] == [3, 3, 1]
    seen = [item["id"] for page in pages for item in page]
    assert len(seen) == len(set(seen))
    assert set(seen) == created


async def test_the_list_shows_only_that_customers_contacts(client, agent, viewer):
    ours = await a_customer(client, agent)
    theirs = await a_customer(client, agent)
    mine = await a_contact(client, agent, ours, name="Ours")
    await a_contact(client, agent, theirs, name="Theirs")

    response = await client.get(contacts_of(ours), headers=viewer)

    assert [item["id"] for item in response.json()["items"]] == [mine["id"]]


async def test_the_list_is_oldest_first(client, agent, viewer, connection):
    customer_id = await a_customer(client, agent)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for days in (2, 3, 1):
        await connection.execute(
            text(
                "INSERT INTO customer_contacts (customer_id, name, created_by, created_at) "
                "VALUES (:customer, :name, 'test', :at)"
            ),
            {"customer": customer_id, "name": f"day {days}", "at": start + timedelta(days=days)},
        )

    pages = await every_page(client, viewer, customer_id, limit=2)

    assert [item["name"] for page in pages for item in page] == ["day 1", "day 2", "day 3"]


async def test_listing_the_contacts_of_an_unknown_customer_is_404(client, viewer):
    response = await client.get(contacts_of(str(uuid.uuid4())), headers=viewer)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_listing_with_a_malformed_customer_id_is_422_naming_it(client, viewer):
    response = await client.get(contacts_of("not-a-uuid"), headers=viewer)

    assert "customer_id" in field_errors(response)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "x" * 201}, "cursor"),
    ],
    ids=["limit zero", "limit too big", "garbage cursor", "huge cursor"],
)
async def test_bad_list_parameters_are_422_naming_the_parameter(
    client, agent, viewer, params, field
):
    customer_id = await a_customer(client, agent)

    response = await client.get(contacts_of(customer_id), params=params, headers=viewer)

    assert field in field_errors(response)


async def test_the_list_runs_the_same_queries_whatever_the_page_size(
    client, agent, viewer, connection
):
    customer_id = await a_customer(client, agent)
    for n in range(12):
        await a_contact(client, agent, customer_id, name=f"Engineer {n}")
    await client.get(contacts_of(customer_id), headers=viewer)  # the token is cached after this

    with counting_queries(connection) as small:
        small_page = await client.get(contacts_of(customer_id), params={"limit": 2}, headers=viewer)
    with counting_queries(connection) as large:
        large_page = await client.get(
            contacts_of(customer_id), params={"limit": 200}, headers=viewer
        )

    assert len(small_page.json()["items"]) == 2
    assert len(large_page.json()["items"]) == 12
    assert len(small) == len(large) <= 2
