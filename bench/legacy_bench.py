"""Benchmark: `clientele legacy migrate` on 1,000,000 legacy tickets while an old app runs.

    CLIENTELE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/legacy_bench.py [--customers 200000] [--batch-size 5000]

Creates a scratch database on that server, loads the legacy tables (contract section 4) with
the messy generator of tests/legacy (about 5 tickets per customer), then runs `migrate` while a
thread plays the old application (insert, update, read tickets in the old shape, one
autocommit connection, as fast as it can with 2 ms think time). Reports the wall time of each
part, the old application's p50 / p99 / max latency during the migration, its errors, and
whether `verify` passes. Drops the database at the end (`--keep` keeps it).
"""

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.legacy.generator import pairwise
from tests.legacy.helpers import linked
from tests.legacy.test_online import OldApplication

from clientele.demo.legacy_data import generate, load
from clientele.legacy import ddl
from clientele.legacy.migrate import migrate
from clientele.legacy.verify import all_ok, verify


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--pause", type=float, default=0.0)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("CLIENTELE_DATABASE_URL")
    if not server:
        raise SystemExit("set CLIENTELE_DATABASE_URL to a PostgreSQL server (any database on it)")
    name = f"clientele_legacy_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    out: dict[str, object] = {"database": name}
    try:
        started = time.monotonic()
        data = generate(args.customers, seed=2026, unique_names=False)
        out["generate_s"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        load(url, data)
        out["load_s"] = round(time.monotonic() - started, 1)
        out["tickets"], out["equipment"] = len(data.tickets), len(data.equipment)
        print(json.dumps(out), flush=True)

        lids = sorted({r[2] for r in data.tickets if r[2] and r[2].strip()})[:10_000]
        old_app = OldApplication(url, [r[0] for r in data.tickets[:100_000]], lids)
        old_app.start()
        time.sleep(1)
        before = len(old_app.latencies)
        started = time.monotonic()
        stages: dict[str, float] = {}

        def progress(stage: str, done: int, total: int) -> None:
            stages.setdefault(stage, round(time.monotonic() - started, 1))

        report = migrate(url, batch_size=args.batch_size, pause=args.pause, progress=progress)
        out["migrate_s"] = round(time.monotonic() - started, 1)
        out["stage_first_progress_s"] = stages
        during = old_app.latencies[before:]
        old_app.stop.set()
        old_app.join(10)
        out["old_app"] = {
            "statements": len(during),
            "inserts": len(old_app.inserted),
            "errors": len(old_app.errors),
            "p50_ms": round(_percentile(during, 0.50), 2),
            "p99_ms": round(_percentile(during, 0.99), 2),
            "max_ms": round(_percentile(during, 1.0), 2),
        }
        out["report"] = {
            "customers_created": report.customers_created,
            "tickets_linked": report.tickets_linked,
            "equipment_linked": report.equipment_linked,
            "review_items": report.review_items,
        }
        with ddl.connect(url) as conn:
            results = verify(conn)
        out["verify_ok"] = all_ok(results)
        out["verify_failed"] = [f"{r.name}: {r.detail}" for r in results if not r.ok]
        precision, recall = pairwise(linked(url), data.truth)
        out["precision"], out["recall"] = round(precision, 4), round(recall, 4)
        print(json.dumps(out, indent=2), flush=True)
    finally:
        if not args.keep:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
