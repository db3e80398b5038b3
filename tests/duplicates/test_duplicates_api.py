"""Scan, queue, dismiss, merge, undo and the online check, over HTTP on a real PostgreSQL."""

import itertools
from typing import Any

import pytest
from sqlalchemy import text

from clientele.auth.domain import Actor, Role
from clientele.duplicates import service
from tests.support.queries import assert_fixed_statements

_phones = itertools.count(1)
ADMIN = Actor(name="test-admin", role=Role.ADMIN)


def a_phone() -> str:
    return f"+9193{next(_phones):08d}"


async def insert_customer(connection: Any, **values: Any) -> str:
    """A customer inserted directly (fast; the history trigger records it all the same)."""
    row = {
        "customer_type": "hospital",
        "name": "Sunrise Multispeciality Hospital",
        "primary_phone": a_phone(),
        "city": "Mumbai",
        "state": "Maharashtra",
        "primary_email": None,
        "status": "active",
        "blocked_reason": None,
        "address_line1": None,
        **values,
    }
    result = await connection.execute(
        text(
            "INSERT INTO customers (customer_type, name, primary_phone, city, state,"
            " primary_email, status, blocked_reason, address_line1) VALUES (:customer_type,"
            " :name, :primary_phone, :city, :state, :primary_email, :status, :blocked_reason,"
            " :address_line1)"
            " RETURNING id::text"
        ),
        row,
    )
    return str(result.scalar_one())


BRANDS = iter(itertools.cycle(["Apex", "Lotus", "Galaxy", "Trinity", "Kaveri", "Unity"]))


async def a_duplicate_pair(connection: Any, brand: str = "Sanjeevani") -> tuple[str, str]:
    phone = a_phone()
    a = await insert_customer(
        connection, name=f"{brand} Hospital", primary_phone=phone, address_line1="12 MG Road"
    )
    b = await insert_customer(
        connection,
        name=f"{brand.upper()} HOSP.",
        primary_phone=phone,
        status="inactive",
        primary_email="info@sanjeevani.in",
        address_line1="12, M.G. Road",
    )
    return a, b


async def scan(uow_factory: Any) -> service.ScanReport:
    return await service.scan(uow_factory(), actor=ADMIN)


async def open_items(client: Any, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/duplicates", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_a_scan_finds_a_retyped_customer_with_reasons(
    client, viewer, connection, uow_factory
):
    a, b = await a_duplicate_pair(connection)
    await insert_customer(connection, name="Lotus Dental Care", city="Pune")
    report = await scan(uow_factory)
    assert report.groups >= 1
    items = [i for i in await open_items(client, viewer) if i["kind"] == "scan"]
    group = next(i for i in items if {c["id"] for c in i["customers"]} == {a, b})
    assert group["id"].startswith("group-")
    assert group["probability"] > 0.99
    reasons = " | ".join(r["text"] for r in group["pairs"][0]["reasons"])
    assert "same phone" in reasons
    assert "name" in reasons


async def test_a_scan_finds_a_person_only_a_weak_key_brings_together(
    client, viewer, connection, uow_factory
):
    """Names swapped, the city mistyped, one address missing: only the weak person keys (a
    name word in the pincode) make them a candidate pair; the scan's COPY applies their cap."""
    a = await insert_customer(
        connection,
        customer_type="individual",
        name="Dr. Ravi Deshpande",
        city="Pune",
        address_line1="14 Link Road",
    )
    b = await insert_customer(
        connection, customer_type="individual", name="DESHPANDE RAVI", city="Pnue"
    )
    for customer in (a, b):
        await connection.execute(
            text("UPDATE customers SET postal_code = '411007' WHERE id = :id"), {"id": customer}
        )
    report = await scan(uow_factory)
    assert report.model.startswith("estimated")
    items = [i for i in await open_items(client, viewer) if i["kind"] == "scan"]
    group = next(i for i in items if {c["id"] for c in i["customers"]} == {a, b})
    reasons = " | ".join(r["text"] for r in group["pairs"][0]["reasons"])
    assert "name order swapped" in reasons
    assert "same pincode 411007" in reasons


async def test_a_dismissed_group_stays_dismissed_after_a_rescan(
    client, admin, viewer, connection, uow_factory
):
    a, b = await a_duplicate_pair(connection)
    await scan(uow_factory)
    group = next(
        i for i in await open_items(client, viewer) if {c["id"] for c in i["customers"]} == {a, b}
    )
    response = await client.post(f"/api/v1/duplicates/{group['id']}/dismiss", headers=admin)
    assert response.status_code == 204, response.text
    again = await client.post(f"/api/v1/duplicates/{group['id']}/dismiss", headers=admin)
    assert again.status_code == 409

    await scan(uow_factory)
    assert not [
        i for i in await open_items(client, viewer) if {c["id"] for c in i["customers"]} == {a, b}
    ]
    dismissed = await open_items(client, viewer, status="dismissed")
    assert any({c["id"] for c in i["customers"]} == {a, b} for i in dismissed)


async def test_dismissing_needs_an_admin_and_a_known_id(client, agent, admin):
    assert (
        await client.post("/api/v1/duplicates/group-1/dismiss", headers=agent)
    ).status_code == 403
    assert (await client.post("/api/v1/duplicates/nope/dismiss", headers=admin)).status_code == 404
    missing = await client.post("/api/v1/duplicates/group-999999999/dismiss", headers=admin)
    assert missing.status_code == 404


async def test_the_queue_lists_the_legacy_review_items_too(client, admin, viewer, connection):
    a = await insert_customer(connection, name="City Hospital")
    await connection.execute(
        text(
            "INSERT INTO legacy_review_items (kind, customer_ids, summary, resolution, dedupe_key)"
            " VALUES ('shared_phone', ARRAY[CAST(:a AS uuid)], 'one phone, two names',"
            " 'kept apart', :key)"
        ),
        {"a": a, "key": f"test-{a}"},
    )
    items = await open_items(client, viewer)
    review = next(i for i in items if i["kind"] == "legacy_review" and i["customers"])
    assert review["review_kind"] == "shared_phone"
    assert review["customers"][0]["id"] == a
    response = await client.post(f"/api/v1/duplicates/{review['id']}/dismiss", headers=admin)
    assert response.status_code == 204
    assert review["id"] not in {i["id"] for i in await open_items(client, viewer)}


async def test_the_queue_runs_a_fixed_number_of_statements(client, viewer, connection, uow_factory):
    for _ in range(4):
        await a_duplicate_pair(connection, next(BRANDS))
    await scan(uow_factory)

    async def page(size: int) -> Any:
        return await client.get("/api/v1/duplicates", params={"limit": size}, headers=viewer)

    await assert_fixed_statements(connection, page, sizes=(1, 4), at_most=2)


async def test_the_queue_pages_with_a_cursor(client, viewer, connection, uow_factory):
    for _ in range(3):
        await a_duplicate_pair(connection, next(BRANDS))
    await scan(uow_factory)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1, "include_legacy": False}
        if cursor:
            params["cursor"] = cursor
        body = (await client.get("/api/v1/duplicates", params=params, headers=viewer)).json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 3
    bad = await client.get("/api/v1/duplicates", params={"cursor": "x"}, headers=viewer)
    assert bad.status_code == 422


async def test_creating_a_likely_duplicate_answers_with_it(client, agent, connection):
    phone = a_phone()
    first = await insert_customer(connection, name="Apex Diagnostics", primary_phone=phone)
    response = await client.post(
        "/api/v1/customers",
        json={
            "customer_type": "lab",
            "name": "APEX DIAGNOSTIC CENTER",
            "primary_phone": a_phone(),
            "whatsapp_number": phone,
            "city": "Mumbai",
        },
        headers=agent,
    )
    assert response.status_code == 201, response.text
    likely = response.json()["likely_duplicates"]
    assert [d["customer_id"] for d in likely] == [first]
    assert likely[0]["probability"] > 0.8
    assert any("same phone" in r["text"] for r in likely[0]["reasons"])

    unrelated = await client.post(
        "/api/v1/customers",
        json={"customer_type": "clinic", "name": "Lotus Dental", "primary_phone": a_phone()},
        headers=agent,
    )
    assert "likely_duplicates" not in unrelated.json()  # absent when none: a plain customer


# --------------------------------------------------------------------------------------------
# Merge and undo
# --------------------------------------------------------------------------------------------

MOVED = {
    "service_tickets": "SELECT * FROM service_tickets ORDER BY id",
    "equipment": "SELECT * FROM equipment ORDER BY id",
    "customer_contacts": "SELECT * FROM customer_contacts ORDER BY id",
    "customer_legacy_ids": "SELECT * FROM customer_legacy_ids ORDER BY legacy_id",
    # Bookkeeping columns move forward on purpose (a new version, a new ETag): see the docs.
    "customers": "SELECT to_jsonb(c) - 'version' - 'updated_at' - 'updated_by' FROM customers c"
    " ORDER BY id",
}


async def snapshot(connection: Any) -> dict[str, list[Any]]:
    return {
        table: [tuple(r) for r in await connection.execute(text(sql))]
        for table, sql in MOVED.items()
    }


async def history(connection: Any, ids: list[str]) -> list[Any]:
    rows = await connection.execute(
        text(
            "SELECT id, customer_id, lower(valid), operation, source, row_data FROM"
            " customer_versions WHERE customer_id = ANY(CAST(:ids AS uuid[])) ORDER BY id"
        ),
        {"ids": ids},
    )
    return [tuple(r) for r in rows]


async def with_dependents(
    client: Any, agent: dict[str, str], connection: Any, customer: str
) -> None:
    contact = await client.post(
        f"/api/v1/customers/{customer}/contacts",
        json={"name": "Dr. Meera Iyer", "phone": a_phone()},
        headers=agent,
    )
    assert contact.status_code == 201, contact.text
    unit = await client.post(
        "/api/v1/equipment",
        json={
            "serial_number": f"SN-{customer[:8]}",
            "customer_id": customer,
            "contact_id": contact.json()["id"],
        },
        headers=agent,
    )
    assert unit.status_code == 201, unit.text
    ticket = await client.post(
        "/api/v1/tickets",
        json={
            "customer_id": customer,
            "title": "MRI coil error",
            "equipment_id": unit.json()["id"],
        },
        headers=agent,
    )
    assert ticket.status_code == 201, ticket.text
    await connection.execute(
        text(
            "INSERT INTO customer_legacy_ids (legacy_id, customer_id, original_value)"
            " VALUES (:l, :c, :o)"
        ),
        {"l": f"cust-{customer[:8]}", "c": customer, "o": f"CUST-{customer[:8]}"},
    )


async def test_merge_then_undo_restores_every_affected_row_and_keeps_all_history(
    client, admin, agent, viewer, connection
):
    survivor = await insert_customer(connection, name="Sanjeevani Hospital", primary_email=None)
    dup_a = await insert_customer(
        connection,
        name="SANJIVANI HOSP.",
        primary_email="info@sanjeevani.in",
        address_line1="12 MG Road",
    )
    dup_b = await insert_customer(connection, name="Sanjeevani Hospitals")
    for customer in (survivor, dup_a, dup_b):
        await with_dependents(client, agent, connection, customer)
    await connection.execute(
        text("UPDATE customers SET status = 'blocked', blocked_reason = 'dup' WHERE id = :id"),
        {"id": dup_b},
    )
    before = await snapshot(connection)
    history_before = await history(connection, [survivor, dup_a, dup_b])

    preview = await client.post(
        f"/api/v1/customers/{survivor}/merge",
        params={"dry_run": "true"},
        json={"duplicate_ids": [dup_a, dup_b]},
        headers=admin,
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["rows_to_move"] == {
        "service_tickets": 2,
        "equipment": 2,
        "customer_contacts": 2,
        "customer_legacy_ids": 2,
    }
    filled = {f["field"]: f for f in preview.json()["filled_fields"]}
    assert filled["primary_email"] == {
        "field": "primary_email",
        "value": "info@sanjeevani.in",
        "from_customer_id": dup_a,
    }
    assert await snapshot(connection) == before  # a preview writes nothing

    merged = await client.post(
        f"/api/v1/customers/{survivor}/merge",
        json={"duplicate_ids": [dup_a, dup_b]},
        headers=admin,
    )
    assert merged.status_code == 201, merged.text
    merge = merged.json()
    assert merged.headers["Location"] == f"/api/v1/merges/{merge['id']}"
    assert merge["moved_rows"]["service_tickets"] == 2

    tickets = await client.get(f"/api/v1/customers/{survivor}/tickets", headers=viewer)
    assert len(tickets.json()["items"]) == 3
    old = await client.get(f"/api/v1/customers/{dup_a}", headers=viewer)
    assert old.status_code == 200
    assert old.json()["merged_into_id"] == survivor
    assert old.json()["status"] == "inactive"
    assert old.headers["Location"] == f"/api/v1/customers/{survivor}"
    found = await client.get(
        "/api/v1/customers", params={"legacy_id": f"CUST-{dup_a[:8]}"}, headers=viewer
    )
    assert [c["id"] for c in found.json()["items"]] == [survivor]
    survivor_now = await client.get(f"/api/v1/customers/{survivor}", headers=viewer)
    assert survivor_now.json()["primary_email"] == "info@sanjeevani.in"

    undone = await client.post(f"/api/v1/merges/{merge['id']}/undo", headers=admin)
    assert undone.status_code == 200, undone.text
    assert undone.json()["status"] == "undone"
    assert await snapshot(connection) == before

    again = await client.post(f"/api/v1/merges/{merge['id']}/undo", headers=admin)
    assert again.status_code == 409

    history_after = await history(connection, [survivor, dup_a, dup_b])
    # Append-only: every earlier version is still there, unchanged; merge and undo added more.
    assert history_after[: len(history_before)] == history_before
    added = history_after[len(history_before) :]
    assert {row[4] for row in added} == {"merge"}
    assert {row[3] for row in added if str(row[1]) == dup_a} >= {"merge", "unmerge"}
    assert {str(row[1]) for row in added} == {survivor, dup_a, dup_b}


async def test_merge_into_a_blocked_or_merged_customer_is_refused(client, admin, connection):
    blocked = await insert_customer(connection, status="blocked", blocked_reason="unpaid")
    other = await insert_customer(connection)
    response = await client.post(
        f"/api/v1/customers/{blocked}/merge", json={"duplicate_ids": [other]}, headers=admin
    )
    assert response.status_code == 409, response.text
    assert "blocked" in response.json()["detail"]

    survivor = await insert_customer(connection)
    merged = await client.post(
        f"/api/v1/customers/{survivor}/merge", json={"duplicate_ids": [other]}, headers=admin
    )
    assert merged.status_code == 201, merged.text
    third = await insert_customer(connection)
    into_merged = await client.post(
        f"/api/v1/customers/{other}/merge", json={"duplicate_ids": [third]}, headers=admin
    )
    assert into_merged.status_code == 409
    assert into_merged.json()["merged_into_id"] == survivor
    merged_again = await client.post(
        f"/api/v1/customers/{third}/merge", json={"duplicate_ids": [other]}, headers=admin
    )
    assert merged_again.status_code == 409
    itself = await client.post(
        f"/api/v1/customers/{survivor}/merge", json={"duplicate_ids": [survivor]}, headers=admin
    )
    assert itself.status_code == 422


async def test_merging_needs_an_admin(client, agent, connection):
    a = await insert_customer(connection)
    b = await insert_customer(connection)
    response = await client.post(
        f"/api/v1/customers/{a}/merge", json={"duplicate_ids": [b]}, headers=agent
    )
    assert response.status_code == 403


async def test_undo_is_refused_when_a_later_change_would_be_lost(
    client, admin, agent, viewer, connection
):
    survivor = await insert_customer(connection, primary_email=None)
    dup = await insert_customer(connection, primary_email="old@sunrise.in")
    await with_dependents(client, agent, connection, dup)
    merge = (
        await client.post(
            f"/api/v1/customers/{survivor}/merge", json={"duplicate_ids": [dup]}, headers=admin
        )
    ).json()
    current = await client.get(f"/api/v1/customers/{survivor}", headers=viewer)
    edited = await client.patch(
        f"/api/v1/customers/{survivor}",
        json={"primary_email": "new@sunrise.in"},
        headers={**agent, "If-Match": current.headers["ETag"]},
    )
    assert edited.status_code == 200, edited.text
    refused = await client.post(f"/api/v1/merges/{merge['id']}/undo", headers=admin)
    assert refused.status_code == 409
    assert any("primary_email" in b for b in refused.json()["blockers"])


async def test_a_merged_customer_cannot_be_edited_or_activated(client, admin, agent, connection):
    survivor = await insert_customer(connection)
    dup = await insert_customer(connection)
    await client.post(
        f"/api/v1/customers/{survivor}/merge", json={"duplicate_ids": [dup]}, headers=admin
    )
    activate = await client.post(f"/api/v1/customers/{dup}/activate", headers=admin)
    assert activate.status_code == 409
    assert activate.json()["merged_into_id"] == survivor


@pytest.mark.parametrize("path", ["/api/v1/merges/{id}", "/api/v1/merges/{id}/undo"])
async def test_an_unknown_merge_is_404(client, admin, path):
    url = path.format(id="00000000-0000-4000-8000-000000000000")
    method = client.post if url.endswith("undo") else client.get
    assert (await method(url, headers=admin)).status_code == 404
