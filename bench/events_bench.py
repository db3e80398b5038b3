"""What change events cost: the added time per customer write, and webhook deliveries per second.

Standalone: creates its own database on the server named by CLIENTELE_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), builds the schema with the real migrations,
loads N customers (INSERT ... SELECT generate_series, row triggers off for the load, each
customer given an event counter as if it had had events before), measures, prints a table and
one JSON line, and drops the database (`--keep` keeps it, `--database` reuses a kept one).

    .venv/bin/python bench/events_bench.py --customers 100000 --prefix issue17p
    .venv/bin/python bench/events_bench.py --customers 20000 --events 5000 --workers 1 2

The machine these run on is shared, so every number comes with a form that survives the load:

* Added cost per write, three ways. (1) `EXPLAIN ANALYZE` of single-row customer UPDATEs with
  every trigger on, as in production: the event trigger's own time in the same statement,
  median and p90 (the history trigger's beside it for scale). (2) The same UPDATE timed
  statement by statement inside the server, in alternating blocks with the event trigger on and
  off: the difference of the medians. (3) The same over the client, one transaction per update
  with its commit (the commit-time NOTIFY included): the difference of the medians. Medians,
  not means: on a loaded machine a mean is mostly the time the process waited for a CPU.
* Deliveries: a local receiver (uvicorn, a bare ASGI app that answers 204, in its own process).
  Its ceiling: one aiohttp client process posting to it at concurrency 16, no database. The
  queue's ceiling: claim + record (the worker's own repository functions) in a loop with no
  HTTP at all. Then E events committed and N `clientele worker` processes started; the rate is
  deliveries over the span of their `delivered_at`, and the CPU seconds the workers, the
  receiver and the database's backends spent per delivery (load-independent: 1,000/s on 2 cores
  needs at most 2 ms of CPU per delivery in all).
"""

# ruff: noqa: S311, S603 - seeded benchmark data; subprocesses of this venv

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import psycopg
from sqlalchemy.engine import make_url

from clientele import schema
from clientele.config import load_settings
from clientele.db import create_engine
from clientele.webhooks import repository

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


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def load(conn: psycopg.Connection[Any], customers: int) -> list[uuid.UUID]:
    conn.execute("SET session_replication_role = replica")  # no row triggers for the load
    conn.execute(LOAD_CUSTOMERS, {"customers": customers})
    conn.execute(
        "INSERT INTO change_event_counters (customer_id, last_sequence) SELECT id, 1 FROM customers"
    )
    conn.execute("SET session_replication_role = origin")
    conn.execute("VACUUM ANALYZE")
    return [r[0] for r in conn.execute("SELECT id FROM customers")]


# (1) Every trigger on; EXPLAIN ANALYZE reports each trigger's time within the statement.
EXPLAINED = """
CREATE TEMP TABLE IF NOT EXISTS bench_samples (name text, ms float);
TRUNCATE bench_samples;
DO $$
DECLARE
    r record;
    plan json;
    i int := 0;
BEGIN
    FOR r IN SELECT id FROM customers TABLESAMPLE SYSTEM (50) LIMIT %(updates)s LOOP
        i := i + 1;
        EXECUTE format('EXPLAIN (ANALYZE, FORMAT JSON) UPDATE customers SET city = %%L,'
                       ' version = version + 1, updated_at = now(), updated_by = %%L'
                       ' WHERE id = %%L', 'City ' || (i %% 97), 'bench', r.id) INTO plan;
        INSERT INTO bench_samples SELECT t ->> 'Trigger Name', (t ->> 'Time')::float
          FROM json_array_elements(plan -> 0 -> 'Triggers') t;
        INSERT INTO bench_samples VALUES ('statement', (plan -> 0 ->> 'Execution Time')::float);
    END LOOP;
END $$;
"""

# (2) Per-statement times inside the server (no network, no client), one block per arm.
TIMED_BLOCK = """
DO $$
DECLARE
    r record;
    started timestamptz;
    i int := 0;
BEGIN
    FOR r IN SELECT id FROM customers TABLESAMPLE SYSTEM (50) LIMIT %(updates)s LOOP
        i := i + 1;
        started := clock_timestamp();
        UPDATE customers SET city = 'Town ' || (i %% 89), version = version + 1,
               updated_at = now(), updated_by = 'bench'
         WHERE id = r.id;
        INSERT INTO bench_samples VALUES (%(arm)s,
            extract(epoch FROM clock_timestamp() - started) * 1000);
    END LOOP;
END $$;
"""


def _event_trigger(conn: psycopg.Connection[Any], enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    conn.execute(f"ALTER TABLE customers {verb} TRIGGER {EVENT_TRIGGER}")


def added_cost(
    conn: psycopg.Connection[Any], ids: list[uuid.UUID], updates: int, rounds: int
) -> dict[str, Any]:
    conn.execute("SET synchronous_commit = off")  # the trigger's work, not the disk's fsync
    conn.execute(EXPLAINED.replace("%(updates)s", str(int(updates))).replace("%%", "%"))
    explained = {
        name: [float(r[0]) for r in conn.execute(
            "SELECT ms FROM bench_samples WHERE name = %s", (name,))]
        for name in (EVENT_TRIGGER, "customers_history_update", "statement")
    }  # fmt: skip
    conn.execute("TRUNCATE bench_samples")
    block = max(updates // rounds, 50)
    chooser = random.Random(17)
    client: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(rounds):
        for enabled in (True, False):
            _event_trigger(conn, enabled)
            sql = TIMED_BLOCK.replace("%(updates)s", str(block)).replace("%%", "%")
            conn.execute(sql.replace("%(arm)s", "'on'" if enabled else "'off'"))
            for customer_id in (chooser.choice(ids) for _ in range(block)):
                started = time.perf_counter()
                conn.execute(UPDATE_ONE, (f"City {chooser.randrange(97)}", customer_id),
                             prepare=True)  # fmt: skip
                client[enabled].append((time.perf_counter() - started) * 1000)
    _event_trigger(conn, True)
    server = {
        arm: [float(r[0]) for r in conn.execute(
            "SELECT ms FROM bench_samples WHERE name = %s", (arm,))]
        for arm in ("on", "off")
    }  # fmt: skip
    med = statistics.median
    return {
        "trigger_ms_p50": round(med(explained[EVENT_TRIGGER]), 4),
        "trigger_ms_p90": round(_pct(explained[EVENT_TRIGGER], 0.9), 4),
        "history_trigger_ms_p50": round(med(explained["customers_history_update"]), 4),
        "explained_statement_ms_p50": round(med(explained["statement"]), 4),
        "statement_ms_on_p50": round(med(server["on"]), 4),
        "statement_ms_off_p50": round(med(server["off"]), 4),
        "added_ms_statement_p50": round(med(server["on"]) - med(server["off"]), 4),
        "txn_ms_on_p50": round(med(client[True]), 4),
        "txn_ms_off_p50": round(med(client[False]), 4),
        "added_ms_txn_p50": round(med(client[True]) - med(client[False]), 4),
        "explained_updates": len(explained["statement"]),
        "timed_updates_per_arm": len(server["on"]),
    }


async def _post_rate(url: str, requests: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)
    body = json.dumps({"type": "customer.updated", "data": {"pad": "x" * 600}}).encode()
    async with aiohttp.ClientSession() as http:

        async def one() -> None:
            async with gate, http.post(url, data=body) as response:
                await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        return requests / (time.perf_counter() - started)


def receiver_ceiling(url: str, requests: int = 3000, concurrency: int = 16) -> dict[str, Any]:
    """Requests per second one aiohttp client process gets from the receiver (no database),
    and the receiver's CPU per request."""
    return {"http_per_s": round(asyncio.run(_post_rate(url, requests, concurrency)), 1)}


async def _queue_only(url: str) -> dict[str, Any]:
    """Claim + record every pending delivery, as the worker does, with no HTTP in between."""
    settings = load_settings()
    engine = create_engine(url, settings)
    done = 0
    started = time.perf_counter()
    try:
        while True:
            async with engine.connect() as conn:
                jobs = await repository.claim(conn, lanes=settings.worker_batch, per_lane=20)
                if not jobs:
                    await conn.rollback()
                    break
                now = datetime.now(UTC)
                await repository.record(conn, [
                    repository.Outcome(j.delivery_id, "delivered", True, now, now, 204)
                    for j in jobs
                ])  # fmt: skip
                await conn.commit()
                done += len(jobs)
    finally:
        await engine.dispose()
    seconds = time.perf_counter() - started
    return {"queue_deliveries": done, "queue_per_s": round(done / seconds, 1)}


def _commit_events(conn: psycopg.Connection[Any], ids: list[uuid.UUID], events: int) -> None:
    chooser = random.Random(events)
    with conn.transaction():
        for number in range(events):
            conn.execute(UPDATE_ONE, (f"Town {number} {time.time()}", chooser.choice(ids)),
                         prepare=True)  # fmt: skip
    conn.execute("SELECT clientele_events_sequence(1000000)")


def _backends(database: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if cmdline.startswith("postgres: ") and f" {database} " in cmdline:
            found.append(process)
    return found


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def delivery_rate(
    url: str, database: str, ids: list[uuid.UUID], events: int, workers: list[int]
) -> dict[str, Any]:
    port = _free_port()
    hook = f"http://127.0.0.1:{port}/hook"
    receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    result: dict[str, Any] = {"events": events}
    try:
        time.sleep(1.5)
        rx = psutil.Process(receiver.pid)
        before = _cpu([rx])
        result.update(receiver_ceiling(hook))
        result["receiver_cpu_ms_per_request"] = round((_cpu([rx]) - before) / 3000 * 1000, 3)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT clientele_events_sequence(1000000)")  # earlier rounds' events
            secret = "whsec_" + "QUJD" * 8
            conn.execute(
                "INSERT INTO webhook_endpoints (url, secret, created_by) VALUES (%s, %s, 'bench')",
                (hook, secret),
            )
            _commit_events(conn, ids, events)
            result.update(asyncio.run(_queue_only(url)))
            runs = []
            for count in workers:
                _commit_events(conn, ids, events)
                runs.append(_workers_run(conn, url, database, rx, count, events))
            result["runs"] = runs
    finally:
        receiver.terminate()
        receiver.wait(10)
    return result


def _workers_run(
    conn: psycopg.Connection[Any], url: str, database: str, rx: psutil.Process, count: int,
    events: int,
) -> dict[str, Any]:  # fmt: skip
    cli = str(Path(sys.executable).parent / "clientele")
    env = {**os.environ, "CLIENTELE_DATABASE_URL": url}
    first = conn.execute("SELECT coalesce(max(id), 0) FROM webhook_deliveries WHERE status ="
                         " 'delivered'").fetchone()  # fmt: skip
    assert first is not None
    processes = [
        subprocess.Popen([cli, "worker"], env=env, stderr=subprocess.DEVNULL) for _ in range(count)
    ]
    try:
        time.sleep(0.1)
        handles = [psutil.Process(p.pid) for p in processes]
        # Measured from the first delivery on (the processes' start-up is not the queue's).
        started = time.monotonic()
        while not conn.execute("SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE"
                               " status = 'delivered' AND id > %s)", (first[0],)).fetchone()[0]:  # type: ignore[index]  # fmt: skip
            if time.monotonic() - started > 120:
                raise RuntimeError("no worker delivered anything in 120 s")
            time.sleep(0.02)
        backends = _backends(database)
        cpu0 = (_cpu(handles), _cpu([rx]), _cpu(backends))
        while True:
            row = conn.execute(
                "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"
            ).fetchone()
            assert row is not None
            if row[0] == 0:
                break
            if time.monotonic() - started > 600:
                raise RuntimeError(f"{row[0]} deliveries still pending after 600 s")
            time.sleep(0.05)
        cpu1 = (_cpu(handles), _cpu([rx]), _cpu(backends))
        load_1m = os.getloadavg()[0]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
    span = conn.execute(
        "SELECT extract(epoch FROM max(delivered_at) - min(delivered_at)), count(*)"
        " FROM webhook_deliveries WHERE id > %s", (first[0],),
    ).fetchone()  # fmt: skip
    assert span is not None
    seconds, delivered = float(span[0]), int(span[1])
    per = 1000 / delivered  # CPU ms per delivery (counted from the first delivery on)
    return {
        "workers": count,
        "deliveries": delivered,
        "delivery_span_s": round(seconds, 3),
        "deliveries_per_s": round((delivered - 1) / seconds, 1) if seconds else None,
        "worker_cpu_ms": round((cpu1[0] - cpu0[0]) * per, 3),
        "receiver_cpu_ms": round((cpu1[1] - cpu0[1]) * per, 3),
        "postgres_cpu_ms": round((cpu1[2] - cpu0[2]) * per, 3),
        "load_average_1m": load_1m,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--updates", type=int, default=3000, help="updates per measure")
    parser.add_argument("--rounds", type=int, default=10, help="on/off blocks")
    parser.add_argument("--events", type=int, default=5000, help="events to deliver per run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--prefix", default="clientele", help="database name prefix")
    parser.add_argument("--database", help="reuse this database (kept by an earlier --keep)")
    args = parser.parse_args()

    server = os.environ.get("CLIENTELE_DATABASE_URL") or DEFAULT_SERVER
    name = args.database or f"{args.prefix}_events_bench_{uuid.uuid4().hex[:8]}"
    url = _database_url(server, name)
    print(f"load average before: {os.getloadavg()}", flush=True)
    try:
        if not args.database:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            schema.upgrade(url)
        with psycopg.connect(url, autocommit=True) as conn:
            if args.database:
                conn.execute("UPDATE webhook_endpoints SET deleted_at = now()"
                             " WHERE deleted_at IS NULL")  # fmt: skip
                conn.execute("DELETE FROM webhook_deliveries")
                ids = [r[0] for r in conn.execute("SELECT id FROM customers")]
            else:
                ids = load(conn, args.customers)
            cost = added_cost(conn, ids, args.updates, args.rounds)
        rate = delivery_rate(url, name, ids, args.events, args.workers)
    finally:
        if not args.keep and not args.database:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    result = {"customers": len(ids), **cost, **rate}
    print(f"customers                          {len(ids):>10,}")
    print(f"event trigger in UPDATE (EXPLAIN)  {cost['trigger_ms_p50']:>10.4f} ms p50, "
          f"{cost['trigger_ms_p90']:.4f} p90 (history trigger {cost['history_trigger_ms_p50']:.4f},"
          f" whole statement {cost['explained_statement_ms_p50']:.4f})")
    print(f"UPDATE in server, events on / off  {cost['statement_ms_on_p50']:>10.4f} / "
          f"{cost['statement_ms_off_p50']:.4f} ms p50: added {cost['added_ms_statement_p50']:.4f}")
    print(f"one-update txn, events on / off    {cost['txn_ms_on_p50']:>10.4f} / "
          f"{cost['txn_ms_off_p50']:.4f} ms p50: added {cost['added_ms_txn_p50']:.4f}")
    print(f"receiver ceiling (aiohttp, c=16)   {rate['http_per_s']:>10} requests/s "
          f"({rate['receiver_cpu_ms_per_request']} ms receiver CPU each)")
    print(f"queue only (claim + record, SQL)   {rate['queue_per_s']:>10} deliveries/s")
    for run in rate["runs"]:
        print(f"deliveries per second, {run['workers']} worker(s) {run['deliveries_per_s']:>10}"
              f"  CPU ms per delivery: worker {run['worker_cpu_ms']}, receiver "
              f"{run['receiver_cpu_ms']}, postgres {run['postgres_cpu_ms']}"
              f" (load {run['load_average_1m']:.2f})")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
