"""`clientele legacy ...`: the online migration of the legacy tickets/equipment data
(docs/legacy-migration.md)."""

import json
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from clientele.cli.common import DataDir, database, err, stage_progress

app = typer.Typer(
    help="Move the legacy tickets/equipment data into the customer master, online.",
    no_args_is_help=True,
)

Format = Annotated[str, typer.Option("--format", help="text or json.")]


def _url(data_dir: DataDir) -> str:
    _, url = database(data_dir)
    return url


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]{exc}[/red]")
    return typer.Exit(code=1)


@app.command("plan")
def legacy_plan(output_format: Format = "text", limit: int = 50, data_dir: DataDir = None) -> None:
    """Read only: what migrate would do, every conflict and how it is resolved."""
    from clientele.legacy import ddl  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.legacy.plan import build_plan  # noqa: PLC0415 - heavy: loaded when run, not for --help

    url = _url(data_dir)
    try:
        with ddl.connect(url) as conn:
            plan = build_plan(conn)
    except ddl.MigrationError as exc:
        raise _fail(exc) from None
    if output_format == "json":
        typer.echo(json.dumps(plan, indent=2, ensure_ascii=False, default=str))
        return
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


@app.command("migrate")
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
    from clientele.legacy import ddl  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.legacy.lint import statements_for_lint  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.legacy.migrate import migrate  # noqa: PLC0415 - heavy: loaded when run, not for --help

    if print_ddl:
        for phase_name, statement in statements_for_lint():
            typer.echo(f"-- {phase_name}\nSET lock_timeout = '{lock_timeout_ms}ms';\n"
                       f"SET statement_timeout = '60s';\n{statement};\n")  # fmt: skip
        return
    url = _url(data_dir)
    timeouts = ddl.Timeouts(lock_timeout_ms=lock_timeout_ms)
    with Progress(console=err) as bar:
        try:
            report = migrate(
                url,
                batch_size=batch_size,
                pause=pause,
                timeouts=timeouts,
                progress=stage_progress(bar),
            )
        except ddl.MigrationError as exc:
            raise _fail(exc) from None
    err.print(
        f"customers created {report.customers_created}, tickets linked {report.tickets_linked},"
        f" equipment linked {report.equipment_linked}, contacts {report.contacts_created},"
        f" review items {report.review_items}, DDL steps {report.ddl_steps}"
        f" ({report.seconds:.1f} s). Next: clientele legacy verify"
    )


@app.command("verify")
def legacy_verify(output_format: Format = "text", data_dir: DataDir = None) -> None:
    """Run the validation checklist; exit 0 only when every check holds."""
    from clientele.legacy import ddl  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.legacy.verify import all_ok, verify  # noqa: PLC0415 - heavy: loaded when run, not for --help

    url = _url(data_dir)
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


@app.command("rollback")
def legacy_rollback(data_dir: DataDir = None) -> None:
    """Back to the legacy shape, every legacy value as before migrate. Not after finalize."""
    from clientele.legacy import ddl  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.legacy.rollback import rollback  # noqa: PLC0415 - heavy: loaded when run, not for --help

    url = _url(data_dir)
    try:
        ran = rollback(url, progress=lambda step: err.print(f"[dim]{step}[/dim]"))
    except ddl.MigrationError as exc:
        raise _fail(exc) from None
    err.print(f"rolled back ({ran} steps); the legacy application's schema is as before migrate")


@app.command("finalize")
def legacy_finalize(
    batch_size: Annotated[int, typer.Option(min=1)] = 5000, data_dir: DataDir = None
) -> None:
    """Contract (one way): archive and drop the legacy columns; the schema becomes head's."""
    from clientele import schema  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.legacy import ddl  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.legacy.finalize import finalize  # noqa: PLC0415 - heavy: loaded when run, not for --help

    url = _url(data_dir)
    try:
        counts = finalize(
            url, batch_size=batch_size, progress=lambda s: err.print(f"[dim]{s}[/dim]")
        )
    except ddl.MigrationError as exc:
        raise _fail(exc) from None
    err.print(f"finalized: {counts}; schema at {schema.current_revision(url)}")
