"""`clientele serve` and `clientele demo`."""

import os
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress

from clientele.auth.domain import Role
from clientele.cli.common import DataDir, current_database, err, run_with_uow, stage_progress
from clientele.config import load_settings

if TYPE_CHECKING:
    from clientele.uow import UnitOfWork

DEMO_DATABASE = "clientele_demo"


def _serve(url: str, host: str, port: int, workers: int) -> None:
    # uvicorn is imported by the two commands that serve, not by every command's start.
    import uvicorn  # noqa: PLC0415 - loaded only by the commands that serve

    from clientele.metrics import prepare_worker_processes  # noqa: PLC0415 - heavy: loaded when run, not for --help

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


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    data_dir: DataDir = None,
) -> None:
    """Serve the API. Refuses an out-of-date schema, except on the embedded default (upgraded)."""
    _, url = current_database(data_dir)
    _serve(url, host, port, workers)


def load_clean_demo(url: str, customers: int) -> None:
    """The curated data set with contacts and equipment, loaded directly (COPY)."""
    from clientele import schema  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.demo.dataset import generate  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.demo.load import load_dataset, refresh_search  # noqa: PLC0415 - heavy: loaded when run, not for --help

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
    refresh_search(url)


def migrate_legacy_demo(url: str, customers: int) -> None:
    """Fill the legacy tables with messy tickets, then run the real migration on them."""
    from clientele import schema  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.demo import legacy_data  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.demo.load import has_table, refresh_search  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.legacy.finalize import finalize  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.legacy.migrate import migrate  # noqa: PLC0415 - heavy: loaded when run, not for --help

    if not has_table(url, "service_tickets"):
        data = legacy_data.generate(customers)
        err.print(f"legacy tables: {len(data.tickets)} messy tickets, {len(data.equipment)} units")
        legacy_data.load(url, data)
    with Progress(console=err) as bar:
        report = migrate(url, progress=stage_progress(bar, lambda stage: f"migrate: {stage}"))
    err.print(
        f"migrated: {report.customers_created} customers from the tickets, "
        f"{report.tickets_linked} tickets linked, {report.review_items} cases for a person "
        "to review"
    )
    finalize(url)
    schema.upgrade(url)
    refresh_search(url)


async def _demo_logins(uow: "UnitOfWork") -> tuple[str, str, str]:
    from clientele.auth.service import create_token  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.auth.users import create_user  # noqa: PLC0415 - heavy: loaded when run, not for --help

    token = await create_token(
        uow,
        name="demo-admin",
        role=Role.ADMIN,
        expires_at=datetime.now(UTC) + timedelta(days=30),
    )
    user, password = await create_user(
        uow, username=f"demo-{secrets.token_hex(2)}", role=Role.ADMIN
    )
    return token, user.username, password


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
    from clientele import schema  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.db import start_embedded_server  # noqa: PLC0415 - heavy: loaded when run, not for --help

    if source not in ("legacy", "clean"):
        raise typer.BadParameter("source must be legacy or clean")
    settings = load_settings(data_dir=data_dir)
    err.print(f"[dim]embedded PostgreSQL in {settings.data_dir}, database {DEMO_DATABASE}[/dim]")
    url = start_embedded_server(settings.data_dir, DEMO_DATABASE)
    if schema.current_revision(url) is not None:
        err.print("demo data already there; reusing it (delete the data dir to start over)")
        schema.upgrade(url)
    elif source == "legacy":
        migrate_legacy_demo(url, customers)
    else:
        load_clean_demo(url, customers)
    token, username, password = run_with_uow(settings, url, _demo_logins)
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
