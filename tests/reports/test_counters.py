"""The ticket counters and monthly rollup the triggers keep equal a recount after any mix of
API writes, plain SQL, merges and their undo; the repair command finds and mends drift."""

import random
import threading
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import text
from typer.testing import CliRunner

from clientele.cli import app
from clientele.reports.repair_repository import counter_drift

STATUSES = ("open", "in_progress", "closed")
START = datetime(2025, 11, 20, tzinfo=UTC)


def _moment(rng: random.Random) -> datetime:
    # Around IST month boundaries on purpose: 18:30 UTC is midnight in India.
    return START + timedelta(days=rng.randrange(0, 120), hours=rng.choice([0, 18, 18.5, 19]))


async def _ticket_ids(connection):
    return [r[0] for r in (await connection.execute(text("SELECT id FROM service_tickets")))]


async def _sql_write(connection, rng: random.Random, customers: list[str]) -> None:
    ids = await _ticket_ids(connection)
    some = rng.sample(ids, min(len(ids), rng.randint(1, 4))) if ids else []
    kind = rng.choice(["insert", "status", "move", "time", "delete", "title", "tier", "place"])
    if kind == "place":  # the counters row follows the customer's city and state
        await connection.execute(
            text("UPDATE customers SET city = :city, state = :state WHERE id = ANY(:ids)"),
            {
                "city": rng.choice(["Pune", "PUNE", "Mumbai", None]),
                "state": rng.choice(["Maharashtra", "Goa", None]),
                "ids": rng.sample(customers, 2),
            },
        )
        return
    if kind == "tier":  # open work moves between tier totals
        await connection.execute(
            text("UPDATE customers SET tier = :tier WHERE id = ANY(:ids)"),
            {"tier": rng.choice(["vip", "premium", None]), "ids": rng.sample(customers, 2)},
        )
        return
    if kind == "insert" or not some:
        rows = [
            {"c": rng.choice(customers), "at": _moment(rng), "s": rng.choice(STATUSES)}
            for _ in range(rng.randint(1, 5))
        ]
        values = ", ".join(
            f"(left('T-' || replace(gen_random_uuid()::text, '-', ''), 32), "
            f"CAST(:c{i} AS uuid), 'Fault', CAST(:s{i} AS text), 'sql', :at{i}, "
            f"CASE WHEN :s{i} = 'closed' THEN CAST(:at{i} AS timestamptz) END)"
            for i in range(len(rows))
        )
        params = {f"{k}{i}": v for i, row in enumerate(rows) for k, v in row.items()}
        await connection.execute(
            text(
                "INSERT INTO service_tickets (ticket_number, customer_id, title, status, "
                f"created_by, created_at, closed_at) VALUES {values}"
            ),
            params,
        )
    elif kind == "status":
        status = rng.choice(STATUSES)
        await connection.execute(
            text(
                "UPDATE service_tickets SET status = :s, closed_at = CASE WHEN :closed"
                " THEN now() END WHERE id = ANY(:ids)"
            ),
            {"s": status, "closed": status == "closed", "ids": some},
        )
    elif kind == "move":
        await connection.execute(
            text("UPDATE service_tickets SET customer_id = :c WHERE id = ANY(:ids)"),
            {"c": rng.choice(customers), "ids": some},
        )
    elif kind == "time":
        await connection.execute(
            text("UPDATE service_tickets SET created_at = :at WHERE id = ANY(:ids)"),
            {"at": _moment(rng), "ids": some},
        )
    elif kind == "delete":
        await connection.execute(
            text("DELETE FROM service_tickets WHERE id = ANY(:ids)"), {"ids": some}
        )
    else:
        await connection.execute(
            text("UPDATE service_tickets SET title = title || '.' WHERE id = ANY(:ids)"),
            {"ids": some},
        )


async def test_counters_equal_a_recount_after_random_api_and_sql_writes(build, connection):
    rng = random.Random(16)  # noqa: S311 - seeded test data
    customers = [
        (await build.customer_row(name=f"Clinic {n}", tier=rng.choice(["vip", None])))["id"]
        for n in range(5)
    ]
    api_tickets: list[str] = []
    for step in range(60):
        if step % 3 == 0:
            ticket = await build.ticket(rng.choice(customers))
            api_tickets.append(ticket["id"])
        elif step % 3 == 1 and api_tickets:
            response = await build.client.patch(
                f"/api/v1/tickets/{rng.choice(api_tickets)}",
                json={"status": rng.choice(["in_progress", "closed", "open"])},
                headers=build.headers,
            )
            assert response.status_code in (200, 404, 409, 422), response.text
        else:
            await _sql_write(connection, rng, customers)
        drift = await counter_drift(connection)
        assert drift.exact, (step, drift)

    counted = (
        await connection.execute(text("SELECT sum(tickets) FROM customer_ticket_counts"))
    ).scalar_one()
    assert counted == len(await _ticket_ids(connection)) > 0


async def test_a_merge_moves_the_counts_to_the_survivor_and_its_undo_moves_them_back(
    build, admin, connection
):
    survivor = (await build.customer_row(name="Sanjeevani Hospital"))["id"]
    duplicate = (await build.customer_row(name="SANJIVANI HOSP."))["id"]
    for customer, days in ((survivor, (1, 40)), (duplicate, (5, 70, 100))):
        for day in days:
            await build.ticket_at(customer, START + timedelta(days=day))

    merged = await build.client.post(
        f"/api/v1/customers/{survivor}/merge", json={"duplicate_ids": [duplicate]}, headers=admin
    )
    assert merged.status_code == 201, merged.text
    assert (await counter_drift(connection)).exact
    row = (
        await connection.execute(
            text(
                "SELECT tickets, first_ticket_at, last_ticket_at FROM customer_ticket_counts"
                " WHERE customer_id = :id"
            ),
            {"id": survivor},
        )
    ).one()
    assert row == (5, START + timedelta(days=1), START + timedelta(days=100))

    undone = await build.client.post(f"/api/v1/merges/{merged.json()['id']}/undo", headers=admin)
    assert undone.status_code == 200, undone.text
    assert (await counter_drift(connection)).exact
    counts = dict(
        (
            await connection.execute(
                text("SELECT customer_id::text, tickets FROM customer_ticket_counts")
            )
        ).all()
    )
    assert counts == {survivor: 2, duplicate: 3}


async def test_the_top_customers_report_reads_the_counters(build, admin, connection):
    busy = (await build.customer_row(name="Busy Hospital"))["id"]
    quiet = (await build.customer_row(name="Quiet Clinic", tier=None))["id"]
    for _ in range(3):
        await build.ticket(busy)
    await build.ticket_at(quiet, START, status="in_progress")

    top = await build.client.get(
        "/api/v1/reports/top-customers", params={"limit": 2}, headers=admin
    )
    tiers = await build.client.get("/api/v1/reports/open-tickets-by-tier", headers=admin)

    assert [(i["customer"]["id"], i["ticket_count"]) for i in top.json()["items"]] == [
        (busy, 3),
        (quiet, 1),
    ]
    no_tier = [t for t in tiers.json()["items"] if t["tier"] is None]
    assert no_tier[0]["in_progress"] == 1
    assert no_tier[0]["customers"] == 1


def _committed_tickets(url: str, customers: int, tickets: int) -> list[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        ids = [
            str(r[0])
            for r in conn.execute(
                "INSERT INTO customers (customer_type, name, primary_phone)"
                " SELECT 'clinic', 'Clinic ' || n, '+9198' || lpad(n::text, 8, '0')"
                " FROM generate_series(1, %s) n RETURNING id",
                (customers,),
            )
        ]
        conn.execute(
            "INSERT INTO service_tickets (ticket_number, customer_id, title, status, created_by,"
            " created_at) SELECT 'T-' || n, (%s::uuid[])[1 + n %% %s], 'Fault', 'open', 'sql',"
            " now() - n * interval '1 hour' FROM generate_series(1, %s) n",
            (ids, customers, tickets),
        )
    return ids


def test_concurrent_bulk_writes_in_opposite_orders_neither_deadlock_nor_drift(
    fresh_database_url,
):
    customers = _committed_tickets(fresh_database_url, 20, 200)
    errors: list[BaseException] = []

    def writer(order: list[str], rounds: int) -> None:
        try:
            with psycopg.connect(fresh_database_url) as conn:
                for _ in range(rounds):
                    with conn.transaction():
                        conn.execute(
                            "INSERT INTO service_tickets (ticket_number, customer_id, title,"
                            " status, created_by) SELECT left(gen_random_uuid()::text, 32), c,"
                            " 'Fault', 'open', 'sql' FROM unnest(%s::uuid[]) c",
                            (order,),
                        )
                        conn.execute(
                            "UPDATE service_tickets SET status = 'in_progress'"
                            " WHERE customer_id = ANY(%s) AND status = 'open'",
                            (order[:3],),
                        )
        except BaseException as exc:
            errors.append(exc)

    def retier(rounds: int) -> None:
        try:
            with psycopg.connect(fresh_database_url, autocommit=True) as conn:
                for n in range(rounds):
                    for customer in customers[:10]:
                        conn.execute(
                            "UPDATE customers SET tier = %s WHERE id = %s",
                            (("vip", "premium", None)[n % 3], customer),
                        )
        except BaseException as exc:
            errors.append(exc)

    # Each statement touches the same ten customers, listed in opposite orders: the
    # triggers lock their counters in sorted order, so the writers queue, never deadlock;
    # meanwhile the customers change tier (their open work moves between tier totals).
    ascending = sorted(customers)[:10]
    threads = [
        threading.Thread(target=writer, args=(order, 15))
        for order in (ascending, ascending[::-1], ascending, ascending[::-1])
    ]
    threads.append(threading.Thread(target=retier, args=(6,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    result = CliRunner().invoke(
        app, ["reports", "repair", "--check"], env={"CLIENTELE_DATABASE_URL": fresh_database_url}
    )
    assert result.exit_code == 0, result.output


def test_repair_finds_drift_and_rewrites_it(fresh_database_url):
    customers = _committed_tickets(fresh_database_url, 5, 40)
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        # The owner can bypass the triggers (as a restore or a careless script might).
        conn.execute(
            "UPDATE customer_ticket_counts SET tickets = tickets + 5 WHERE customer_id = %s",
            (customers[0],),
        )
        conn.execute("DELETE FROM customer_ticket_months WHERE customer_id = %s", (customers[1],))
        conn.execute(
            "UPDATE customer_ticket_totals SET tickets = tickets + 1 WHERE customer_id = %s",
            (customers[3],),
        )
        conn.execute("ALTER TABLE service_tickets DISABLE TRIGGER clientele_ticket_counts_delete")
        conn.execute("DELETE FROM service_tickets WHERE customer_id = %s", (customers[2],))
        conn.execute("ALTER TABLE service_tickets ENABLE TRIGGER clientele_ticket_counts_delete")
    env = {"CLIENTELE_DATABASE_URL": fresh_database_url}

    check = CliRunner().invoke(app, ["reports", "repair", "--check"], env=env)
    repair = CliRunner().invoke(app, ["reports", "repair"], env=env)
    again = CliRunner().invoke(app, ["reports", "repair", "--check"], env=env)

    assert check.exit_code == 1, check.output
    assert "differ" in check.output
    assert customers[0] in check.output
    assert customers[3] in check.output
    assert repair.exit_code == 0, repair.output
    assert again.exit_code == 0, again.output
    assert "exact" in again.output
