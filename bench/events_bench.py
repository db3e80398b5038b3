"""What change events cost: the added time per customer write, and webhook deliveries per second.

Standalone: creates its own database on the server named by CLIENTELE_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), builds the schema with the real migrations,
loads N customers (INSERT ... SELECT generate_series, row triggers off for the load, each
customer given an event counter as if it had had events before), measures, prints a table and
one JSON line, and drops the database.

    .venv/bin/python bench/events_bench.py --customers 100000
    .venv/bin/python bench/events_bench.py --customers 20000 --events 5000 --workers 2

Added cost per write: single-row UPDATEs, one per transaction on one connection (like the
API's PATCH) with `synchronous_commit = off` (so the number is the trigger's work, not the
disk's fsync), in alternating rounds with the event trigger enabled and disabled; the median
difference per update is reported. Deliveries: a local receiver (uvicorn, a bare ASGI app that
answers 204, in its own process), one subscription, E events committed, then `clientele worker`
processes started; the rate is deliveries over the span of their `delivered_at`.
"""

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from clientele import schema

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"

LOAD_CUSTOMERS = """
INSERT INTO customers (customer_type, name, primary_phone, city, state, status,
                       created_by, updated_by)
SELECT (ARRAY['hospital','clinic','lab','manufacturer','dealer','individual'])[1 + i %% 6],
       'Customer ' || i, '+9190' || lpad(i::text, 8, '0'),
       (ARRAY['Mumbai','Pune','Delhi','Chennai','Kolkata','Jaipur'])[1 + i %% 6],
       'State ' || (i %% 30), 'active', 'bench', 'bench'
  FROM generate_series(1, %(customers)s) AS i
"""

UPDATE_ONE = """
UPDATE customers SET city = %s, version = version + 1, updated_at = now(), updated_by = 'bench'
 WHERE id = %s
"""

EVENT_TRIGGER = "customers_events_update"

RECEIVER = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            access_log=False, lifespan="off")
"""


def _database_url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _free_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def load(conn: psycopg.Connection[Any], customers: int) -> list[uuid.UUID]:
    conn.execute("SET session_replication_role = replica")  # no row triggers for the load
    conn.execute(LOAD_CUSTOMERS, {"customers": customers})
    conn.execute(
        "INSERT INTO change_event_counters (customer_id, last_sequence) SELECT id, 1 FROM customers"
    )
    conn.execute("SET session_replication_role = origin")
    conn.execute("VACUUM ANALYZE")
    return [r[0] for r in conn.execute("SELECT id FROM customers")]


def update_round(conn: psycopg.Connection[Any], ids: list[uuid.UUID]) -> float:
    """Mean ms per single-row update, one transaction each."""
    started = time.perf_counter()
    for number, customer_id in enumerate(ids):
        conn.execute(UPDATE_ONE, (f"City {number % 97}", customer_id), prepare=True)
    return (time.perf_counter() - started) * 1000 / len(ids)


# The same updates run inside the server (no network, no client, the other customers triggers
# off in both arms): what the event trigger adds to the statement itself. Each round is one
# transaction; the client's one-update transactions (below) include the commit.
SERVER_ROUND = """
DO $$
DECLARE
    r record;
    started timestamptz := clock_timestamp();
BEGIN
    FOR r IN SELECT id FROM customers TABLESAMPLE SYSTEM (50) LIMIT %(updates)s LOOP
        UPDATE customers SET city = 'City ' || (random() * 97)::int, version = version + 1,
               updated_at = now(), updated_by = 'bench'
         WHERE id = r.id;
    END LOOP;
    PERFORM set_config('bench.elapsed_ms',
        (extract(epoch FROM clock_timestamp() - started) * 1000 / %(updates)s)::text, false);
END $$
"""


def _with_trigger(conn: psycopg.Connection[Any], enabled: bool, *, alone: bool = False) -> None:
    """The event trigger on or off; `alone`: every other customers trigger off (history, search:
    their cost and its noise are the same in both arms, so leaving them out isolates ours)."""
    if alone:
        conn.execute("ALTER TABLE customers DISABLE TRIGGER USER")
    else:
        conn.execute("ALTER TABLE customers ENABLE TRIGGER USER")
    verb = "ENABLE" if enabled else "DISABLE"
    conn.execute(f"ALTER TABLE customers {verb} TRIGGER {EVENT_TRIGGER}")


def added_cost(
    conn: psycopg.Connection[Any], ids: list[uuid.UUID], updates: int, rounds: int
) -> dict[str, Any]:
    conn.execute("SET synchronous_commit = off")
    chooser = random.Random(17)
    server: dict[bool, list[float]] = {True: [], False: []}
    client: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(rounds):
        for enabled in (True, False):
            _with_trigger(conn, enabled, alone=True)
            conn.execute(SERVER_ROUND.replace("%(updates)s", str(int(updates))))
            row = conn.execute("SELECT current_setting('bench.elapsed_ms')::float").fetchone()
            assert row is not None
            server[enabled].append(float(row[0]))
            _with_trigger(conn, enabled)
            sample = [chooser.choice(ids) for _ in range(updates)]
            client[enabled].append(update_round(conn, sample))
    _with_trigger(conn, True)
    diffs = [a - b for a, b in zip(server[True], server[False], strict=True)]
    client_diffs = [a - b for a, b in zip(client[True], client[False], strict=True)]
    return {
        "statement_ms_with_events": round(statistics.median(server[True]), 4),
        "statement_ms_without_events": round(statistics.median(server[False]), 4),
        "added_ms_per_update": round(statistics.median(diffs), 4),
        "update_txn_ms_with_events": round(statistics.median(client[True]), 4),
        "update_txn_ms_without_events": round(statistics.median(client[False]), 4),
        "added_ms_per_update_txn": round(statistics.median(client_diffs), 4),
        "rounds": rounds,
        "updates_per_round": updates,
    }


def raw_http_rate(port: int, requests: int = 1000, concurrency: int = 16) -> float:
    """Requests per second httpx alone gets from the same receiver (the worker's ceiling)."""
    import asyncio

    import httpx

    async def run() -> float:
        gate = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient() as http:

            async def one() -> None:
                async with gate:
                    await http.post(f"http://127.0.0.1:{port}/hook", content=b"{}" * 200)

            started = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(requests)))
            return requests / (time.perf_counter() - started)

    return round(asyncio.run(run()), 1)


def delivery_rate(url: str, ids: list[uuid.UUID], events: int, workers: int) -> dict[str, Any]:
    port = _free_port()
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    processes: list[subprocess.Popen[bytes]] = []
    try:
        time.sleep(1.5)
        raw = raw_http_rate(port)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT clientele_events_sequence(1000000)")  # earlier rounds' events
            conn.execute(
                "INSERT INTO webhook_endpoints (url, secret, created_by) VALUES (%s, %s, 'bench')",
                (f"http://127.0.0.1:{port}/hook", "whsec_" + "QUJD" * 8),
            )
            chooser = random.Random(23)
            with conn.transaction():
                for number in range(events):
                    conn.execute(UPDATE_ONE, (f"Town {number}", chooser.choice(ids)), prepare=True)
            started = time.monotonic()
            cli = str(Path(sys.executable).parent / "clientele")
            env = {**os.environ, "CLIENTELE_DATABASE_URL": url}
            processes = [
                subprocess.Popen([cli, "worker"], env=env, stderr=subprocess.DEVNULL)
                for _ in range(workers)
            ]
            while True:
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE status = 'delivered'), count(*)"
                    " FROM webhook_deliveries"
                ).fetchone()
                assert row is not None
                if row[1] >= events and row[0] >= row[1]:
                    break
                if time.monotonic() - started > 600:
                    raise RuntimeError(f"only {row[0]} of {events} delivered in 600 s")
                time.sleep(0.2)
            span = conn.execute(
                "SELECT extract(epoch FROM max(delivered_at) - min(delivered_at)),"
                " count(*) FROM webhook_deliveries"
            ).fetchone()
            assert span is not None
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        receiver.terminate()
        receiver.wait(10)
    seconds = float(span[0])
    return {
        "events": events,
        "workers": workers,
        "deliveries": int(span[1]),
        "delivery_span_s": round(seconds, 3),
        "deliveries_per_s": round((int(span[1]) - 1) / seconds, 1) if seconds else None,
        "raw_http_per_s": raw,
        "load_average_1m": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--updates", type=int, default=3000, help="updates per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=5000, help="events to deliver")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--prefix", default="clientele", help="database name prefix")
    args = parser.parse_args()

    server = os.environ.get("CLIENTELE_DATABASE_URL") or DEFAULT_SERVER
    name = f"{args.prefix}_events_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _database_url(server, name)
    try:
        schema.upgrade(url)
        with psycopg.connect(url, autocommit=True) as conn:
            ids = load(conn, args.customers)
            cost = added_cost(conn, ids, args.updates, args.rounds)
        rate = delivery_rate(url, ids, args.events, args.workers)
    finally:
        if not args.keep:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    result = {"customers": args.customers, **cost, **rate}
    print(f"customers                     {args.customers:>10,}")
    print(f"UPDATE in server, events on   {cost['statement_ms_with_events']:>10.4f} ms")
    print(f"UPDATE in server, events off  {cost['statement_ms_without_events']:>10.4f} ms")
    print(f"added per customer write      {cost['added_ms_per_update']:>10.4f} ms")
    print(f"one-update txn, events on/off {cost['update_txn_ms_with_events']:>10.4f} / "
          f"{cost['update_txn_ms_without_events']:.4f} ms (client, commit included; noisy)")
    print(f"raw HTTP ceiling (no worker)  {rate['raw_http_per_s']!s:>10} requests/s")
    print(f"deliveries per second         {rate['deliveries_per_s']!s:>10} ({args.workers} worker(s))")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
