"""Equipment over HTTP: at a customer or in stock, its contact person a live reference."""

import uuid

import pytest

from tests.support.api import field_errors
from tests.support.queries import counting_queries

EQUIPMENT = "/api/v1/equipment"


async def test_an_agent_records_equipment_at_a_customer_with_its_contact_person(
    client, build, viewer
):
    customer = await build.customer(city="Pune")
    person = await build.contact(customer["id"], name="Ravi Kulkarni", phone="098765 43210")

    response = await client.post(
        EQUIPMENT,
        json={
            "serial_number": " SN-CT-7781 ",
            "model": "Revolution EVO",
            "manufacturer": "GE Healthcare",
            "customer_id": customer["id"],
            "contact_id": person["id"],
            "installation_city": "Pune",
            "installed_at": "2024-03-15",
        },
        headers=build.headers,
    )

    assert response.status_code == 201, response.text
    unit = response.json()
    assert response.headers["Location"] == f"{EQUIPMENT}/{unit['id']}"
    assert unit["serial_number"] == "SN-CT-7781"
    assert unit["in_stock"] is False
    assert unit["installed_at"] == "2024-03-15"
    assert unit["customer"]["id"] == customer["id"]
    assert unit["customer"]["city"] == "Pune"
    assert unit["contact"]["id"] == person["id"]
    assert unit["contact"]["phone"] == "+919876543210"
    assert (await client.get(response.headers["Location"], headers=viewer)).json() == unit


async def test_equipment_in_stock_has_no_customer(build):
    unit = await build.equipment()

    assert unit["customer_id"] is None
    assert unit["customer"] is None
    assert unit["in_stock"] is True


async def test_the_contact_person_is_a_reference_so_a_new_phone_shows_at_once(client, build):
    customer = await build.customer()
    person = await build.contact(customer["id"], phone="098765 43210")
    unit = await build.equipment(customer_id=customer["id"], contact_id=person["id"])

    await client.patch(
        f"/api/v1/contacts/{person['id']}", json={"phone": "022 2345 6789"}, headers=build.headers
    )
    got = await client.get(f"{EQUIPMENT}/{unit['id']}", headers=build.headers)

    assert got.json()["contact"]["phone"] == "+912223456789"


async def test_a_contact_of_another_customer_is_422_naming_contact_id(client, build):
    ours = await build.customer()
    theirs = await build.customer()
    stranger = await build.contact(theirs["id"])

    response = await client.post(
        EQUIPMENT,
        json={"serial_number": "SN-1", "customer_id": ours["id"], "contact_id": stranger["id"]},
        headers=build.headers,
    )

    assert "contact_id" in field_errors(response)


async def test_a_contact_person_on_equipment_in_stock_is_422(client, build):
    customer = await build.customer()
    person = await build.contact(customer["id"])

    response = await client.post(
        EQUIPMENT, json={"serial_number": "SN-1", "contact_id": person["id"]}, headers=build.headers
    )

    assert "contact_id" in field_errors(response)


async def test_equipment_for_an_unknown_customer_is_422_naming_customer_id(client, agent):
    response = await client.post(
        EQUIPMENT, json={"serial_number": "SN-1", "customer_id": str(uuid.uuid4())}, headers=agent
    )

    assert "customer_id" in field_errors(response)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "serial_number"),
        ({"serial_number": "  "}, "serial_number"),
        ({"serial_number": "x" * 101}, "serial_number"),
        ({"serial_number": "SN", "installed_at": "15/03/2024"}, "installed_at"),
        ({"serial_number": "SN", "customer_id": "CUST-1"}, "customer_id"),
        ({"serial_number": "SN", "customer_contact_name": "Ravi"}, "customer_contact_name"),
        ({"serial_number": "SN", "model": "x" * 256}, "model"),
    ],
    ids=["missing", "blank", "too long", "bad date", "bad customer", "copied contact", "model"],
)
async def test_invalid_equipment_is_422_naming_the_field(client, agent, body, field):
    response = await client.post(EQUIPMENT, json=body, headers=agent)

    assert field in field_errors(response)


async def test_a_viewer_may_not_record_equipment(client, viewer):
    response = await client.post(EQUIPMENT, json={"serial_number": "SN-1"}, headers=viewer)

    assert response.status_code == 403


async def test_unknown_equipment_is_404(client, viewer):
    response = await client.get(f"{EQUIPMENT}/{uuid.uuid4()}", headers=viewer)

    assert response.status_code == 404


async def test_the_list_filters_by_customer_stock_and_serial_number(client, build):
    customer = await build.customer()
    installed = await build.equipment(customer_id=customer["id"], serial_number="SN-A")
    stocked = await build.equipment(serial_number="SN-STOCK-XYZ")

    by_customer = await client.get(
        EQUIPMENT, params={"customer_id": customer["id"]}, headers=build.headers
    )
    in_stock = await client.get(EQUIPMENT, params={"in_stock": "true"}, headers=build.headers)
    by_serial = await client.get(
        EQUIPMENT, params={"serial_number": "SN-STOCK-XYZ"}, headers=build.headers
    )

    assert [u["id"] for u in by_customer.json()["items"]] == [installed["id"]]
    assert stocked["id"] in {u["id"] for u in in_stock.json()["items"]}
    assert all(u["in_stock"] for u in in_stock.json()["items"])
    assert [u["id"] for u in by_serial.json()["items"]] == [stocked["id"]]


async def test_a_customers_equipment_is_listed_under_the_customer_page_by_page(client, build):
    customer = await build.customer()
    units = [await build.equipment(customer_id=customer["id"]) for _ in range(3)]

    first = await client.get(
        f"/api/v1/customers/{customer['id']}/equipment", params={"limit": 2}, headers=build.headers
    )
    second = await client.get(
        f"/api/v1/customers/{customer['id']}/equipment",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=build.headers,
    )

    seen = [u["id"] for u in first.json()["items"] + second.json()["items"]]
    assert sorted(seen) == sorted(u["id"] for u in units)
    assert second.json()["next_cursor"] is None


async def test_the_equipment_of_an_unknown_customer_is_404(client, viewer):
    response = await client.get(f"/api/v1/customers/{uuid.uuid4()}/equipment", headers=viewer)

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"in_stock": "maybe"}, "in_stock"), ({"cursor": "x"}, "cursor")],
)
async def test_bad_equipment_list_parameters_are_422(client, viewer, params, field):
    response = await client.get(EQUIPMENT, params=params, headers=viewer)

    assert field in field_errors(response)


async def test_the_equipment_list_runs_one_statement_whatever_the_page_size(
    client, build, connection
):
    customer = await build.customer()
    person = await build.contact(customer["id"])
    for _ in range(5):
        await build.equipment(customer_id=customer["id"], contact_id=person["id"])

    with counting_queries(connection) as small:
        await client.get(EQUIPMENT, params={"limit": 1}, headers=build.headers)
    with counting_queries(connection) as large:
        await client.get(EQUIPMENT, params={"limit": 200}, headers=build.headers)

    assert len(small) == len(large) == 1


async def _stock_unit(client, build):
    response = await client.post(
        EQUIPMENT, json={"serial_number": "SN-STOCK-1", "installation_city": "Mumbai"},
        headers=build.headers,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return response.json()


async def test_stock_equipment_is_assigned_to_a_customer_and_back_with_if_match_and_history(
    client, build, connection
):
    customer = await build.customer(city="Pune")
    person = await build.contact(customer["id"], name="Ravi Kulkarni")
    unit = await _stock_unit(client, build)
    read = await client.get(f"{EQUIPMENT}/{unit['id']}", headers=build.headers)
    assert read.headers["ETag"] == '"1"'

    assigned = await client.patch(
        f"{EQUIPMENT}/{unit['id']}",
        json={"customer_id": customer["id"], "contact_id": person["id"]},
        headers={**build.headers, "If-Match": read.headers["ETag"]},
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["in_stock"] is False
    assert assigned.json()["customer"]["id"] == customer["id"]
    assert assigned.json()["contact"]["name"] == "Ravi Kulkarni"
    assert assigned.headers["ETag"] == '"2"'
    listed = await client.get(
        f"/api/v1/customers/{customer['id']}/equipment", headers=build.headers
    )
    assert [u["id"] for u in listed.json()["items"]] == [unit["id"]]

    stale = await client.patch(
        f"{EQUIPMENT}/{unit['id']}", json={"customer_id": None},
        headers={**build.headers, "If-Match": '"1"'},
    )  # fmt: skip
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2

    back = await client.patch(
        f"{EQUIPMENT}/{unit['id']}", json={"customer_id": None},
        headers={**build.headers, "If-Match": '"2"'},
    )  # fmt: skip
    assert back.status_code == 200, back.text
    assert back.json()["in_stock"] is True
    assert back.json()["contact_id"] is None  # the person belonged to the customer

    from sqlalchemy import text

    rows = (
        await connection.execute(
            text(
                "SELECT operation, actor, row_data->>'customer_id', changed_fields"
                " FROM equipment_versions WHERE equipment_id = :id ORDER BY id"
            ),
            {"id": unit["id"]},
        )
    ).all()
    assert [r[0] for r in rows] == ["insert", "update", "update"]
    assert rows[1][2] == customer["id"]
    assert rows[2][2] is None
    assert set(rows[1][3]) == {"customer_id", "contact_id"}
    assert all(r[1].startswith("token:") for r in rows)


async def test_patching_equipment_needs_if_match_and_refuses_unknown_references(client, build):
    unit = await _stock_unit(client, build)
    url = f"{EQUIPMENT}/{unit['id']}"
    missing = await client.patch(url, json={"model": "X"}, headers=build.headers)
    assert missing.status_code == 428
    nobody = await client.patch(
        url, json={"customer_id": str(uuid.uuid4())}, headers={**build.headers, "If-Match": '"1"'}
    )
    assert nobody.status_code == 422
    assert nobody.json()["errors"][0]["field"] == "customer_id"
    stray = await client.patch(
        url, json={"contact_id": str(uuid.uuid4())}, headers={**build.headers, "If-Match": '"1"'}
    )
    assert stray.status_code == 422
    assert stray.json()["errors"][0]["field"] == "contact_id"
    unknown = await client.patch(
        f"{EQUIPMENT}/{uuid.uuid4()}", json={"model": "X"},
        headers={**build.headers, "If-Match": '"1"'},
    )  # fmt: skip
    assert unknown.status_code == 404
