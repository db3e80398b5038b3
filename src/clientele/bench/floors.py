"""The floors of `clientele bench`: the statements an endpoint runs, captured in-process with a
SQLAlchemy event, then replayed directly over psycopg (each round rolled back); and the naive
pg_trgm search the name search is compared with; and the WAL flush every write's COMMIT adds
(which the rolled-back statement floors leave out)."""

import asyncio
import json
import time
import uuid
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine

from clientele.bench.load import Request
from clientele.config import load_settings


def _percentiles(times: list[float]) -> dict[str, float]:
    times.sort()
    return {
        "floor_p50_ms": round(times[len(times) // 2] * 1000, 3),
        "floor_p99_ms": round(times[int(len(times) * 0.99)] * 1000, 3),
        "floor_rounds": len(times),
    }


async def _asgi_call(app: Any, method: str, target: str, token: str, body: Any) -> int:
    """One request through the ASGI app in-process (no socket, no extra dependency)."""
    path, _, query = target.partition("?")
    payload = b"" if body is None else json.dumps(body).encode()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "server": ("bench", 80), "client": ("127.0.0.1", 1),
        "headers": [
            (b"host", b"bench"), (b"authorization", f"Bearer {token}".encode()),
            (b"if-match", b"*"), (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ],
    }  # fmt: skip
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def capture_statements(
    url: str, token: str, requests: dict[str, Request]
) -> dict[str, list[tuple[str, Any]]]:
    """The SQL each request runs (after the token is cached), captured in-process."""

    captured: dict[str, list[tuple[str, Any]]] = {}
    current: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        current.append((statement, parameters))

    async def go() -> None:
        # Late: the app (every router) loads only when a benchmark runs, not at `clientele --help`.
        from clientele.app import create_app  # noqa: PLC0415 - heavy, see above

        app = create_app(database_url=url, settings=load_settings())
        async with app.router.lifespan_context(app):
            # Caches the token with a read: replaying the first request (a create) would make
            # its captured twin a 409 on the same phone, with no online check in it.
            await _asgi_call(app, "GET", "/api/v1/customers?limit=1", token, None)
            event.listen(Engine, "before_cursor_execute", record)
            try:
                for name, (method, target, body) in requests.items():
                    current.clear()
                    await _asgi_call(app, method, target, token, body)
                    captured[name] = [
                        (s, p) for s, p in current if not s.lstrip().upper().startswith("SELECT 1")
                    ]
            finally:
                event.remove(Engine, "before_cursor_execute", record)

    asyncio.run(go())
    return captured


_round = iter(range(10**9))


def _fresh(parameters: Any) -> Any:
    """A write's parameters with a new id and phone, so each round inserts a new row."""
    if not isinstance(parameters, dict):
        return parameters or None
    fresh = dict(parameters)
    if isinstance(fresh.get("id"), uuid.UUID):
        fresh["id"] = uuid.uuid4()
    if isinstance(fresh.get("primary_phone"), str) and "version" in fresh:
        # A mobile series the demo generator never hands out (nor the bench's creates, +91620).
        fresh["primary_phone"] = f"+91630{next(_round):07d}"
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
    return _percentiles(times)


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
    return _percentiles(times)


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
    return _percentiles(times)
