"""Service tickets over HTTP: raised against a customer of the master, read with its summary."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.support.api import field_errors
from tests.support.queries import counting_queries

TICKETS = "/api/v1/tickets"
PROBLEM = "application/problem+json"
OURS = "<a customer of ours>"


# --- create -------------------------------------------------------------------------------


async def test_an_agent_opens_a_ticket_numbered_by_the_server_with_the_customer_embedded(
    client, build, viewer
):
    customer = await build.customer(city="Mumbai", tier="premium")

    response = await client.post(
        TICKETS,
        json={
            "customer_id": customer["id"],
            "title": "  MRI coil error E-204 ",
            "description": "Artefacts since Monday.",
            "priority": "high",
        },
        headers=build.headers,
    )

    assert response.status_code == 201, response.text
    ticket = response.json()
    assert response.headers["Location"] == f"{TICKETS}/{ticket['id']}"
    assert re.fullmatch(r"TKT-\d{4}-\d{6,}", ticket["ticket_number"])
    assert ticket["title"] == "MRI coil error E-204"
    assert ticket["status"] == "open"
    assert ticket["priority"] == "high"
    assert ticket["closed_at"] is None
    assert ticket["customer"] == {
        "id": customer["id"],
        "name": customer["name"],
        "primary_phone": customer["primary_phone"],
        "city": "Mumbai",
        "state": None,
        "tier": "premium",
        "status": "active",
    }
    got = await client.get(response.headers["Location"], headers=viewer)
    assert got.status_code == 200
    assert got.json() == ticket


async def test_created_by_is_the_token_that_opened_the_ticket(build):
    customer = await build.customer()

    ticket = await build.ticket(customer["id"])

    assert ticket["created_by"] == "token:test-agent"


async def test_ticket_numbers_are_unique_and_increase(build):
    customer = await build.customer()

    numbers = [(await build.ticket(customer["id"]))["ticket_number"] for _ in range(3)]

    sequence = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert sequence == sorted(sequence)
    assert len(set(numbers)) == 3


async def test_a_number_already_taken_by_loaded_data_is_skipped(build, connection):
    customer = await build.customer()
    first = await build.ticket(customer["id"])
    year, number = first["ticket_number"].split("-")[1:]
    taken = [f"TKT-{year}-{int(number) + n:06d}" for n in (1, 2)]
    for value in taken:
        await connection.execute(
            text(
                "INSERT INTO service_tickets (ticket_number, customer_id, title, created_by) "
                "VALUES (:n, :c, 'Loaded by the demo', 'demo')"
            ),
            {"n": value, "c": customer["id"]},
        )

    ticket = await build.ticket(customer["id"])

    assert ticket["ticket_number"] not in taken
    assert int(ticket["ticket_number"].rsplit("-", 1)[1]) > int(number) + 2


async def test_a_ticket_for_an_unknown_customer_is_422_naming_customer_id(client, agent):
    missing = uuid.uuid4()

    response = await client.post(
        TICKETS, json={"customer_id": str(missing), "title": "x"}, headers=agent
    )

    assert "customer_id" in field_errors(response)
    assert response.json()["reason"] == "unknown"
    assert str(missing) in response.json()["detail"]


async def test_a_ticket_for_a_blocked_customer_is_422_with_the_block_reason(client, build, admin):
    customer = await build.customer()
    await build.block(customer["id"], admin)

    response = await client.post(
        TICKETS, json={"customer_id": customer["id"], "title": "x"}, headers=build.headers
    )

    assert "customer_id" in field_errors(response)
    problem = response.json()
    assert problem["reason"] == "blocked"
    assert "blocked" in problem["detail"]
    assert "Payment overdue 180 days" in problem["detail"]


async def test_a_ticket_for_a_merged_customer_is_422_naming_the_survivor(client, build, connection):
    survivor = await build.customer(name="Sunrise Hospital")
    merged = await build.customer(name="Sunrise Hosp.")
    await connection.execute(
        text("UPDATE customers SET status = 'inactive', merged_into_id = :s WHERE id = :m"),
        {"s": survivor["id"], "m": merged["id"]},
    )

    response = await client.post(
        TICKETS, json={"customer_id": merged["id"], "title": "x"}, headers=build.headers
    )

    assert "customer_id" in field_errors(response)
    problem = response.json()
    assert problem["reason"] == "merged"
    assert problem["merged_into_id"] == survivor["id"]
    assert survivor["id"] in problem["detail"]


async def test_an_inactive_customer_may_still_raise_a_ticket(build, connection):
    customer = await build.customer()
    await connection.execute(
        text("UPDATE customers SET status = 'inactive' WHERE id = :id"), {"id": customer["id"]}
    )

    ticket = await build.ticket(customer["id"])

    assert ticket["customer"]["status"] == "inactive"


async def test_a_ticket_names_equipment_installed_at_that_customer(build):
    customer = await build.customer()
    unit = await build.equipment(customer_id=customer["id"])

    ticket = await build.ticket(customer["id"], equipment_id=unit["id"])

    assert ticket["equipment_id"] == unit["id"]


async def test_equipment_of_another_customer_is_422_naming_equipment_id(client, build):
    ours = await build.customer()
    theirs = await build.customer()
    unit = await build.equipment(customer_id=theirs["id"])

    response = await client.post(
        TICKETS,
        json={"customer_id": ours["id"], "title": "x", "equipment_id": unit["id"]},
        headers=build.headers,
    )

    assert "equipment_id" in field_errors(response)


async def test_equipment_in_stock_or_unknown_is_422_naming_equipment_id(client, build):
    customer = await build.customer()
    in_stock = await build.equipment()

    for equipment_id in (in_stock["id"], str(uuid.uuid4())):
        response = await client.post(
            TICKETS,
            json={"customer_id": customer["id"], "title": "x", "equipment_id": equipment_id},
            headers=build.headers,
        )
        assert "equipment_id" in field_errors(response)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "customer_id"),
        ({"customer_id": "CUST-00042", "title": "x"}, "customer_id"),
        ({"title": "x"}, "customer_id"),
        ({"customer_id": None, "title": "x"}, "customer_id"),
        ({"customer_id": OURS, "title": "   "}, "title"),
        ({"customer_id": OURS, "title": "x" * 256}, "title"),
        ({"customer_id": OURS, "title": "x", "priority": "urgent"}, "priority"),
        ({"customer_id": OURS, "title": "x", "status": "closed"}, "status"),
        ({"customer_id": OURS, "title": "x", "created_by": "someone"}, "created_by"),
        ({"customer_id": OURS, "title": "x", "ticket_number": "TKT-1"}, "ticket_number"),
        ({"customer_id": OURS, "title": "x", "equipment_id": "sn-1"}, "equipment_id"),
        ({"customer_id": OURS, "title": "x", "description": "x" * 20_001}, "description"),
    ],
    ids=[
        "empty body",
        "legacy id",
        "no customer",
        "null customer",
        "blank title",
        "long title",
        "unknown priority",
        "status in body",
        "created_by in body",
        "number in body",
        "bad equipment id",
        "huge description",
    ],
)
async def test_an_invalid_ticket_is_422_naming_the_field(client, build, body, field):
    customer = await build.customer()
    if body.get("customer_id") == OURS:
        body = {**body, "customer_id": customer["id"]}

    response = await client.post(TICKETS, json=body, headers=build.headers)

    assert field in field_errors(response)


async def test_a_body_that_is_not_json_is_a_4xx_problem_not_500(client, agent):
    response = await client.post(
        TICKETS, content=b"\xff{not json", headers={**agent, "Content-Type": "application/json"}
    )

    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_a_viewer_may_not_open_a_ticket_and_no_token_is_401(client, build, viewer):
    customer = await build.customer()
    body = {"customer_id": customer["id"], "title": "x"}

    assert (await client.post(TICKETS, json=body, headers=viewer)).status_code == 403
    assert (await client.post(TICKETS, json=body)).status_code == 401


# --- read ---------------------------------------------------------------------------------


async def test_a_phone_change_on_the_customer_shows_on_every_ticket_at_once(client, build):
    customer = await build.customer()
    tickets = [await build.ticket(customer["id"]) for _ in range(2)]

    changed = await client.patch(
        f"/api/v1/customers/{customer['id']}",
        json={"primary_phone": "+91 99876 54321"},
        headers={**build.headers, "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text

    for ticket in tickets:
        got = await client.get(f"{TICKETS}/{ticket['id']}", headers=build.headers)
        assert got.json()["customer"]["primary_phone"] == "+919987654321"


async def test_reading_an_unknown_ticket_is_404_and_a_malformed_id_422(client, viewer):
    missing = await client.get(f"{TICKETS}/{uuid.uuid4()}", headers=viewer)
    malformed = await client.get(f"{TICKETS}/TKT-2026-000001", headers=viewer)

    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)
    assert "ticket_id" in field_errors(malformed)


async def test_reading_tickets_needs_a_token(client):
    assert (await client.get(TICKETS)).status_code == 401


# --- status -------------------------------------------------------------------------------


async def patch(client, headers, ticket_id, **body):
    return await client.patch(f"{TICKETS}/{ticket_id}", json=body, headers=headers)


async def test_closing_sets_closed_at_and_reopening_clears_it(client, build):
    customer = await build.customer()
    ticket = await build.ticket(customer["id"])

    started = await patch(client, build.headers, ticket["id"], status="in_progress")
    closed = await patch(client, build.headers, ticket["id"], status="closed")
    reopened = await patch(client, build.headers, ticket["id"], status="open")

    assert started.json()["status"] == "in_progress"
    assert started.json()["closed_at"] is None
    assert closed.json()["status"] == "closed"
    closed_at = datetime.fromisoformat(closed.json()["closed_at"])
    assert abs(closed_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert reopened.json()["status"] == "open"
    assert reopened.json()["closed_at"] is None


async def test_an_open_ticket_can_be_closed_directly(client, build):
    customer = await build.customer()
    ticket = await build.ticket(customer["id"])

    closed = await patch(client, build.headers, ticket["id"], status="closed")

    assert closed.status_code == 200
    assert closed.json()["closed_at"] is not None


async def test_a_closed_ticket_cannot_jump_to_in_progress(client, build):
    customer = await build.customer()
    ticket = await build.ticket(customer["id"])
    await patch(client, build.headers, ticket["id"], status="closed")

    response = await patch(client, build.headers, ticket["id"], status="in_progress")

    assert response.status_code == 409
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["allowed_statuses"] == ["open"]
    got = await client.get(f"{TICKETS}/{ticket['id']}", headers=build.headers)
    assert got.json()["status"] == "closed"


async def test_closing_a_closed_ticket_again_keeps_its_closed_at(client, build):
    customer = await build.customer()
    ticket = await build.ticket(customer["id"])
    first = await patch(client, build.headers, ticket["id"], status="closed")

    again = await patch(client, build.headers, ticket["id"], status="closed")

    assert again.status_code == 200
    assert again.json()["closed_at"] == first.json()["closed_at"]


async def test_priority_and_title_change_without_touching_the_status(client, build):
    customer = await build.customer()
    ticket = await build.ticket(customer["id"])

    response = await patch(
        client, build.headers, ticket["id"], priority="critical", title="Coil burnt"
    )

    assert response.status_code == 200
    assert response.json()["priority"] == "critical"
    assert response.json()["title"] == "Coil burnt"
    assert response.json()["status"] == "open"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "resolved"}, "status"),
        ({"status": None}, "status"),
        ({"priority": None}, "priority"),
        ({"title": ""}, "title"),
        ({"closed_at": "2026-01-01T00:00:00Z"}, "closed_at"),
        ({"customer_id": str(uuid.uuid4())}, "customer_id"),
    ],
    ids=["unknown status", "null status", "null priority", "blank title", "closed_at", "customer"],
)
async def test_an_invalid_ticket_change_is_422_naming_the_field(client, build, body, field):
    customer = await build.customer()
    ticket = await build.ticket(customer["id"])

    response = await client.patch(f"{TICKETS}/{ticket['id']}", json=body, headers=build.headers)

    assert field in field_errors(response)


async def test_changing_an_unknown_ticket_is_404_and_a_viewer_is_403(client, build, viewer):
    customer = await build.customer()
    ticket = await build.ticket(customer["id"])

    missing = await patch(client, build.headers, uuid.uuid4(), status="closed")
    forbidden = await patch(client, viewer, ticket["id"], status="closed")

    assert missing.status_code == 404
    assert forbidden.status_code == 403


# --- list ---------------------------------------------------------------------------------


async def every_page(client, headers, url, **params):
    pages, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "pagination does not end"


async def test_following_the_cursor_returns_every_ticket_once_newest_first(build, client):
    customer = await build.customer()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for days in (3, 1, 4, 2, 5):
        await build.ticket_at(customer["id"], start + timedelta(days=days))

    pages = await every_page(client, build.headers, TICKETS, customer_id=customer["id"], limit=2)

    assert [len(p) for p in pages] == [2, 2, 1]
    created = [item["created_at"] for page in pages for item in page]
    assert created == sorted(created, reverse=True)
    assert len(set(created)) == 5


async def test_the_list_filters_by_customer_status_priority_and_created_range(build, client):
    ours = await build.customer()
    theirs = await build.customer()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    await build.ticket_at(ours["id"], start)
    await build.ticket_at(ours["id"], start + timedelta(days=10), status="closed")
    await build.ticket_at(ours["id"], start + timedelta(days=20))
    await build.ticket_at(theirs["id"], start + timedelta(days=10))
    urgent = await build.ticket(ours["id"], priority="critical")

    async def ids(**params):
        response = await client.get(TICKETS, params=params, headers=build.headers)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    assert len(await ids(customer_id=ours["id"])) == 4
    assert [t["id"] for t in await ids(customer_id=ours["id"], priority="critical")] == [
        urgent["id"]
    ]
    closed = await ids(customer_id=ours["id"], status="closed")
    assert [t["status"] for t in closed] == ["closed"]
    in_march = await ids(customer_id=ours["id"], created_from="2026-03-05", created_to="2026-03-15")
    assert [t["created_at"][:10] for t in in_march] == ["2026-03-11"]
    # A day is included whole in IST; an instant bound is exclusive.
    to_day = await ids(customer_id=ours["id"], created_to="2026-03-01")
    to_instant = await ids(customer_id=ours["id"], created_to="2026-03-01T05:30:00+05:30")
    assert len(to_day) == 1
    assert to_instant == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
        ({"status": "done"}, "status"),
        ({"priority": "p1"}, "priority"),
        ({"customer_id": "CUST-1"}, "customer_id"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"created_from": "2026-01-01T10:00:00"}, "created_from"),
        ({"created_from": "2026-02-30"}, "created_from"),
        ({"created_from": "2026-03-01", "created_to": "2026-02-01"}, "created_to"),
    ],
    ids=[
        "limit zero",
        "limit too big",
        "bad cursor",
        "bad status",
        "bad priority",
        "bad customer",
        "words",
        "no offset",
        "no such day",
        "backwards",
    ],
)
async def test_bad_list_parameters_are_422_naming_the_parameter(client, viewer, params, field):
    response = await client.get(TICKETS, params=params, headers=viewer)

    assert field in field_errors(response)


async def test_the_ticket_list_runs_one_statement_whatever_the_page_size(
    client, build, viewer, connection
):
    customers = [await build.customer() for _ in range(3)]
    for n in range(12):
        await build.ticket(customers[n % 3]["id"])
    await client.get(TICKETS, headers=viewer)  # the token is cached after this

    with counting_queries(connection) as small:
        small_page = await client.get(TICKETS, params={"limit": 2}, headers=viewer)
    with counting_queries(connection) as large:
        large_page = await client.get(TICKETS, params={"limit": 200}, headers=viewer)

    assert len(small_page.json()["items"]) == 2
    assert len(large_page.json()["items"]) >= 12
    assert all(item["customer"]["name"] for item in large_page.json()["items"])
    assert len(small) == len(large) == 1


async def test_a_customers_tickets_are_listed_under_the_customer(client, build, viewer):
    ours = await build.customer()
    theirs = await build.customer()
    mine = [await build.ticket(ours["id"]) for _ in range(3)]
    await build.ticket(theirs["id"])

    pages = await every_page(client, viewer, f"/api/v1/customers/{ours['id']}/tickets", limit=2)

    assert {t["id"] for page in pages for t in page} == {t["id"] for t in mine}


async def test_the_tickets_of_an_unknown_customer_are_404(client, viewer):
    response = await client.get(f"/api/v1/customers/{uuid.uuid4()}/tickets", headers=viewer)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_a_customers_ticket_list_runs_two_statements_whatever_the_page_size(
    client, build, viewer, connection
):
    customer = await build.customer()
    for _ in range(6):
        await build.ticket(customer["id"])
    url = f"/api/v1/customers/{customer['id']}/tickets"
    await client.get(url, headers=viewer)

    with counting_queries(connection) as small:
        await client.get(url, params={"limit": 1}, headers=viewer)
    with counting_queries(connection) as large:
        await client.get(url, params={"limit": 200}, headers=viewer)

    assert len(small) == len(large) == 2


async def test_creating_a_ticket_takes_two_statements(client, build, connection):
    customer = await build.customer()
    await build.ticket(customer["id"])  # the token is cached after this

    with counting_queries(connection) as statements:
        await build.ticket(customer["id"])

    assert len(statements) == 2
