"""The outbox is written by the database: plain SQL emits exactly what changed, in order."""

import itertools
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_phones = itertools.count(1)


async def insert_customer(conn: AsyncConnection, **values: Any) -> str:
    row = {"name": "Lotus Diagnostics", "phone": f"+9192{next(_phones):08d}", **values}
    result = await conn.execute(
        text(
            "INSERT INTO customers (customer_type, name, primary_phone, status, created_by,"
            " updated_by) VALUES ('lab', :name, :phone, 'active', 'sql', 'sql') RETURNING id::text"
        ),
        row,
    )
    return str(result.scalar_one())


async def events_of(conn: AsyncConnection, customer_id: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        text(
            "SELECT type, sequence, entity_type, source, data FROM change_events"
            " WHERE customer_id = :id ORDER BY id"
        ),
        {"id": customer_id},
    )
    return [dict(r._mapping) for r in rows]


async def test_plain_sql_writes_emit_created_and_updated_with_old_and_new_values(connection):
    customer = await insert_customer(connection)
    await connection.execute(
        text("UPDATE customers SET city = 'Pune', name = 'Lotus Labs' WHERE id = :id"),
        {"id": customer},
    )
    events = await events_of(connection, customer)
    assert [(e["type"], e["sequence"], e["source"]) for e in events] == [
        ("customer.created", 1, "sql"),
        ("customer.updated", 2, "sql"),
    ]
    assert events[0]["data"]["changes"]["name"] == {"old": None, "new": "Lotus Diagnostics"}
    assert events[1]["data"]["changes"] == {
        "city": {"old": None, "new": "Pune"},
        "name": {"old": "Lotus Diagnostics", "new": "Lotus Labs"},
    }


async def test_a_write_that_changes_nothing_emits_nothing(connection):
    customer = await insert_customer(connection)
    await connection.execute(
        text("UPDATE customers SET name = name WHERE id = :id"), {"id": customer}
    )
    # Bookkeeping alone (what a PATCH with the same values writes) is not a change either.
    await connection.execute(
        text("UPDATE customers SET version = version + 1, updated_at = now() WHERE id = :id"),
        {"id": customer},
    )
    assert [e["type"] for e in await events_of(connection, customer)] == ["customer.created"]


async def test_status_changes_are_blocked_and_activated(connection):
    customer = await insert_customer(connection)
    await connection.execute(
        text("UPDATE customers SET status = 'blocked', blocked_reason = 'fraud' WHERE id = :id"),
        {"id": customer},
    )
    await connection.execute(
        text("UPDATE customers SET status = 'active', blocked_reason = NULL WHERE id = :id"),
        {"id": customer},
    )
    types = [e["type"] for e in await events_of(connection, customer)]
    assert types == ["customer.created", "customer.blocked", "customer.activated"]


async def test_contacts_tickets_and_equipment_links_go_on_the_customers_stream(connection):
    customer = await insert_customer(connection)
    other = await insert_customer(connection)
    contact = (
        await connection.execute(
            text(
                "INSERT INTO customer_contacts (customer_id, name, created_by)"
                " VALUES (:c, 'Dr Rao', 'sql') RETURNING id"
            ),
            {"c": customer},
        )
    ).scalar_one()
    await connection.execute(
        text("UPDATE customer_contacts SET role = 'Radiologist' WHERE id = :id"), {"id": contact}
    )
    await connection.execute(
        text(
            "INSERT INTO service_tickets (ticket_number, customer_id, title, status, priority,"
            " created_by) VALUES ('T-EV-1', :c, 'MRI coil fault', 'open', 'high', 'sql')"
        ),
        {"c": customer},
    )
    unit = (
        await connection.execute(
            text(
                "INSERT INTO equipment (serial_number, customer_id) VALUES ('SN-EV-1', :c)"
                " RETURNING id"
            ),
            {"c": customer},
        )
    ).scalar_one()
    await connection.execute(
        text("UPDATE equipment SET model = 'Signa' WHERE id = :id"), {"id": unit}
    )  # not a link change: no event
    await connection.execute(
        text("UPDATE equipment SET customer_id = :o WHERE id = :id"), {"id": unit, "o": other}
    )
    mine = await events_of(connection, customer)
    assert [(e["type"], e["sequence"]) for e in mine] == [
        ("customer.created", 1),
        ("contact.created", 2),
        ("contact.updated", 3),
        ("ticket.created", 4),
        ("equipment.linked", 5),
        ("equipment.unlinked", 6),
    ]
    assert mine[2]["data"]["changes"] == {"role": {"old": None, "new": "Radiologist"}}
    theirs = await events_of(connection, other)
    assert [e["type"] for e in theirs] == ["customer.created", "equipment.linked"]
    assert theirs[1]["data"]["changes"]["customer_id"] == {"old": customer, "new": other}


async def test_a_merge_is_classified_by_merged_into_id_and_carries_the_survivor(connection):
    survivor = await insert_customer(connection)
    duplicate = await insert_customer(connection)
    await connection.execute(text("SELECT set_config('clientele.source', 'merge', true)"))
    await connection.execute(
        text("UPDATE customers SET merged_into_id = :s, status = 'inactive' WHERE id = :d"),
        {"s": survivor, "d": duplicate},
    )
    await connection.execute(
        text("UPDATE customers SET merged_into_id = NULL, status = 'active' WHERE id = :d"),
        {"d": duplicate},
    )
    events = await events_of(connection, duplicate)
    assert [(e["type"], e["source"]) for e in events] == [
        ("customer.created", "sql"),
        ("customer.merged", "merge"),
        ("customer.merge_undone", "merge"),
    ]
    assert events[1]["data"]["merge"] == {"survivor_id": survivor, "merged_ids": [duplicate]}
    assert events[2]["data"]["merge"] == {"survivor_id": survivor, "merged_ids": [duplicate]}


async def test_an_erasure_names_the_erased_fields_without_their_values(connection):
    customer = await insert_customer(connection, name="Asha Verma")
    await connection.execute(
        text("SELECT set_config('clientele.event_type', 'customer.erased', true)")
    )
    await connection.execute(
        text("UPDATE customers SET name = '[erased]' WHERE id = :id"), {"id": customer}
    )
    erased = (await events_of(connection, customer))[-1]
    assert erased["type"] == "customer.erased"
    assert erased["data"] == {"fields": ["name"]}
    assert "Asha" not in str(erased)


async def test_the_sequencer_numbers_committed_events_and_queues_nothing_without_webhooks(
    connection,
):
    customer = await insert_customer(connection)
    await connection.execute(
        text("UPDATE customers SET city = 'Agra' WHERE id = :id"), {"id": customer}
    )
    done = (await connection.execute(text("SELECT clientele_events_sequence(5000)"))).scalar_one()
    assert done >= 2
    positions = (
        (
            await connection.execute(
                text("SELECT position FROM change_events WHERE customer_id = :id ORDER BY id"),
                {"id": customer},
            )
        )
        .scalars()
        .all()
    )
    assert None not in positions
    assert positions == sorted(positions)
