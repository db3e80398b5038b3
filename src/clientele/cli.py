"""The `clientele` command: serve, demo, db, tokens."""

import asyncio
import os
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from clientele import schema
from clientele.auth.domain import Role
from clientele.auth.service import create_token
from clientele.config import Settings, load_settings
from clientele.db import create_engine, resolve_database_url, start_embedded_server
from clientele.uow import EngineUnitOfWork

# platformdirs warns on every start where XDG_RUNTIME_DIR is unset (root shells, CI).
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

app = typer.Typer(help="Clientele: the customer master.", no_args_is_help=True)
db_app = typer.Typer(help="Schema revisions (Alembic).", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tokens_app, name="tokens")

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

    # Workers are separate processes: they read the URL from the environment.
    os.environ["CLIENTELE_DATABASE_URL"] = url
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


def _load_demo_data(url: str, customers: int) -> None:
    from clientele.demo.dataset import generate
    from clientele.demo.load import has_customers, load_dataset

    if has_customers(url):
        err.print("demo data already loaded; reusing it")
        return
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


@app.command()
def demo(
    customers: Annotated[int, typer.Option(min=10, max=200_000)] = 3000,
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: DataDir = None,
) -> None:
    """Start an embedded PostgreSQL, load realistic Indian customers and tickets, and serve."""
    settings = load_settings(data_dir=data_dir)
    err.print(f"[dim]embedded PostgreSQL in {settings.data_dir}, database {DEMO_DATABASE}[/dim]")
    url = start_embedded_server(settings.data_dir, DEMO_DATABASE)
    schema.upgrade(url)
    _load_demo_data(url, customers)
    token = asyncio.run(_create_token(settings, url, "demo-admin", Role.ADMIN, 30))
    base = f"http://{host}:{port}"
    err.print(
        f"\n[bold green]Clientele demo[/bold green] at {base}  (API docs: {base}/docs)\n"
        f"admin token (valid 30 days): [bold]{token}[/bold]\n"
        f"try: curl -H 'Authorization: Bearer {token}' \\\n"
        f"       '{base}/api/v1/customers/search?q=sunrise+hosp'\n",
        soft_wrap=True,
    )
    _serve(url, host, port, workers=1)
