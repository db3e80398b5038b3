"""`clientele db ...`: schema revisions (Alembic); `db status` and `db stop` come from ops."""

import typer

from clientele.cli.common import DataDir, database, err
from clientele.ops.cli import register as register_server_commands

app = typer.Typer(help="Schema revisions (Alembic).", no_args_is_help=True)
register_server_commands(app)  # db status, db stop (the embedded server)


@app.command("upgrade")
def db_upgrade(revision: str = "head", data_dir: DataDir = None) -> None:
    """Apply schema revisions up to REVISION (default: the newest)."""
    from clientele import schema  # noqa: PLC0415 - heavy: loaded when run, not for --help

    _, url = database(data_dir)
    schema.upgrade(url, revision)
    err.print(f"schema at {schema.current_revision(url)}")


@app.command("downgrade")
def db_downgrade(revision: str, data_dir: DataDir = None) -> None:
    """Revert schema revisions down to REVISION (`base` removes everything)."""
    from clientele import schema  # noqa: PLC0415 - heavy: loaded when run, not for --help

    _, url = database(data_dir)
    schema.downgrade(url, revision)
    err.print(f"schema at {schema.current_revision(url)}")


@app.command("current")
def db_current(data_dir: DataDir = None) -> None:
    """Print the database's revision and whether it is this release's newest."""
    from clientele import schema  # noqa: PLC0415 - heavy: loaded when run, not for --help

    _, url = database(data_dir)
    current = schema.current_revision(url)
    head = schema.head_revision()
    typer.echo(f"{current or 'empty'} ({'current' if current == head else f'newest is {head}'})")
