"""`clientele customers import|export`: customers in and out as CSV."""

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer
from rich.progress import Progress
from rich.table import Table

from clientele.cli.common import DataDir, cli_actor, current_database, err, run_with_uow
from clientele.customers import cli as customers_cli
from clientele.customers.domain import CustomerFilters, CustomerStatus, CustomerType
from clientele.errors import DomainError

if TYPE_CHECKING:
    from clientele.imports.service import ImportReport
    from clientele.uow import UnitOfWork

app = typer.Typer(help="Customers: CSV in and out, block, activate.", no_args_is_help=True)
app.add_typer(customers_cli.app)  # block, activate


def _write_report(report: "ImportReport", path: Path) -> None:
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


@app.command("import")
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
    from clientele.imports.csv_format import read_rows  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.imports.service import import_customers  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings, url = current_database(data_dir)
    started = datetime.now(UTC)
    try:
        with (
            Progress(console=err) as progress,
            file.open(encoding="utf-8-sig", newline="") as handle,
        ):
            total = max(sum(1 for _ in handle) - 1, 0)
            handle.seek(0)
            tasks = {
                "validate": progress.add_task("validating rows", total=total),
                "write": progress.add_task("writing", total=None, visible=not dry_run),
            }
            outcome = run_with_uow(
                settings,
                url,
                lambda uow: import_customers(
                    uow,
                    rows=read_rows(handle),
                    actor=cli_actor(),
                    dry_run=dry_run,
                    progress=lambda stage, n: progress.advance(tasks[stage], n),
                ),
            )
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


async def _export(uow: "UnitOfWork", filters: CustomerFilters, out: TextIO) -> int:
    """Write the CSV to OUT; the number of customers (lines after the header)."""
    from clientele.imports.export import export_customers  # noqa: PLC0415 - heavy: loaded when run, not for --help

    lines = 0
    async for chunk in export_customers(uow, filters=filters, actor=cli_actor().label):
        out.write(chunk)
        lines += chunk.count("\r\n")
    return max(lines - 1, 0)


@app.command("export")
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
    settings, url = current_database(data_dir)
    if output is None:
        count = run_with_uow(settings, url, lambda uow: _export(uow, filters, sys.stdout))
    else:
        with output.open("w", encoding="utf-8", newline="") as handle:
            count = run_with_uow(settings, url, lambda uow: _export(uow, filters, handle))
    err.print(f"{count} customers exported")
