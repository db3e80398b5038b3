"""`clientele tokens ...` (API tokens) and `clientele users ...` (web UI logins)."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from clientele.auth.domain import Role
from clientele.cli.common import DataDir, cli_actor, current_database, err, refused, run_with_uow
from clientele.errors import DomainError

tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
users_app = typer.Typer(help="Web UI users (people who log in with a password).")


@tokens_app.command("create")
def tokens_create(
    name: str,
    role: Annotated[Role, typer.Option(help="viewer, agent or admin.")] = Role.VIEWER,
    expires_in_days: Annotated[int | None, typer.Option(min=1)] = None,
    data_dir: DataDir = None,
) -> None:
    """Issue an API token. It is printed once, alone on the last line; only its hash is kept."""
    from clientele.auth.service import create_token  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings, url = current_database(data_dir)
    expires = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    token = run_with_uow(
        settings,
        url,
        lambda uow: create_token(uow, name=name, role=role, expires_at=expires),
    )
    err.print(f"token for [bold]{name}[/bold] ({role.value}); store it now, it is not shown again")
    typer.echo(token)


@tokens_app.command("list")
def tokens_list(data_dir: DataDir = None) -> None:
    """List API tokens: id, name, role, state (live, expired, revoked) and dates. Secrets are
    never stored, so never shown."""
    from clientele.auth.service import list_tokens  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings, url = current_database(data_dir)
    tokens = run_with_uow(settings, url, list_tokens)
    now = datetime.now(UTC)
    table = Table("id", "name", "role", "state", "created", "expires", "revoked")
    for token in tokens:
        table.add_row(
            str(token.id),
            token.name,
            token.role.value,
            token.state(now),
            f"{token.created_at:%Y-%m-%d %H:%M}",
            f"{token.expires_at:%Y-%m-%d %H:%M}" if token.expires_at else "never",
            f"{token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "",
        )
    Console(width=160).print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    name_or_id: Annotated[str, typer.Argument(metavar="NAME|ID")], data_dir: DataDir = None
) -> None:
    """Revoke a token by id, or every live token with this name. Running servers stop
    accepting it within 30 seconds (they cache token checks that long). Audited."""
    from clientele.auth.service import revoke_token  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings, url = current_database(data_dir)
    actor = cli_actor().label
    try:
        revoked = run_with_uow(
            settings, url, lambda uow: revoke_token(uow, name_or_id=name_or_id, actor=actor)
        )
    except DomainError as exc:
        raise refused(exc) from None
    for token in revoked:
        typer.echo(f"revoked {token.id} ({token.name}, {token.role.value})")


@users_app.command("create")
def users_create(
    name: str,
    role: Annotated[Role, typer.Option(help="viewer, agent or admin.")] = Role.VIEWER,
    data_dir: DataDir = None,
) -> None:
    """Create a web UI user. A generated password is printed once, alone on the last line."""
    from clientele.auth.users import create_user  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings, url = current_database(data_dir)
    try:
        user, password = run_with_uow(
            settings, url, lambda uow: create_user(uow, username=name, role=role)
        )
    except DomainError as exc:
        raise refused(exc) from None
    err.print(
        f"user [bold]{user.username}[/bold] ({role.value}); store the password now, "
        "it is not shown again"
    )
    typer.echo(password)
