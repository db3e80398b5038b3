"""`clientele events ...`: read the change feed and prune old events from a terminal."""

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from clientele.cli.common import run_with_uow
from clientele.config import load_settings
from clientele.events.domain import parse_cursor, parse_types

app = typer.Typer(help="The change feed (docs/events.md).", no_args_is_help=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="The embedded PostgreSQL's data.", envvar="CLIENTELE_DATA_DIR"),
]


@app.command("list")
def list_events(
    after: Annotated[str | None, typer.Option(help="A next_cursor from an earlier read.")] = None,
    types: Annotated[list[str] | None, typer.Option("--type", help="Only this type.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    data_dir: DataDir = None,
) -> None:
    """Print events after the cursor as JSON lines, then `next_cursor` on stderr."""
    from clientele.db import resolve_database_url  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.events import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings = load_settings(data_dir=data_dir)
    url = resolve_database_url(settings)

    cursor, wanted = parse_cursor(after), parse_types(types or [])
    page = run_with_uow(
        settings,
        url,
        lambda uow: service.read_events(uow, after=cursor, types=wanted, limit=limit),
    )
    for event in page.events:
        typer.echo(json.dumps(event.to_json()))
    typer.echo(f"next_cursor {page.next_cursor}", err=True)


@app.command("prune")
def prune(
    days: Annotated[
        int | None, typer.Option(min=0, help="Days to keep (CLIENTELE_EVENTS_RETENTION_DAYS).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Delete events past retention (not those a pending webhook delivery needs) and finished
    deliveries as old, in committed batches. Workers do this hourly by themselves."""
    from clientele.db import create_engine, resolve_database_url  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.events import service  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.uow import EngineUnitOfWork  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings = load_settings(data_dir=data_dir)
    url = resolve_database_url(settings)
    keep = settings.events_retention_days if days is None else days

    async def main() -> service.PruneReport:
        engine = create_engine(url, settings)
        try:
            return await service.prune(
                lambda: EngineUnitOfWork(engine), retention=timedelta(days=keep)
            )
        finally:
            await engine.dispose()

    report = asyncio.run(main())
    typer.echo(f"deleted {report.events} events and {report.deliveries} deliveries")
