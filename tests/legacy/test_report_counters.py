"""finalize builds the report counters from every migrated ticket (revision 0008 runs on the
legacy tickets), and the reports answer from them what a recount of the tickets says."""

from collections import Counter

import psycopg
from typer.testing import CliRunner

from clientele.cli import app
from clientele.legacy.finalize import finalize
from clientele.legacy.migrate import migrate


def test_finalize_builds_counters_equal_to_a_recount_of_the_migrated_tickets(legacy_db):
    migrate(legacy_db.url)
    finalize(legacy_db.url)
    env = {"CLIENTELE_DATABASE_URL": legacy_db.url}

    check = CliRunner().invoke(app, ["reports", "repair", "--check"], env=env)

    assert check.exit_code == 0, check.output
    with psycopg.connect(legacy_db.url) as conn:
        tickets = conn.execute("SELECT customer_id, status FROM service_tickets").fetchall()
        kept = dict(conn.execute("SELECT customer_id, tickets FROM customer_ticket_counts"))
        by_status = dict(
            conn.execute("SELECT status, sum(tickets) FROM customer_ticket_months GROUP BY 1")
        )
    assert tickets, "the legacy fixture has tickets"
    assert kept == dict(Counter(customer for customer, _ in tickets))
    assert by_status == dict(Counter(status for _, status in tickets))


def test_writes_after_finalize_keep_the_counters_exact(legacy_db):
    migrate(legacy_db.url)
    finalize(legacy_db.url)
    with psycopg.connect(legacy_db.url, autocommit=True) as conn:
        # A bulk re-point like a hand-made merge, a bulk close and a delete, in plain SQL.
        busiest = conn.execute(
            "SELECT customer_id FROM customer_ticket_counts ORDER BY tickets DESC LIMIT 2"
        ).fetchall()
        conn.execute(
            "UPDATE service_tickets SET customer_id = %s WHERE customer_id = %s",
            (busiest[0][0], busiest[1][0]),
        )
        conn.execute(
            "UPDATE service_tickets SET status = 'closed', closed_at = now()"
            " WHERE status <> 'closed' AND id IN (SELECT id FROM service_tickets LIMIT 50)"
        )
        conn.execute(
            "DELETE FROM service_tickets WHERE id IN (SELECT id FROM service_tickets LIMIT 5)"
        )

    check = CliRunner().invoke(
        app, ["reports", "repair", "--check"], env={"CLIENTELE_DATABASE_URL": legacy_db.url}
    )

    assert check.exit_code == 0, check.output


def test_the_sweep_reads_unlinked_tickets_through_a_partial_index_dropped_afterwards(legacy_db):
    from clientele.legacy import ddl

    migrate(legacy_db.url)
    with ddl.connect(legacy_db.url) as conn:
        assert conn.execute("SELECT to_regclass(%s)", (ddl.SWEEP_INDEX,)).fetchone() == (None,)
        # The tickets as the sweep finds them: some unlinked, the target indexes (built after
        # the backfill) not there yet; then the sweep's index, built as migrate does.
        conn.execute("ALTER TABLE service_tickets DROP CONSTRAINT " + ddl.REF_NOT_NULL)
        conn.execute("DROP INDEX ix_service_tickets_customer_id")
        conn.execute(f"UPDATE service_tickets SET {ddl.TICKET_REF} = NULL WHERE id IN"
                     " (SELECT id FROM service_tickets LIMIT 3)")  # fmt: skip
        ddl.run_step(conn, ddl.sweep_index_step(), ddl.Timeouts())
        conn.execute("ANALYZE service_tickets")
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                f"EXPLAIN SELECT id FROM service_tickets WHERE {ddl.TICKET_REF} IS NULL"
                " ORDER BY id LIMIT 500"
            )
        )
    assert ddl.SWEEP_INDEX in plan
