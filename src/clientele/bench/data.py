"""The benchmark data set: N generated customers and about k tickets each, loaded with COPY.

Customers stream from `demo.dataset.iter_customers`, so memory stays flat at a million rows.
The row triggers (history, search) run during COPY like for any other write, so the loaded
database is exactly what the application would have written.
"""

import random
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from clientele.db import libpq_url

# The generator's own organisation plans (private): streamed customers reference exactly these.
from clientele.demo.customers import _pan_space, _plan_organizations, iter_customers
from clientele.demo.load import CUSTOMER_COLUMNS, DEMO_ACTOR
from clientele.demo.records import REFERENCE_TIME

Progress = Callable[[str, int], None]

_TITLES = (
    "Helium level dropping", "No exposure on hand switch", "SpO2 readings erratic",
    "Gantry rotation fault", "Battery backup not holding", "Display flickering",
    "Preventive maintenance visit", "Calibration due", "Probe damaged", "Software update",
)  # fmt: skip
_STATUSES = ("open",) * 2 + ("in_progress",) * 2 + ("closed",) * 6
_PRIORITIES = ("low", "medium", "medium", "high", "critical")
BATCH = 20_000


def _customer_rows(n: int, seed: int, ids: list[Any]) -> Iterator[tuple[Any, ...]]:
    for customer in iter_customers(n=n, seed=seed):
        ids.append(customer.id)
        values = (getattr(customer, column) for column in CUSTOMER_COLUMNS)
        yield (
            *(Jsonb(list(v)) if isinstance(v, tuple) else v for v in values),
            DEMO_ACTOR,
            DEMO_ACTOR,
        )


def _ticket_rows(ids: list[Any], per_customer: float, seed: int) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(f"bench:{seed}:tickets")
    number = 0
    for customer_id in ids:
        # 0 .. 2k tickets, k on average: some customers call a lot, some never.
        for _ in range(int(rng.random() * 2 * per_customer + 0.5)):
            number += 1
            created = REFERENCE_TIME - timedelta(days=900 * rng.random() ** 1.5)
            status = rng.choice(_STATUSES)
            closed = created + timedelta(days=10 * rng.random()) if status == "closed" else None
            yield (
                f"TKT-B-{number:08d}", customer_id, rng.choice(_TITLES), status,
                rng.choice(_PRIORITIES), created, closed or created, closed, DEMO_ACTOR,
            )  # fmt: skip


def load(url: str, *, customers: int, tickets_per_customer: float, seed: int,
         progress: Progress) -> dict[str, float]:  # fmt: skip
    """Load the data set into an empty, migrated database; return seconds per step."""
    timings: dict[str, float] = {}
    ids: list[Any] = []
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("SELECT set_config('clientele.actor', %s, false)", (DEMO_ACTOR,))
        started = time.perf_counter()
        plans = _plan_organizations(seed, customers, _pan_space(seed))
        with conn.cursor().copy("COPY organizations (id, name) FROM STDIN") as copy:
            for plan in plans:
                copy.write_row((plan.organization.id, plan.organization.name))
        columns = ", ".join((*CUSTOMER_COLUMNS, "created_by", "updated_by"))
        with conn.cursor().copy(f"COPY customers ({columns}) FROM STDIN") as copy:
            for i, row in enumerate(_customer_rows(customers, seed, ids), 1):
                copy.write_row(row)
                if i % BATCH == 0:
                    progress("customers", BATCH)
        conn.commit()
        progress("customers", customers % BATCH)
        timings["customers_s"] = time.perf_counter() - started

        started = time.perf_counter()
        ticket_columns = (
            "ticket_number, customer_id, title, status, priority, created_at, updated_at, "
            "closed_at, created_by"
        )
        count = 0
        with conn.cursor().copy(f"COPY service_tickets ({ticket_columns}) FROM STDIN") as copy:
            for row in _ticket_rows(ids, tickets_per_customer, seed):
                copy.write_row(row)
                count += 1
                if count % BATCH == 0:
                    progress("tickets", BATCH)
        conn.commit()
        progress("tickets", count % BATCH)
        timings["tickets_s"] = time.perf_counter() - started

        started = time.perf_counter()
        conn.execute("SELECT clientele_search_refresh()")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        timings["vacuum_analyze_s"] = time.perf_counter() - started
    return timings
