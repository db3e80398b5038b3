"""How long `clientele duplicates scan` takes on N generated customers, and what it finds.

Standalone: creates its own database on the server named by CLIENTELE_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/postgres), builds the schema with the real migrations,
COPYs N demo customers (`clientele.demo.dataset.iter_customers`: about 2% are re-typed
duplicates of another), runs the scan with its timings, prints one JSON line, drops the database.

    .venv/bin/python bench/dedupe_scan_bench.py --customers 1000000
    .venv/bin/python bench/dedupe_scan_bench.py --customers 50000 --keep

The load runs with `session_replication_role = replica` (no row triggers: the history and
search triggers would triple the load time and are not what is measured here); the scan itself
is the production code path (`duplicates.service.scan`).
"""

import argparse
import asyncio
import json
import os
import resource
import time
import uuid

import psycopg
from sqlalchemy.engine import make_url

from clientele import schema
from clientele.config import load_settings
from clientele.db import create_engine
from clientele.demo.dataset import iter_customers
from clientele.demo.load import CUSTOMER_COLUMNS
from clientele.duplicates import service
from clientele.uow import EngineUnitOfWork

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _url(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def load(url: str, n: int, seed: int) -> float:
    started = time.perf_counter()
    columns = ", ".join(CUSTOMER_COLUMNS)
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")
        with conn.cursor().copy(f"COPY customers ({columns}) FROM STDIN") as copy:
            for c in iter_customers(n=n, seed=seed):
                copy.write_row(
                    tuple(
                        list(v) if isinstance(v, tuple) else v
                        for v in (getattr(c, col) for col in CUSTOMER_COLUMNS)
                    )
                )
        conn.commit()
        conn.execute("ANALYZE customers")
    return time.perf_counter() - started


async def online(url: str, samples: int) -> dict[str, float]:
    """Latency of the create/PATCH path's online check (`likely_duplicates_of`), in ms."""
    from sqlalchemy import text

    from clientele.customers import repository as customers

    engine = create_engine(url, load_settings())
    try:
        async with engine.connect() as conn:
            ids = [
                r.id
                for r in await conn.execute(
                    text("SELECT id FROM customers ORDER BY random() LIMIT :n"), {"n": samples}
                )
            ]
            subjects = [await customers.get(conn, i) for i in ids]
        timings = []
        found = 0
        for customer in subjects:
            assert customer is not None
            started = time.perf_counter()
            likely = await service.likely_duplicates_of(EngineUnitOfWork(engine), customer=customer)
            timings.append((time.perf_counter() - started) * 1000)
            found += bool(likely)
        timings.sort()
        return {
            "p50_ms": round(timings[len(timings) // 2], 2),
            "p99_ms": round(timings[int(len(timings) * 0.99)], 2),
            "with_likely_duplicates": found,
            "samples": len(timings),
        }
    finally:
        await engine.dispose()


async def scan(url: str) -> service.ScanReport:
    engine = create_engine(url, load_settings())
    try:
        return await service.scan(EngineUnitOfWork(engine))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--online", type=int, default=0, help="also time N online checks")
    parser.add_argument("--no-scan", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("CLIENTELE_DATABASE_URL", DEFAULT_SERVER)
    name = f"clientele_dedupe_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _url(server, name)
    try:
        schema.upgrade(url)
        load_seconds = load(url, args.customers, args.seed)
        print(f"loaded {args.customers} customers in {load_seconds:.1f} s", flush=True)
        if args.online:
            print(json.dumps({"online_check": asyncio.run(online(url, args.online))}), flush=True)
        if args.no_scan:
            return
        report = asyncio.run(scan(url))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            json.dumps(
                {
                    "customers": report.customers,
                    "candidate_pairs": report.candidate_pairs,
                    "likely_pairs": report.likely_pairs,
                    "groups": report.groups,
                    "model": report.model,
                    "seconds": {k: round(v, 1) for k, v in report.seconds.items()},
                    "peak_rss_mb": round(peak_mb),
                }
            )
        )
    finally:
        if not args.keep:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            print(f"kept database {name}")


if __name__ == "__main__":
    main()
