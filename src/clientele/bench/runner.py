"""`clientele bench`: load N customers, start the server, measure every endpoint and its floor.

For each scenario: p50, p99 and throughput over real HTTP at concurrency 1 and 10, and the
floor: the very statements the endpoint ran (captured once in-process with a SQLAlchemy event)
replayed directly over psycopg, each round in a rolled-back transaction.
"""

import asyncio
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from sqlalchemy.engine import make_url

from clientele import schema
from clientele.auth.domain import Role
from clientele.auth.service import create_token
from clientele.bench import data, quality
from clientele.bench.floors import capture_statements, commit_floor, floor, naive_search
from clientele.bench.load import Request, RequestFactory, run
from clientele.config import load_settings
from clientele.db import create_engine, libpq_url
from clientele.uow import EngineUnitOfWork

CUSTOMERS = "/api/v1/customers"


@dataclass(frozen=True)
class Scenario:
    """A named request stream; `needs` is the route it measures (skipped when absent)."""

    name: str
    make: RequestFactory
    needs: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def bench_database_name(n: int, prefix: str = "clientele") -> str:
    """`<prefix>_bench_<n>`; the prefix is letters, digits and underscores only (it is
    interpolated, double-quoted, into CREATE/DROP DATABASE)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", prefix):
        raise ValueError(f"database prefix {prefix!r}: lower-case letters, digits, underscores")
    return f"{prefix}_bench_{int(n)}"


def prepare_database(
    server_url: str,
    n: int,
    tickets: float,
    *,
    reuse: bool,
    say: Callable[[str], None],
    prefix: str = "clientele",
) -> str:
    """The benchmark database with N customers: reused when asked and complete, else loaded."""
    name = bench_database_name(n, prefix)
    url = make_url(libpq_url(server_url)).set(database=name).render_as_string(False)
    with psycopg.connect(libpq_url(server_url), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and reuse:
            with psycopg.connect(url) as conn:
                row = conn.execute("SELECT count(*) FROM customers").fetchone()
                if row is not None and row[0] >= n:
                    say(f"reusing {name} ({row[0]} customers)")
                    return url
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    schema.upgrade(url)
    say(f"loading {n} customers and ~{tickets:g} tickets each into {name} (COPY)")
    timings = data.load(
        url, customers=n, tickets_per_customer=tickets, seed=7, progress=lambda s, k: None
    )
    say("loaded: " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    return url


def drop_database(server_url: str, n: int, prefix: str = "clientele") -> None:
    """Remove the benchmark database."""
    name = bench_database_name(n, prefix)
    with psycopg.connect(libpq_url(server_url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _token(url: str) -> str:

    async def make() -> str:
        engine = create_engine(url, load_settings())
        try:
            return await create_token(
                EngineUnitOfWork(engine), name=f"bench-{uuid.uuid4().hex[:6]}", role=Role.ADMIN
            )
        finally:
            await engine.dispose()

    return asyncio.run(make())


def start_server(url: str, factory: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """uvicorn on 127.0.0.1 in its own process (uvloop, httptools); waits until it answers."""
    env = {**os.environ, "CLIENTELE_DATABASE_URL": url}
    command = [
        sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--loop", "uvloop", "--http",
        "httptools", "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    # The server's own logs (one access line per request) go to a file, not the bench's output.
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"clientele-bench-{port}.log"  # noqa: S108
    with log.open("ab") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{factory} exited with {process.returncode}") from None
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{factory} did not start on port {port}")


# Created customers' phones: a mobile series the demo generator never hands out
# (demo.vocabulary.MOBILE_SERIES_RANGES), so a create never meets a loaded customer's number.
NEW_PHONE_SERIES = "+91620"
NEW_PHONE_TAILS = 10**7


class _Sample:
    """Rows drawn once from the loaded data, for realistic request parameters."""

    def __init__(self, rows: list[tuple[Any, ...]], first_phone: int = 0) -> None:
        self.rows = rows
        self.rng = random.Random(11)
        self.phones = iter(range(first_phone, NEW_PHONE_TAILS))

    @classmethod
    def drawn_from(cls, url: str) -> "_Sample":
        with psycopg.connect(url) as conn:
            rows = conn.execute(
                "SELECT id, primary_phone, name, city, customer_type, status FROM customers"
                " TABLESAMPLE SYSTEM (5) LIMIT 3000"
            ).fetchall()
            # After the phones earlier runs created on a reused database (index-only probe).
            (last,) = conn.execute(
                "SELECT max(primary_phone) FROM customers"
                " WHERE primary_phone BETWEEN %(series)s || '0000000' AND %(series)s || '9999999'",
                {"series": NEW_PHONE_SERIES},
            ).fetchone() or (None,)
        return cls(rows, 0 if last is None else int(last[len(NEW_PHONE_SERIES) :]) + 1)

    def row(self) -> tuple[Any, ...]:
        return self.rng.choice(self.rows)

    def new_phone(self) -> str:
        return f"{NEW_PHONE_SERIES}{next(self.phones):07d}"


def scenarios(sample: _Sample, queries: list[tuple[str, dict[str, str]]]) -> list[Scenario]:
    """Every request stream the issue names."""
    rng = sample.rng

    def by_id() -> Request:
        return "GET", f"{CUSTOMERS}/{sample.row()[0]}", None

    def by_phone() -> Request:
        return "GET", f"{CUSTOMERS}?phone={sample.row()[1].replace('+', '%2B')}", None

    def search() -> Request:
        q, filters = rng.choice(queries)
        params = "&".join(f"{k}={_quote(v)}" for k, v in filters.items())
        return "GET", f"{CUSTOMERS}/search?q={_quote(q)}&limit=10&{params}", None

    def listing() -> Request:
        row = sample.row()
        return "GET", f"{CUSTOMERS}?city={_quote(row[3])}&customer_type={row[4]}&limit=50", None

    def count() -> Request:
        return "GET", f"{CUSTOMERS}/count?city={_quote(sample.row()[3])}&status=active", None

    def create() -> Request:
        body = {
            "customer_type": "clinic",
            "name": f"{rng.choice(('Sunrise', 'Lotus', 'Apex'))} Bench Clinic",
            "primary_phone": sample.new_phone(),
            "city": "Pune",
        }
        return "POST", CUSTOMERS, body

    def patch() -> Request:
        return "PATCH", f"{CUSTOMERS}/{sample.row()[0]}", {"primary_email": "bench@example.com"}

    def ticket() -> Request:
        active = next(r for r in iter(sample.row, None) if r[5] == "active")
        body = {"customer_id": str(active[0]), "title": "Bench: probe damaged"}
        return "POST", "/api/v1/tickets", body

    def tickets_page() -> Request:
        return "GET", "/api/v1/tickets?limit=50&status=open", None

    # History starts when the rows were loaded: read as of a moment after that.
    as_of_time = datetime.now(UTC).isoformat()

    def as_of() -> Request:
        return "GET", f"{CUSTOMERS}/{sample.row()[0]}?as_of={_quote(as_of_time)}", None

    def report(path: str) -> RequestFactory:
        return lambda: ("GET", path, None)

    return [
        Scenario("lookup_id", by_id, f"{CUSTOMERS}/{{customer_id}}"),
        Scenario("lookup_phone", by_phone, CUSTOMERS),
        Scenario("search", search, f"{CUSTOMERS}/search"),
        Scenario("list_filtered", listing, CUSTOMERS),
        Scenario("count", count, f"{CUSTOMERS}/count"),
        Scenario("create_customer", create, CUSTOMERS),
        Scenario("patch_customer", patch, f"{CUSTOMERS}/{{customer_id}}"),
        Scenario("create_ticket", ticket, "/api/v1/tickets"),
        Scenario("ticket_page", tickets_page, "/api/v1/tickets"),
        Scenario("as_of_read", as_of, f"{CUSTOMERS}/{{customer_id}}"),
        Scenario(
            "report_top_customers",
            report("/api/v1/reports/top-customers?limit=10"),
            "/api/v1/reports/top-customers",
        ),
        Scenario(
            "report_top_customers_months",
            report("/api/v1/reports/top-customers?limit=10&from=2025-01-01&to=2025-12-31"),
            "/api/v1/reports/top-customers",
        ),
        Scenario(
            "report_top_customers_days",
            report("/api/v1/reports/top-customers?limit=10&from=2025-01-10&to=2025-12-20"),
            "/api/v1/reports/top-customers",
        ),
        Scenario(
            "report_customers_in_city",
            report("/api/v1/reports/customers?city=Pune&min_tickets=8&limit=100"),
            "/api/v1/reports/customers",
        ),
        Scenario(
            "report_ticket_frequency",
            report("/api/v1/reports/ticket-frequency?limit=100"),
            "/api/v1/reports/ticket-frequency",
        ),
        Scenario(
            "report_open_by_tier",
            report("/api/v1/reports/open-tickets-by-tier"),
            "/api/v1/reports/open-tickets-by-tier",
        ),
    ]


def _quote(text: str) -> str:

    return quote(text, safe="")


def server_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of the server process `pid` and its children (uvicorn's
    workers), from /proc; None where there is no /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended meanwhile
            if stat.parent.name == str(pid) or fields[1] == str(pid):
                total += (int(fields[11]) + int(fields[12])) / tick
    except OSError:
        return None
    return total if Path(f"/proc/{pid}/stat").exists() else None


def run_http(
    port: int,
    token: str,
    make: RequestFactory,
    concurrency: int,
    seconds: float,
    server_pid: int | None = None,
) -> dict[str, Any]:
    """Measure one request stream over HTTP.

    With `server_pid`, also the server's CPU time per successful request (`server_cpu_us`):
    unlike throughput, it hardly changes when other work shares the machine, so it compares
    two servers measured minutes apart fairly.
    """
    before = None if server_pid is None else server_cpu_seconds(server_pid)
    sample = asyncio.run(
        run("127.0.0.1", port, token, make, concurrency=concurrency, seconds=seconds)
    )
    result: dict[str, Any] = dict(sample.summary())
    after = None if server_pid is None else server_cpu_seconds(server_pid)
    if before is not None and after is not None and sample.latencies:
        result["server_cpu_us"] = round((after - before) / len(sample.latencies) * 1e6, 1)
    if sample.errors:
        result["errors"] = sample.errors
    return result


def _routes(url: str) -> set[str]:

    from clientele.app import create_app  # noqa: PLC0415 - heavy (the app), only when run

    spec = create_app(database_url=url, settings=load_settings()).openapi()
    return set(spec["paths"])


def measurement_names() -> list[str]:
    """Every name `run_bench(only=...)` accepts, in the order they are measured."""
    names = [s.name for s in scenarios(_Sample([]), [])]
    names.insert(names.index("lookup_id") + 1, "bare_lookup_id")
    return [*names, "commit_floor", "online_duplicate_check", "search_naive_trgm", "search_quality"]


def run_bench(
    server_url: str,
    *,
    customers: int,
    tickets_per_customer: float,
    seconds: float,
    workers: int,
    reuse: bool,
    keep: bool,
    say: Callable[[str], None],
    only: Collection[str] | None = None,
    ratio_rounds: int = 5,
    prefix: str = "clientele",
) -> dict[str, Any]:
    """The whole benchmark; returns the JSON document.

    `only` names the measurements to take (`measurement_names()`: the scenarios,
    `bare_lookup_id`, `search_naive_trgm`, `search_quality`); None takes them all. The
    API/bare ratio is reported when both `lookup_id` and `bare_lookup_id` are measured; the
    bare endpoint is measured right after `lookup_id`, so both see the same machine, and then
    `ratio_rounds` more times alternately with the API at concurrency 10 (`seconds` each): on
    a shared machine one pair of runs can be off by a factor of two, the median of the rounds'
    ratios much less.
    """

    if only is not None:
        unknown = sorted(set(only) - set(measurement_names()))
        if unknown:
            raise ValueError(
                f"unknown measurements {unknown}; choose from {', '.join(measurement_names())}"
            )

    def wanted(name: str) -> bool:
        return only is None or name in only

    url = prepare_database(
        server_url, customers, tickets_per_customer, reuse=reuse, say=say, prefix=prefix
    )
    token = _token(url)
    sample = _Sample.drawn_from(url)
    searching = wanted("search") or wanted("search_naive_trgm") or wanted("search_quality")
    query_set = quality.query_set(url, 600) if searching else {"queries": []}
    queries = [(q["q"], q["filters"]) for q in query_set["queries"]]
    routes = _routes(url)
    every = scenarios(sample, queries)
    by_id = next(s for s in every if s.name == "lookup_id")
    plan = [s for s in every if s.needs in routes and wanted(s.name)]
    skipped = [s.name for s in every if s.needs not in routes and wanted(s.name)]
    if wanted("bare_lookup_id"):

        def bare_by_id() -> Request:
            method, path, body = by_id.make()
            return method, path.removeprefix("/api/v1"), body

        bare_scenario = Scenario("bare_lookup_id", bare_by_id, "")
        at = next((i + 1 for i, s in enumerate(plan) if s.name == "lookup_id"), len(plan))
        plan.insert(at, bare_scenario)
    results: dict[str, dict[str, Any]] = {}

    say("capturing each endpoint's statements for the psycopg floor")
    api_plan = [s for s in plan if s.needs]
    if wanted("bare_lookup_id") and by_id not in api_plan:
        api_plan.append(by_id)  # the bare endpoint's floor is the API's lookup statement
    captured = capture_statements(url, token, {s.name: s.make() for s in api_plan})
    api_port, bare_port = _free_port(), _free_port()
    rounds: list[float] = []
    api = start_server(url, "clientele.app:app_from_env", api_port, workers)
    bare = start_server(url, "clientele.bench.bare:create_bare_app", bare_port, workers)
    try:
        for s in plan:
            port, pid = (bare_port, bare.pid) if s.name == "bare_lookup_id" else (api_port, api.pid)
            run_http(port, token, s.make, 10, 0.5)  # warm-up, every pooled connection opened
            one = run_http(port, token, s.make, 1, seconds, pid)
            ten = run_http(port, token, s.make, 10, seconds, pid)
            entry: dict[str, Any] = {**one, "c10": ten}
            statements = captured.get("lookup_id" if s.name == "bare_lookup_id" else s.name)
            if statements:
                try:
                    entry.update(floor(url, statements))
                except psycopg.Error as exc:
                    entry["floor_error"] = str(exc).splitlines()[0]
                entry["statements"] = len(statements)
            results[s.name] = entry
            say(f"{s.name}: c1 {one} c10 {ten}")
        if "lookup_id" in results and "bare_lookup_id" in results:
            rounds = _ratio_rounds(api_port, bare_port, token, plan, ratio_rounds, seconds)
    finally:
        for process in (api, bare):
            process.terminate()
            process.wait(timeout=15)
    if wanted("commit_floor"):
        results["commit_floor"] = commit_floor(url)
    if wanted("online_duplicate_check"):
        for write_name, entry in _online_check_floor(url, captured).items():
            results[f"online_duplicate_check_{write_name}"] = entry
    if wanted("search_naive_trgm"):
        results["search_naive_trgm"] = naive_search(url, queries, 200)
    figure = None
    if wanted("search_quality"):
        say("measuring search quality")
        figure = quality.measure(url, query_set)
    ratios: dict[str, Any] = {}
    if "lookup_id" in results and "bare_lookup_id" in results:
        api_rps = results["lookup_id"]["c10"]["rps"]
        bare_rps = results["bare_lookup_id"]["c10"]["rps"]
        ratios["api_lookup_rps_c10_over_bare"] = round(api_rps / bare_rps, 3) if bare_rps else None
        api_c1, bare_c1 = results["lookup_id"]["rps"], results["bare_lookup_id"]["rps"]
        ratios["api_lookup_rps_c1_over_bare"] = round(api_c1 / bare_c1, 3) if bare_c1 else None
        if rounds:
            ratios["api_lookup_rps_c10_over_bare_rounds"] = rounds
            ratios["api_lookup_rps_c10_over_bare_median"] = round(statistics.median(rounds), 3)
        api_cpu = results["lookup_id"]["c10"].get("server_cpu_us")
        bare_cpu = results["bare_lookup_id"]["c10"].get("server_cpu_us")
        if api_cpu and bare_cpu:
            # Bare CPU per request over the API's: what the throughput ratio would be if the
            # server process alone were the bottleneck.
            ratios["bare_over_api_server_cpu_per_request_c10"] = round(bare_cpu / api_cpu, 3)
    document = {
        "n_customers": customers,
        "tickets_per_customer": tickets_per_customer,
        "machine": _machine(),
        "workers": workers,
        "seconds_per_run": seconds,
        "results": results,
        "skipped": skipped,
        "search_quality": figure,
        "ratios": ratios,
    }
    if not keep:
        drop_database(server_url, customers, prefix)
    return document


def _online_check_floor(url: str, captured: dict[str, list[tuple[str, Any]]]) -> dict[str, Any]:
    """The online duplicate check's own statement (candidates by phone, e-mail, tax id and
    name in the city), as create and PATCH ran it, replayed alone over psycopg."""
    found: dict[str, Any] = {}
    for name in ("create_customer", "patch_customer"):
        check = [(s, p) for s, p in captured.get(name, []) if "WITH found (found_id, rank)" in s]
        if check:
            found[name] = floor(url, check)
    return found


def _ratio_rounds(
    api_port: int, bare_port: int, token: str, plan: list[Scenario], rounds: int, seconds: float
) -> list[float]:
    """API lookup rps over bare lookup rps at concurrency 10, `rounds` times, alternating
    which of the two runs first."""
    makes = {s.name: s.make for s in plan}
    ratios = []
    for i in range(rounds):
        rps = {}
        order = [("lookup_id", api_port), ("bare_lookup_id", bare_port)]
        for name, port in order if i % 2 == 0 else reversed(order):
            rps[name] = run_http(port, token, makes[name], 10, seconds)["rps"]
        if rps["bare_lookup_id"]:
            ratios.append(round(rps["lookup_id"] / rps["bare_lookup_id"], 3))
    return ratios


def _machine() -> dict[str, Any]:

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def write(document: dict[str, Any], out: Path | None) -> None:
    """Write the JSON document, when asked."""
    if out is not None:
        out.write_text(json.dumps(document, indent=2, default=str) + "\n")
