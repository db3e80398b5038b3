"""The database records history itself: writes that bypass the API, several writes in one
transaction, deletes, contacts; and nobody can rewrite what it recorded."""

import itertools
import uuid

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

INSERT = text(
    "INSERT INTO customers (customer_type, name, primary_phone) "
    "VALUES ('clinic', :name, :phone) RETURNING id"
)
VERSIONS = text(
    "SELECT operation, source, actor, changed_fields, lower(valid) AS valid_from, "
    "upper(valid) AS valid_to, row_data FROM customer_versions "
    "WHERE customer_id = :id ORDER BY lower(valid)"
)


async def _versions(connection, customer_id):
    return (await connection.execute(VERSIONS, {"id": customer_id})).mappings().all()


async def _insert(connection, name="Sai Eye Clinic", phone="+919876543210"):
    return (await connection.execute(INSERT, {"name": name, "phone": phone})).scalar_one()


def test_a_direct_sql_update_is_recorded_with_the_database_user_as_actor(fresh_database_url):
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        # An API transaction first: its actor must not leak into later SQL on the connection.
        with conn.transaction():
            conn.execute("SELECT set_config('clientele.actor', 'token:asha', true)")
            (customer_id,) = conn.execute(
                "INSERT INTO customers (customer_type, name, primary_phone) "
                "VALUES ('lab', 'Metro Lab', '+919812345678') RETURNING id"
            ).fetchone()
        conn.execute("UPDATE customers SET city = 'Pune' WHERE id = %s", (customer_id,))
        user = conn.execute("SELECT session_user").fetchone()[0]
        rows = conn.execute(
            "SELECT operation, source, actor, changed_fields FROM customer_versions "
            "WHERE customer_id = %s ORDER BY lower(valid)",
            (customer_id,),
        ).fetchall()
    assert rows[0][:3] == ("insert", "api", "token:asha")
    assert rows[1] == ("update", "sql", f"sql:{user}", ["city"])


async def test_two_writes_in_one_transaction_each_keep_a_version_with_a_non_empty_range(
    connection,
):
    customer_id = await _insert(connection)
    for city in ("Pune", "Nashik", "Nagpur"):
        await connection.execute(
            text("UPDATE customers SET city = :city WHERE id = :id"),
            {"city": city, "id": customer_id},
        )
    versions = await _versions(connection, customer_id)
    assert [v["row_data"]["city"] for v in versions] == [None, "Pune", "Nashik", "Nagpur"]
    for earlier, later in itertools.pairwise(versions):
        assert earlier["valid_from"] < earlier["valid_to"] == later["valid_from"]
    assert versions[-1]["valid_to"] is None


async def test_an_update_that_changes_nothing_records_nothing(connection):
    customer_id = await _insert(connection)
    await connection.execute(
        text("UPDATE customers SET name = name WHERE id = :id"), {"id": customer_id}
    )
    assert len(await _versions(connection, customer_id)) == 1


async def test_the_operation_names_blocks_activations_and_merges(connection):
    target = await _insert(connection, "Apollo Clinic", "+919812345678")
    customer_id = await _insert(connection)
    for statement in (
        "UPDATE customers SET status = 'blocked', blocked_reason = 'fraud' WHERE id = :id",
        "UPDATE customers SET status = 'active', blocked_reason = NULL WHERE id = :id",
        "UPDATE customers SET status = 'inactive' WHERE id = :id",
        "UPDATE customers SET merged_into_id = :target WHERE id = :id",
        "UPDATE customers SET merged_into_id = NULL WHERE id = :id",
    ):
        await connection.execute(text(statement), {"id": customer_id, "target": target})
    operations = [v["operation"] for v in await _versions(connection, customer_id)]
    assert operations == ["insert", "block", "activate", "deactivate", "merge", "unmerge"]


async def test_a_transaction_setting_marks_merge_writes_as_such(connection):
    customer_id = await _insert(connection)
    await connection.execute(text("SELECT set_config('clientele.source', 'merge', true)"))
    await connection.execute(
        text("""UPDATE customers SET tags = '["merged"]' WHERE id = :id"""), {"id": customer_id}
    )
    assert (await _versions(connection, customer_id))[-1]["source"] == "merge"


async def test_a_deleted_customer_is_recorded_and_reads_as_absent_afterwards(
    connection, client, viewer
):
    customer_id = await _insert(connection)
    await connection.execute(text("DELETE FROM customers WHERE id = :id"), {"id": customer_id})
    versions = await _versions(connection, customer_id)
    assert [v["operation"] for v in versions] == ["insert", "delete"]
    url = f"/api/v1/customers/{customer_id}"
    before = await client.get(
        url, params={"as_of": versions[0]["valid_from"].isoformat()}, headers=viewer
    )
    after = await client.get(
        url, params={"as_of": versions[1]["valid_from"].isoformat()}, headers=viewer
    )
    assert (before.status_code, after.status_code) == (200, 404)


async def test_contact_changes_are_recorded_and_appear_on_the_timeline(connection, client, viewer):
    customer_id = await _insert(connection)
    contact_id = (
        await connection.execute(
            text(
                "INSERT INTO customer_contacts (customer_id, name, phone) "
                "VALUES (:id, 'Dr. Mehta', '+919800000001') RETURNING id"
            ),
            {"id": customer_id},
        )
    ).scalar_one()
    await connection.execute(
        text("UPDATE customer_contacts SET phone = '+919800000002' WHERE id = :id"),
        {"id": contact_id},
    )
    operations = (
        await connection.execute(
            text(
                "SELECT operation, changed_fields FROM customer_contact_versions "
                "WHERE contact_id = :id ORDER BY lower(valid)"
            ),
            {"id": contact_id},
        )
    ).all()
    assert [tuple(row) for row in operations] == [
        ("insert", ["customer_id", "name", "phone"]),
        ("update", ["phone"]),
    ]
    events = (await client.get(f"/api/v1/customers/{customer_id}/timeline", headers=viewer)).json()
    assert [(e["kind"], e["old"], e["new"]) for e in events["items"][:2]] == [
        ("contact_phone_changed", "+919800000001", "+919800000002"),
        ("contact_added", None, "+919800000001"),
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE customer_versions SET actor = 'someone else'",
        'UPDATE customer_versions SET row_data = row_data || \'{"name": "forged"}\'',
        "UPDATE customer_versions SET valid = tstzrange(lower(valid), NULL)",
        "DELETE FROM customer_versions",
        "TRUNCATE customer_versions",
        "DELETE FROM customer_contact_versions",
        "UPDATE customer_contact_versions SET actor = 'someone else'",
        "TRUNCATE customer_contact_versions",
    ],
)
async def test_history_cannot_be_rewritten_or_removed_even_by_the_owner(connection, statement):
    customer_id = await _insert(connection)
    await connection.execute(
        text("UPDATE customers SET city = 'Pune' WHERE id = :id"), {"id": customer_id}
    )
    await connection.execute(
        text("INSERT INTO customer_contacts (customer_id, name) VALUES (:id, 'Dr. Rao')"),
        {"id": customer_id},
    )
    with pytest.raises(DBAPIError, match="append-only"):
        async with connection.begin_nested():
            await connection.execute(text(statement))
    assert len(await _versions(connection, customer_id)) == 2


async def test_an_application_role_that_is_not_the_owner_writes_history_but_cannot_touch_it(
    connection,
):
    role = f"clientele_app_{uuid.uuid4().hex[:8]}"
    await connection.execute(text(f"CREATE ROLE {role} NOLOGIN"))
    await connection.execute(text(f"GRANT SELECT, INSERT, UPDATE ON customers TO {role}"))
    await connection.execute(text(f"GRANT SELECT ON customer_versions TO {role}"))
    await connection.execute(text(f"SET LOCAL ROLE {role}"))
    customer_id = await _insert(connection)
    await connection.execute(
        text("UPDATE customers SET city = 'Pune' WHERE id = :id"), {"id": customer_id}
    )
    assert [v["operation"] for v in await _versions(connection, customer_id)] == [
        "insert",
        "update",
    ]
    for statement in ("UPDATE customer_versions SET actor = 'x'", "DELETE FROM customer_versions"):
        with pytest.raises(DBAPIError, match="permission denied"):
            async with connection.begin_nested():
                await connection.execute(text(statement))
    await connection.execute(text("RESET ROLE"))
