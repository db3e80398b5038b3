"""`clientele bench`: load N customers, serve, measure every endpoint and its SQL floor."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from clientele.bench.runner import run_bench, write
from clientele.cli.common import DataDir, database, err


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
    database_name: Annotated[
        str | None, typer.Option(help="Benchmark database name (default clientele_bench_N).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Load N customers (COPY), start the server, measure every endpoint over HTTP and its SQL
    floor over psycopg, and the search quality; print a table, optionally write JSON."""

    _, url = database(data_dir)
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
        database_name=database_name,
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
