"""Bulk writes of equipment links in opposite customer orders: no deadlock, no gap."""

import threading

import psycopg


def _customers(url: str, n: int) -> list[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        return sorted(
            str(r[0])
            for r in conn.execute(
                "INSERT INTO customers (customer_type, name, primary_phone)"
                " SELECT 'clinic', 'Clinic ' || n, '+9197' || lpad(n::text, 8, '0')"
                " FROM generate_series(1, %s) n RETURNING id",
                (n,),
            )
        )


def test_equipment_bulk_writers_in_opposite_customer_orders_neither_deadlock_nor_skip(
    fresh_database_url,
):
    customers = _customers(fresh_database_url, 10)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(number: int, order: list[str], rounds: int) -> None:
        try:
            with psycopg.connect(fresh_database_url) as conn:
                start.wait()
                for round_ in range(rounds):
                    with conn.transaction():
                        # New units linked to the ten customers in this writer's order (a row
                        # trigger would lock their event counters in that order) ...
                        conn.execute(
                            "INSERT INTO equipment (serial_number, customer_id)"
                            " SELECT 'SN-' || %s || '-' || %s || ':' || o.n, o.c"
                            " FROM unnest(%s::uuid[]) WITH ORDINALITY AS o(c, n) ORDER BY o.n",
                            (number, round_, order),
                        )
                        # ... then this writer's units of the round move to the next customer
                        # in the same order (unlinked from one, linked to the other).
                        conn.execute(
                            "UPDATE equipment e SET customer_id = m.next"
                            " FROM (SELECT c, lead(c, 1, (%s::uuid[])[1]) OVER (ORDER BY n) AS next"
                            "         FROM unnest(%s::uuid[]) WITH ORDINALITY AS o(c, n)) m"
                            " WHERE e.customer_id = m.c AND e.serial_number LIKE %s",
                            (order, order, f"SN-{number}-{round_}:%"),
                        )
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=writer, args=(n, order, 12))
        for n, order in enumerate((customers, customers[::-1], customers, customers[::-1]))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with psycopg.connect(fresh_database_url) as conn:
        per_customer = conn.execute(
            "SELECT customer_id, count(*), min(sequence), max(sequence),"
            " count(*) FILTER (WHERE type = 'equipment.linked'),"
            " count(*) FILTER (WHERE type = 'equipment.unlinked')"
            " FROM change_events WHERE entity_type = 'equipment' OR type = 'customer.created'"
            " GROUP BY customer_id"
        ).fetchall()
    assert len(per_customer) == 10
    for _, events, first, last, linked, unlinked in per_customer:
        # customer.created, then per writer and round: linked twice (insert, move in),
        # unlinked once (move out); the numbers have no gap and no repeat.
        assert (first, last, events) == (1, events, 1 + 4 * 12 * 3)
        assert (linked, unlinked) == (4 * 12 * 2, 4 * 12)
