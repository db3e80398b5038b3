"""Online: the old application keeps working while migrate runs; kill -9 and resume."""

# ruff: noqa: S311, E501 - a seeded load generator; its statement table reads best on one line

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid

import psycopg

from clientele.legacy import ddl, lint
from clientele.legacy.migrate import get_state, migrate
from clientele.legacy.verify import all_ok, verify
from tests.legacy.generator import pairwise
from tests.legacy.helpers import linked


class OldApplication(threading.Thread):
    """Inserts, updates and reads tickets in the old shape, timing every statement."""

    def __init__(
        self, url: str, ticket_ids: list[uuid.UUID], lids: list[str], *,
        retype_share: float = 0.0, think_s: float = 0.002,
    ) -> None:  # fmt: skip
        """`retype_share` of the updates re-type the ticket's legacy customer id (another id)."""
        super().__init__(daemon=True)
        self.url, self.ticket_ids, self.lids = url, ticket_ids, lids
        self.retype_share, self.think_s = retype_share, think_s
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.latencies: list[float] = []
        self.slow: list[tuple[float, str, float]] = []  # (start, statement, seconds)
        self.inserted: list[uuid.UUID] = []
        self.pid = 0  # its server process, once connected
        self.rng = random.Random(5)

    def _insert(self, conn: psycopg.Connection) -> None:
        tid = uuid.uuid4()
        kind = len(self.inserted) % 4
        lid, name, phone = {
            0: (self.rng.choice(self.lids), "Known Customer", "98765 12345"),
            1: (f"CUST-9{len(self.inserted):04d}", "New Clinic During Migration", f"97{self.rng.randrange(10**8):08d}"),
            2: ("", "Walk-in Diagnostics", f"96{self.rng.randrange(10**8):08d}"),
            3: (None, None, "N/A"),
        }[kind]  # fmt: skip
        conn.execute(
            "INSERT INTO service_tickets (id, ticket_number, customer_id, customer_name,"
            " customer_phone, title, status) VALUES (%s, %s, %s, %s, %s, 'Online', 'Open')",
            (tid, f"ONL-{tid.hex[:20]}", lid, name, phone),
        )
        self.inserted.append(tid)

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            self.pid = conn.info.backend_pid
            i = 0
            while not self.stop.is_set():
                i += 1
                started = time.perf_counter()
                what = ("insert", "update", "select")[i % 3]
                try:
                    if i % 3 == 0:
                        self._insert(conn)
                    elif i % 3 == 1 and self.retype_share and self.rng.random() < self.retype_share:
                        what = "retype"
                        conn.execute(
                            "UPDATE service_tickets SET customer_id = %s, updated_at = now()"
                            " WHERE id = %s",
                            (self.rng.choice(self.lids), self.rng.choice(self.ticket_ids)),
                        )
                    elif i % 3 == 1:
                        conn.execute(
                            "UPDATE service_tickets SET status = 'In Progress', updated_at = now(),"
                            " customer_phone = CASE WHEN %s THEN '+91 99999 1' || lpad(%s, 4, '0')"
                            " ELSE customer_phone END WHERE id = %s",
                            (i % 9 == 1, str(i % 10000), self.rng.choice(self.ticket_ids)),
                        )
                    else:
                        conn.execute(
                            "SELECT customer_id, customer_name, customer_phone, status"
                            " FROM service_tickets WHERE id = %s",
                            (self.rng.choice(self.ticket_ids),),
                        ).fetchall()
                except BaseException as exc:
                    self.errors.append(exc)
                elapsed = time.perf_counter() - started
                self.latencies.append(elapsed)
                if elapsed > 0.2:
                    self.slow.append((started, what, elapsed))
                time.sleep(self.think_s)


def test_the_old_application_keeps_working_during_migrate_and_its_rows_are_linked(legacy_db):
    data = legacy_db.data
    lids = sorted({r[2] for r in data.tickets if r[2] and r[2].strip()})
    old_app = OldApplication(legacy_db.url, [r[0] for r in data.tickets], lids)
    old_app.start()
    time.sleep(0.2)
    migrate(legacy_db.url, batch_size=100, pause=0.01)
    time.sleep(0.5)  # and after migrate, the triggers keep linking
    old_app.stop.set()
    old_app.join(10)
    latencies = sorted(old_app.latencies)
    print(f"\nold application: {len(latencies)} statements, {len(old_app.inserted)} inserts,"
          f" p50 {latencies[len(latencies) // 2] * 1000:.1f} ms,"
          f" p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms,"
          f" max {latencies[-1] * 1000:.1f} ms")  # fmt: skip
    assert old_app.errors == []
    assert latencies[-1] < 1.0
    assert len(old_app.inserted) > 20
    links = linked(legacy_db.url)
    assert all(links[t] is not None for t in old_app.inserted)
    with ddl.connect(legacy_db.url) as conn:
        results = verify(conn)
    assert all_ok(results), [r for r in results if not r.ok]
    with psycopg.connect(legacy_db.url) as conn:
        # A new-shape write (the uuid reference only) fills the columns the old app reads.
        customer = conn.execute(
            "SELECT c.id, c.name FROM customers c JOIN customer_legacy_ids l ON l.customer_id = c.id"
            " LIMIT 1"
        ).fetchone()
        assert customer is not None
        row = conn.execute(
            "INSERT INTO service_tickets (ticket_number, customer_ref, title) VALUES"
            " ('NEW-1', %s, 'New shape') RETURNING customer_id, customer_name",
            (customer[0],),
        ).fetchone()
        assert row is not None
        assert row[0]
        assert row[1] == customer[1]


def test_migrate_killed_mid_way_then_run_again_completes(legacy_db):
    env = {**os.environ, "CLIENTELE_DATABASE_URL": legacy_db.url}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from clientele.cli import app; app()", "legacy", "migrate",
         "--batch-size", "25", "--pause", "0.05"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    with ddl.connect(legacy_db.url) as conn:
        while time.monotonic() < deadline and get_state(conn, "tickets_block") is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert get_state(conn, "tickets_block") is not None
        assert get_state(conn, "migrate") is None
        unlinked = conn.execute("SELECT count(*) FROM service_tickets WHERE customer_ref IS NULL")
        assert (unlinked.fetchone() or [0])[0] > 0
        # An interrupted CREATE INDEX CONCURRENTLY leaves an INVALID index: simulate one.
        with contextlib.suppress(psycopg.errors.UniqueViolation):
            conn.execute(
                "CREATE UNIQUE INDEX CONCURRENTLY ix_service_tickets_status ON service_tickets (status)"
            )
    migrate(legacy_db.url)
    with ddl.connect(legacy_db.url) as conn:
        results = verify(conn)
        assert all_ok(results), [r for r in results if not r.ok]
        definition = conn.execute("SELECT pg_get_indexdef('ix_service_tickets_status'::regclass)")
        assert "UNIQUE" not in str((definition.fetchone() or [""])[0])
    precision, recall = pairwise(linked(legacy_db.url), legacy_db.data.truth)
    assert precision >= 0.99
    assert recall >= 0.9


def test_squawk_finds_nothing_in_any_ddl_step():
    assert lint.run() == 0
