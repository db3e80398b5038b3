"""What every `clientele` command shares: the database it works on, who runs it, one runner
for a use case through a unit of work, one progress adapter, and how a refusal is printed."""

import asyncio
import getpass
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from clientele.auth.domain import Actor, Role
from clientele.config import Settings, load_settings
from clientele.errors import DomainError

if TYPE_CHECKING:
    from clientele.uow import UnitOfWork

# platformdirs warns on every start where XDG_RUNTIME_DIR is unset (root shells, CI).
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

T = TypeVar("T")

err = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where the embedded PostgreSQL keeps its data (when CLIENTELE_DATABASE_URL is unset).",
        envvar="CLIENTELE_DATA_DIR",
    ),
]

StageProgress = Callable[[str, int, int | None], None]


def database(data_dir: Path | None) -> tuple[Settings, str]:
    """The settings and the database URL a command works on (saying so when embedded)."""
    from clientele.db import resolve_database_url  # noqa: PLC0415 - SQLAlchemy: not for --help

    settings = load_settings(data_dir=data_dir)
    if settings.uses_embedded_database:
        err.print(f"[dim]using the embedded PostgreSQL in {settings.data_dir}[/dim]")
    return settings, resolve_database_url(settings)


def require_current_schema(url: str, *, upgrade: bool) -> None:
    """Upgrade (embedded default) or exit 1 unless the schema is this release's newest."""
    from clientele import schema  # noqa: PLC0415 - Alembic: not for --help

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


def current_database(data_dir: Path | None) -> tuple[Settings, str]:
    """`database()` whose schema is current (see `require_current_schema`)."""
    settings, url = database(data_dir)
    require_current_schema(url, upgrade=settings.uses_embedded_database)
    return settings, url


def cli_actor() -> Actor:
    """Who runs a command: the operating-system user, as an admin (audited as `cli:<user>`)."""
    return Actor(name=getpass.getuser(), role=Role.ADMIN, kind="cli")


def run_with_uow(settings: Settings, url: str, work: "Callable[[UnitOfWork], Awaitable[T]]") -> T:
    """Run WORK with a unit of work on its own engine (disposed after); returns its result."""
    # SQLAlchemy, FastAPI (through the metrics): loaded when a command runs, not for --help.
    from clientele.db import create_engine  # noqa: PLC0415 - heavy, see above
    from clientele.uow import EngineUnitOfWork  # noqa: PLC0415 - heavy, see above

    async def go() -> T:
        engine = create_engine(url, settings)
        try:
            return await work(EngineUnitOfWork(engine))
        finally:
            await engine.dispose()

    return asyncio.run(go())


def stage_progress(bar: Progress, label: Callable[[str], str] = str) -> StageProgress:
    """A `progress(stage, done, total)` callback that shows one bar per stage on BAR."""
    tasks: dict[str, TaskID] = {}

    def progress(stage: str, done: int, total: int | None) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(label(stage), total=total)
        bar.update(tasks[stage], completed=done, total=total)

    return progress


def refused(exc: DomainError) -> typer.Exit:
    """Print a refused use case as `title: detail`; the exit (code 1) to raise."""
    err.print(f"[red]{exc.title}:[/red] {exc.detail}")
    return typer.Exit(code=1)
