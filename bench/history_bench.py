"""What customer history costs: update throughput with and without the trigger, as-of latency.

Standalone: creates its own database on the server named by CLIENTELE_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), builds the schema with the real migrations,
loads N customers with 5 versions each (INSERT ... SELECT generate_series), measures, prints a
table and one JSON line, and drops the database.

    .venv/bin/python bench/history_bench.py                      # 1,000,000 customers
    .venv/bin/python bench/history_bench.py --customers 20000    # a quick look

Updates run one per transaction on one connection, like the API's PATCH, with
`synchronous_commit = off` so the number measures the work the trigger adds rather than the
disk's fsync latency; a shorter run with `synchronous_commit = on` (durable commits, what the
API does) is reported too, and one multi-row UPDATE (what a bulk SQL fix does).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from clientele import schema

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
STEP = timedelta(days=30)  # time between two versions of one customer

LOAD_CUSTOMERS = """
INSERT INTO customers (id, customer_type, name, primary_phone, city, state, version,
                       created_by, updated_by, created_at, updated_at)
SELECT gen_random_uuid(),
       (ARRAY['hospital','clinic','lab','manufacturer','dealer','individual'])[1 + i %% 6],
       'Customer ' || i || ' v' || %(versions)s,
       '+9190' || lpad(i::text, 8, '0'),
       (ARRAY['Mumbai','Pune','Delhi','Chennai','Kolkata','Jaipur'])[1 + i %% 6],
       'State ' || (i %% 30),
       %(versions)s, 'bench', 'bench',
       timestamptz '2024-01-01' + (i %% 100000) * interval '1 minute',
       timestamptz '2024-01-01' + (i %% 100000) * interval '1 minute'
           + (%(versions)s - 1) * %(step)s::interval
  FROM generate_series(1, %(customers)s) AS i
"""

# Version k of a customer held from created_at + (k-1) * step; the last one is current.
LOAD_VERSIONS = """
INSERT INTO customer_versions
       (customer_id, valid, operation, source, actor, row_data, changed_fields)
SELECT c.id,
       tstzrange(c.created_at + (k - 1) * %(step)s::interval,
                 CASE WHEN k < %(versions)s THEN c.created_at + k * %(step)s::interval END),
       CASE WHEN k = 1 THEN 'insert' ELSE 'update' END,
       'api', 'token:bench',
       to_jsonb(c) || jsonb_build_object(
           'version', k, 'name', 'Customer ' || c.primary_phone || ' v' || k,
           'updated_at', c.created_at + (k - 1) * %(step)s::interval),
       CASE WHEN k = 1 THEN '{customer_type,name,primary_phone,city,state}'::text[]
            ELSE '{name}'::text[] END
  FROM customers AS c, generate_series(1, %(versions)s) AS k
"""

UPDATE_ONE = """
UPDATE customers SET city = %s, version = version + 1, updated_at = now(), updated_by = 'bench'
 WHERE id = %s
"""

AS_OF = """
SELECT v.operation AS history_operation, c.*
  FROM customer_versions AS v
 CROSS JOIN LATERAL jsonb_populate_record(NULL::customers, v.row_data) AS c
 WHERE v.customer_id = %s AND v.valid @> %s::timestamptz
"""

BY_ID = "SELECT * FROM customers WHERE id = %s"

TRIGGERS = ("customers_history_update", "customers_history_insert_delete")


def _database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _timed(label: str, action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    print(f"  {label}: {elapsed:.1f} s", flush=True)
    return elapsed


def _set_triggers(conn: psycopg.Connection[Any], enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    for trigger in TRIGGERS:
        conn.execute(f"ALTER TABLE customers {verb} TRIGGER {trigger}")


def load(conn: psycopg.Connection[Any], customers: int, versions: int) -> dict[str, float]:
    """Customers with `versions` versions each; the GiST exclusion index is built after."""
    params = {"customers": customers, "versions": versions, "step": STEP}
    _set_triggers(conn, False)
    conn.execute(
        "ALTER TABLE customer_versions DROP CONSTRAINT ex_customer_versions_customer_id_valid"
    )
    conn.execute("SET maintenance_work_mem = '1GB'")
    timings = {
        "load_customers_s": _timed("customers", lambda: conn.execute(LOAD_CUSTOMERS, params)),
        "load_versions_s": _timed("versions", lambda: conn.execute(LOAD_VERSIONS, params)),
        "build_gist_s": _timed(
            "GiST exclusion index",
            lambda: conn.execute(
                "ALTER TABLE customer_versions"
                " ADD CONSTRAINT ex_customer_versions_customer_id_valid"
                " EXCLUDE USING gist (customer_id WITH =, valid WITH &&)"
            ),
        ),
    }
    _set_triggers(conn, True)
    _timed("vacuum analyze", lambda: conn.execute("VACUUM ANALYZE"))
    return timings


def update_rate(conn: psycopg.Connection[Any], ids: Sequence[uuid.UUID]) -> float:
    """Single-row updates per second, one transaction each."""
    started = time.perf_counter()
    for number, customer_id in enumerate(ids):
        conn.execute(UPDATE_ONE, (f"City {number % 97}", customer_id), prepare=True)
    return len(ids) / (time.perf_counter() - started)


def batch_rate(conn: psycopg.Connection[Any], ids: Sequence[uuid.UUID]) -> float:
    """Rows per second of one UPDATE touching every id."""
    started = time.perf_counter()
    conn.execute(
        "UPDATE customers SET tier = CASE tier WHEN 'gold' THEN 'silver' ELSE 'gold' END,"
        " version = version + 1 WHERE id = ANY(%s)",
        (list(ids),),
    )
    return len(ids) / (time.perf_counter() - started)


def latencies_ms(
    conn: psycopg.Connection[Any], query: str, params: Sequence[tuple[Any, ...]]
) -> list[float]:
    samples = []
    for args in params:
        started = time.perf_counter_ns()
        conn.execute(query, args, prepare=True).fetchall()
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--updates", type=int, default=20_000, help="per round and mode")
    parser.add_argument("--batch", type=int, default=20_000, help="rows in the batch UPDATE")
    parser.add_argument("--reads", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    args = parser.parse_args(argv)

    server = os.environ.get("CLIENTELE_DATABASE_URL") or DEFAULT_SERVER
    name = f"clientele_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        server_version = admin.execute("SHOW server_version").fetchone()
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _database_url(server, name)
    result: dict[str, Any] = {
        "server_version": server_version[0] if server_version else "?",
        "customers": args.customers,
        "versions_per_customer": args.versions,
    }
    try:
        schema.upgrade(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET statement_timeout = 0")
            print(f"loading {args.customers:,} customers x {args.versions} versions", flush=True)
            result |= load(conn, args.customers, args.versions)
            result["history_mb"] = conn.execute(
                "SELECT pg_total_relation_size('customer_versions') / 1048576"
            ).fetchone()[0]  # type: ignore[index]
            conn.execute("SET synchronous_commit = off")
            conn.execute("SET clientele.actor = 'token:bench'")
            rows = conn.execute(
                "SELECT id, created_at FROM customers TABLESAMPLE BERNOULLI (%s)",
                (min(100.0, 100.0 * 4 * (args.updates + args.reads) / args.customers),),
            ).fetchall()
            rng = random.Random(42)  # noqa: S311 - reproducible samples, not secrets
            rng.shuffle(rows)
            ids = [row[0] for row in rows]

            rates: dict[str, list[float]] = {"with": [], "without": []}
            print("single-row updates, one transaction each", flush=True)
            for round_number in range(args.rounds):
                for mode in ("without", "with"):
                    _set_triggers(conn, mode == "with")
                    sample = rng.sample(ids, args.updates)
                    rates[mode].append(update_rate(conn, sample))
                    print(
                        f"  round {round_number + 1} {mode:>7} trigger: "
                        f"{rates[mode][-1]:,.0f} updates/s",
                        flush=True,
                    )
            durable: dict[str, float] = {}
            conn.execute("SET synchronous_commit = on")
            for mode in ("without", "with"):
                _set_triggers(conn, mode == "with")
                durable[mode] = update_rate(conn, rng.sample(ids, max(1, args.updates // 5)))
            conn.execute("SET synchronous_commit = off")
            _set_triggers(conn, True)
            batch: dict[str, float] = {}
            for mode in ("without", "with"):
                _set_triggers(conn, mode == "with")
                batch[mode] = batch_rate(conn, rng.sample(ids, min(args.batch, len(ids))))
            _set_triggers(conn, True)
            conn.execute("VACUUM ANALYZE customer_versions")

            span = STEP * (args.versions + 0.5)
            reads = [
                (customer_id, created_at + span * rng.random())
                for customer_id, created_at in rng.sample(rows, min(args.reads, len(rows)))
            ]
            latencies_ms(conn, AS_OF, reads[:500])  # warm the plan cache and the buffers
            as_of = latencies_ms(conn, AS_OF, reads)
            by_id = latencies_ms(conn, BY_ID, [(r[0],) for r in reads])
            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + AS_OF, reads[0]).fetchall()
            found = sum(1 for r in reads[:1000] if conn.execute(AS_OF, r, prepare=True).fetchone())

        with_rate = statistics.median(rates["with"])
        without_rate = statistics.median(rates["without"])
        result |= {
            "updates_per_s_without_trigger": round(without_rate),
            "updates_per_s_with_trigger": round(with_rate),
            "update_cost_pct": round(100 * (without_rate / with_rate - 1), 1),
            "durable_updates_per_s_without_trigger": round(durable["without"]),
            "durable_updates_per_s_with_trigger": round(durable["with"]),
            "batch_rows_per_s_without_trigger": round(batch["without"]),
            "batch_rows_per_s_with_trigger": round(batch["with"]),
            "as_of_p50_ms": round(_percentile(as_of, 0.50), 3),
            "as_of_p99_ms": round(_percentile(as_of, 0.99), 3),
            "by_id_p50_ms": round(_percentile(by_id, 0.50), 3),
            "by_id_p99_ms": round(_percentile(by_id, 0.99), 3),
            "as_of_found_per_1000": found,
        }
        print("as-of plan:")
        for (line,) in plan:
            print("   ", line)
        print()
        width = max(len(key) for key in result)
        for key, value in result.items():
            print(f"{key:<{width}}  {value}")
        print(json.dumps(result))
    finally:
        if not args.keep:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
