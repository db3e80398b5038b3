"""`clientele db status` and `clientele db stop`: the embedded PostgreSQL server that `make demo`
and every command without CLIENTELE_DATABASE_URL start, and leave running for the next one."""

from pathlib import Path
from typing import Annotated

import typer

from clientele.config import load_settings
from clientele.ops import embedded

NOT_RUNNING = 3  # pg_ctl status's exit code for "no server running"

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where the embedded PostgreSQL keeps its data (when CLIENTELE_DATABASE_URL is unset).",
        envvar="CLIENTELE_DATA_DIR",
    ),
]


def _embedded_data_dir(data_dir: Path | None, command: str) -> Path:
    settings = load_settings(data_dir=data_dir)
    if not settings.uses_embedded_database:
        typer.echo(
            f"CLIENTELE_DATABASE_URL names a server: `db {command}` is for the embedded one; "
            "that server is run and stopped by its own operators.",
            err=True,
        )
        raise typer.Exit(2)
    return settings.data_dir


def db_status(data_dir: DataDirOption = None) -> None:
    """Is the embedded PostgreSQL running? Prints its pid, address and data directory; exits 3
    when it is not running."""
    current = embedded.status(_embedded_data_dir(data_dir, "status"))
    typer.echo(f"data directory: {current.pgdata}")
    if not current.initialized:
        typer.echo("not created yet (any clientele command creates and starts it)")
        raise typer.Exit(NOT_RUNNING)
    if not current.running:
        stale = f" (stale pid file names {current.pid})" if current.pid else ""
        typer.echo(f"not running{stale}")
        raise typer.Exit(NOT_RUNNING)
    started = current.started_at.isoformat(timespec="seconds") if current.started_at else "?"
    typer.echo(f"running: pid {current.pid}, {current.state or 'ready'}, since {started}")
    typer.echo(f"url: {current.url}")


def db_stop(
    data_dir: DataDirOption = None,
    mode: Annotated[
        embedded.StopMode, typer.Option(help="smart waits for sessions; fast ends them.")
    ] = embedded.StopMode.FAST,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for it to exit.")] = 60,
) -> None:
    """Stop the embedded PostgreSQL (the next clientele command starts it again). Works as root:
    the postmaster is signalled, as pg_ctl would."""
    directory = _embedded_data_dir(data_dir, "stop")
    try:
        stopped = embedded.stop(directory, mode=mode, timeout_s=timeout)
    except embedded.StopFailed as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo("stopped" if stopped else "not running")


def register(db_app: typer.Typer) -> None:
    """Add `status` and `stop` to the `clientele db` group."""
    db_app.command("status")(db_status)
    db_app.command("stop")(db_stop)
