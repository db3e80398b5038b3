"""Benchmark: `clientele legacy migrate` on 1,000,000 legacy tickets while an old app runs.

    CLIENTELE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/legacy_bench.py [--customers 200000] [--batch-size 5000]

Creates a scratch database on that server, loads the legacy tables (contract section 4) with
the messy generator of tests/legacy (about 5 tickets per customer), then runs `migrate` while
another process plays the old application (insert, update, read tickets in the old shape, one
autocommit connection, as fast as it can with 2 ms think time). `--old-app-in-thread` runs it
as a thread of this process instead, as the first numbers in docs/legacy-migration.md were
measured; then this process's own pauses (a garbage collection, freeing the plan when
`migrate` returns) stall it too. Reports the wall time of each part, the old application's
p50 / p99 / max latency during the migration, its errors, how the backfill batches went
(`pacing`), and whether `verify` passes. Drops the database at the end (`--keep` keeps it).

To explain a slow statement, it lists the old application's statements over 200 ms, what the
server says each waited on and who blocked it (sampled every 20 ms), and this process's own
garbage collections over 50 ms (a collection lengthens the batch in flight; with
`--old-app-in-thread` it stops the old application too).
`--retype-share 1.0 --think-ms 0.2` makes the old application re-type a ticket's legacy
customer id on every update, as fast as it can (more races with the backfill).
"""

import argparse
import gc
import json
import multiprocessing
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

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


def _old_app_main(
    url: str, ticket_ids: list[uuid.UUID], lids: list[str], retype_share: float, think_s: float,
    pid: Any, mark: Any, stop: Any, results: Any,
) -> None:  # fmt: skip
    """The old application in a process of its own (as in production): runs until `stop`."""
    app = OldApplication(url, ticket_ids, lids, retype_share=retype_share, think_s=think_s)
    app.start()
    while not app.pid and app.is_alive():
        time.sleep(0.01)
    pid.value = app.pid
    mark.wait()
    before = len(app.latencies)
    stop.wait()
    app.stop.set()
    app.join(10)
    results.send(
        (app.latencies[before:], app.slow, len(app.inserted), [repr(e) for e in app.errors])
    )


class OldAppProcess:
    """The old application as another process; the same attributes as OldApplication's."""

    def __init__(self, url: str, ticket_ids: list[uuid.UUID], lids: list[str], *,
                 retype_share: float, think_s: float) -> None:  # fmt: skip
        ctx = multiprocessing.get_context("spawn")
        self._pid = ctx.Value("i", 0)
        self._mark, self._stop = ctx.Event(), ctx.Event()
        self._results, child_end = ctx.Pipe(duplex=False)
        self._process = ctx.Process(
            target=_old_app_main, daemon=True,
            args=(url, ticket_ids, lids, retype_share, think_s, self._pid, self._mark,
                  self._stop, child_end),
        )  # fmt: skip
        self.latencies: list[float] = []  # from `mark()` on
        self.slow: list[tuple[float, str, float]] = []
        self.inserted_count = 0
        self.errors: list[str] = []

    @property
    def pid(self) -> int:
        """Its server process."""
        return int(self._pid.value)

    def start(self) -> None:
        self._process.start()
        deadline = time.monotonic() + 60
        while not self.pid and time.monotonic() < deadline:
            time.sleep(0.05)

    def mark(self) -> None:
        """Latencies count from now."""
        self._mark.set()

    def finish(self) -> None:
        """Stop it and collect what it measured (its clock is this process's perf_counter)."""
        self._mark.set()
        self._stop.set()
        self.latencies, self.slow, self.inserted_count, self.errors = self._results.recv()
        self._process.join(10)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


class WaitWatcher(threading.Thread):
    """Samples the old application's backend every 20 ms: what it waits on, and who blocks it.

    Records, per statement that waited over 100 ms, the longest sample: (seconds into the
    run, waited ms, wait event, the blockers' queries and transaction ages).
    """

    def __init__(self, url: str, old_app: OldApplication, started: float) -> None:
        super().__init__(daemon=True)
        self.url, self.old_app, self.started = url, old_app, started
        self.stop = threading.Event()
        self.waits: dict[str, tuple[float, float, str, list[str]]] = {}

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.wait(0.02):
                row = conn.execute(
                    "SELECT query_start::text, extract(epoch FROM clock_timestamp() - query_start),"
                    " coalesce(wait_event_type || ':' || wait_event, 'cpu'),"
                    " (SELECT coalesce(array_agg(coalesce(b.wait_event_type || ':' ||"
                    " b.wait_event || ' ', '') || round(extract(epoch FROM clock_timestamp() -"
                    " b.xact_start)::numeric, 2) || ' s xact: ' || left(b.query, 120)), '{}')"
                    " FROM pg_stat_activity b WHERE b.pid = ANY(pg_blocking_pids(a.pid)))"
                    " FROM pg_stat_activity a WHERE a.pid = %s AND a.state = 'active'",
                    (self.old_app.pid,),
                ).fetchone()
                if row is None or float(row[1]) < 0.1:
                    continue
                at = round(time.perf_counter() - float(row[1]) - self.started, 2)
                previous = self.waits.get(row[0])
                if previous is None or previous[1] < float(row[1]) * 1000:
                    self.waits[row[0]] = (at, round(float(row[1]) * 1000), row[2], list(row[3]))


class GcPauses:
    """Times this process's garbage collections: a full one stops every thread (the GIL)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, int, float]] = []  # (perf_counter at start, gen, s)
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses.append((self._start, info["generation"], time.perf_counter() - self._start))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--pause", type=float, default=0.0)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--retype-share",
        type=float,
        default=0.0,
        help="share of the old app's updates that re-type a legacy customer id",
    )
    parser.add_argument("--think-ms", type=float, default=2.0, help="old app's pause per statement")
    parser.add_argument("--database", help="scratch database name (default: a random one)")
    parser.add_argument(
        "--template",
        help="a database holding the loaded legacy rows, cloned instead of loading (made and kept"
        " on first use; the same --customers each time)",
    )
    parser.add_argument(
        "--old-app-in-thread",
        action="store_true",
        help="run the old application as a thread of this process (as the earlier numbers were)",
    )
    args = parser.parse_args()
    server = os.environ.get("CLIENTELE_DATABASE_URL")
    if not server:
        raise SystemExit("set CLIENTELE_DATABASE_URL to a PostgreSQL server (any database on it)")
    name = args.database or f"clientele_legacy_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    template_url = (
        make_url(server).set(database=args.template).render_as_string(hide_password=False)
        if args.template
        else None
    )
    with psycopg.connect(server, autocommit=True) as conn:
        have_template = args.template and conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (args.template,)
        ).fetchone()
        if args.template and not have_template:
            conn.execute(f'CREATE DATABASE "{args.template}"')
    out: dict[str, object] = {"database": name}
    try:
        started = time.monotonic()
        data = generate(args.customers, seed=2026, unique_names=False)
        out["generate_s"] = round(time.monotonic() - started, 1)
        started = time.monotonic()
        if template_url and not have_template:
            load(template_url, data)
        if template_url:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{args.template}"')
        else:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            load(url, data)
        out["load_s"] = round(time.monotonic() - started, 1)
        out["load_average"] = os.getloadavg()
        out["tickets"], out["equipment"] = len(data.tickets), len(data.equipment)
        print(json.dumps(out), flush=True)

        lids = sorted({r[2] for r in data.tickets if r[2] and r[2].strip()})[:10_000]
        kind = OldApplication if args.old_app_in_thread else OldAppProcess
        old_app = kind(
            url, [r[0] for r in data.tickets[:100_000]], lids,
            retype_share=args.retype_share, think_s=args.think_ms / 1000,
        )  # fmt: skip
        old_app.start()
        time.sleep(1)
        before = len(old_app.latencies)
        if isinstance(old_app, OldAppProcess):
            old_app.mark()
        started = time.perf_counter()
        watcher = WaitWatcher(url, old_app, started)
        watcher.start()
        gc_pauses = GcPauses()
        gc.callbacks.append(gc_pauses)
        stages: dict[str, float] = {}

        def progress(stage: str, done: int, total: int) -> None:
            stages.setdefault(stage, round(time.perf_counter() - started, 1))

        report = migrate(url, batch_size=args.batch_size, pause=args.pause, progress=progress)
        out["migrate_s"] = round(time.perf_counter() - started, 1)
        out["load_average_after"] = os.getloadavg()
        out["phase_s"] = getattr(report, "phases", None)
        out["stage_first_progress_s"] = stages
        watcher.stop.set()
        watcher.join(10)
        gc.callbacks.remove(gc_pauses)
        if isinstance(old_app, OldAppProcess):
            old_app.finish()
            during, inserts = old_app.latencies, old_app.inserted_count
        else:
            old_app.stop.set()
            old_app.join(10)
            during, inserts = old_app.latencies[before:], len(old_app.inserted)
        out["old_app"] = {
            "process": "thread" if args.old_app_in_thread else "process",
            "statements": len(during),
            "inserts": inserts,
            "errors": len(old_app.errors),
            "p50_ms": round(_percentile(during, 0.50), 2),
            "p99_ms": round(_percentile(during, 0.99), 2),
            "max_ms": round(_percentile(during, 1.0), 2),
            # statements over 200 ms: (seconds into migrate, statement, ms)
            "slow": [(round(t - started, 2), what, round(s * 1000)) for t, what, s in old_app.slow
                     if t >= started],
            # statements seen waiting over 100 ms: (s into migrate, ms, wait event, blockers)
            "waits": sorted(watcher.waits.values()),
            # the bench's own garbage collections over 50 ms (they stall the old app's thread)
            "gc_pauses": [(round(t - started, 2), gen, round(d * 1000)) for t, gen, d
                          in gc_pauses.pauses if d > 0.05],
        }  # fmt: skip
        out["report"] = {
            "customers_created": report.customers_created,
            "tickets_linked": report.tickets_linked,
            "equipment_linked": report.equipment_linked,
            "review_items": report.review_items,
            # per stage: batches, retries, longest lock hold (ms), last batch size
            "pacing": getattr(report, "pacing", None),
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
