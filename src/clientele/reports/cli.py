"""`clientele reports repair [--check]`: compare the kept ticket counters and monthly rollup
with a recount of every ticket, and rewrite what differs."""

import asyncio
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clientele.config import load_settings

if TYPE_CHECKING:
    from clientele.reports.repair_repository import CounterDrift

app = typer.Typer(help="Report answers the database keeps.", no_args_is_help=True)


async def _run(url: str, data_dir: Path | None, *, check: bool, timeout_s: int) -> "CounterDrift":
    from clientele.db import create_engine  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.reports import service  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.uow import EngineUnitOfWork  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings = dataclasses.replace(
        load_settings(data_dir=data_dir), statement_timeout_ms=timeout_s * 1000
    )
    engine = create_engine(url, settings)
    try:
        uow = EngineUnitOfWork(engine)
        if check:
            return await service.check_counters(uow)
        return await service.repair_counters(uow)
    finally:
        await engine.dispose()


@app.command("repair")
def repair(
    check: Annotated[
        bool, typer.Option("--check", help="Only compare; exit 1 if anything differs.")
    ] = False,
    timeout: Annotated[
        int, typer.Option(help="Seconds the recount may take (it reads every ticket).")
    ] = 1800,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", envvar="CLIENTELE_DATA_DIR", help="Embedded PostgreSQL data."),
    ] = None,
) -> None:
    """Recount tickets per customer, per (customer, month, status) and per customer and month
    or year, and compare with the counters the triggers keep; rewrite the rows that differ
    unless --check. Ticket writes wait while a repair runs."""
    from clientele.db import resolve_database_url  # noqa: PLC0415 - heavy: loaded when run, not for --help

    url = resolve_database_url(load_settings(data_dir=data_dir))
    drift = asyncio.run(_run(url, data_dir, check=check, timeout_s=timeout))
    if drift.exact:
        typer.echo("counters exact: every customer's counts and monthly rollup match a recount")
        return
    verb = "differ" if check else "differed and were rewritten"
    typer.echo(
        f"{drift.counts} customer counter rows, {drift.months} monthly rollup rows,"
        f" {drift.totals} month and year total rows and {drift.tiers} tier total rows {verb};"
        f" customers: {', '.join(str(c) for c in drift.customer_ids)}"
    )
    if check:
        raise typer.Exit(1)
