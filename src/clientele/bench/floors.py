"""The SQL floors: an endpoint's own statements replayed over psycopg (each round rolled
back), the WAL flush every write's COMMIT adds, and the naive trigram search baseline."""

import os
import time
import uuid
from typing import Any

import psycopg

_round = iter(range(10**9))


def _fresh(parameters: Any) -> Any:
    """A write's parameters with a new id and phone, so each round inserts a new row."""
    if not isinstance(parameters, dict):
        return parameters or None
    fresh = dict(parameters)
    if isinstance(fresh.get("id"), uuid.UUID):
        fresh["id"] = uuid.uuid4()
    if isinstance(fresh.get("primary_phone"), str) and "version" in fresh:
        fresh["primary_phone"] = f"+9170{os.getpid() % 100:02d}{next(_round):06d}"
    return fresh


def floor(
    url: str, statements: list[tuple[str, Any]], *, rounds: int = 200, budget_s: float = 20.0
) -> dict[str, float]:
    """p50/p99 of running `statements` directly over psycopg, each round rolled back.

    Up to `rounds` rounds, but no more than `budget_s` seconds (at least 10 rounds): the
    report queries take seconds each at a million customers.
    """
    times: list[float] = []
    deadline = time.monotonic() + budget_s
    with psycopg.connect(url, options="-c jit=off") as conn:  # as the application's pool
        for _ in range(rounds):
            if len(times) >= 10 and time.monotonic() > deadline:
                break
            started = time.perf_counter()
            with conn.cursor() as cur:
                for statement, parameters in statements:
                    cur.execute(statement, _fresh(parameters))
                    if cur.description is not None:
                        cur.fetchall()
            times.append(time.perf_counter() - started)
            conn.rollback()
    times.sort()
    return {
        "floor_p50_ms": round(times[len(times) // 2] * 1000, 3),
        "floor_p99_ms": round(times[int(len(times) * 0.99)] * 1000, 3),
        "floor_rounds": len(times),
    }


def commit_floor(url: str, *, rounds: int = 200, budget_s: float = 10.0) -> dict[str, float]:
    """p50/p99 of committing a transaction that wrote WAL (so its COMMIT waits for the WAL
    flush, as every write's does): the statement floors roll back and leave this out, and on
    a shared disk it is most of a write's latency."""
    times: list[float] = []
    deadline = time.monotonic() + budget_s
    with psycopg.connect(url) as conn:
        for _ in range(rounds):
            if len(times) >= 10 and time.monotonic() > deadline:
                break
            started = time.perf_counter()
            # A WAL record in the transaction (a bare transaction id is not enough: a commit
            # that wrote no WAL before its commit record is not flushed synchronously).
            conn.execute("SELECT pg_logical_emit_message(true, 'clientele-bench', '')")
            conn.commit()
            times.append(time.perf_counter() - started)
    times.sort()
    return {
        "floor_p50_ms": round(times[len(times) // 2] * 1000, 3),
        "floor_p99_ms": round(times[int(len(times) * 0.99)] * 1000, 3),
        "floor_rounds": len(times),
    }


NAIVE_SEARCH = (
    "SELECT id, name, similarity(name, %(q)s) AS score FROM customers WHERE name %% %(q)s"
    " ORDER BY similarity(name, %(q)s) DESC LIMIT 20"
)


def naive_search(
    url: str, queries: list[tuple[str, dict[str, str]]], rounds: int
) -> dict[str, Any]:
    """The issue's baseline: plain pg_trgm `%` on the GIN index, ordered by similarity."""
    times: list[float] = []
    deadline = time.monotonic() + 30
    with psycopg.connect(url) as conn:
        for q, _ in queries[:rounds]:
            if len(times) >= 20 and time.monotonic() > deadline:
                break
            started = time.perf_counter()
            conn.execute(NAIVE_SEARCH, {"q": q}).fetchall()
            times.append(time.perf_counter() - started)
    times.sort()
    return {
        "floor_p50_ms": round(times[len(times) // 2] * 1000, 3),
        "floor_p99_ms": round(times[int(len(times) * 0.99)] * 1000, 3),
        "floor_rounds": len(times),
    }
