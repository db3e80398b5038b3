"""`clientele customers block|activate`: the same use cases as the API and the web UI (and so
audited alike, as `cli:<os user>`)."""

from typing import Annotated
from uuid import UUID

import typer

from clientele.cli.common import DataDir, cli_actor, current_database, refused, run_with_uow
from clientele.errors import DomainError

app = typer.Typer()


@app.command("block")
def block(
    customer_id: UUID,
    reason: Annotated[str, typer.Option(help="Why (shown to agents).")],
    data_dir: DataDir = None,
) -> None:
    """Block a customer: no new tickets until activated again."""
    from clientele.customers import service  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.uow import UnitOfWork  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings, url = current_database(data_dir)

    async def work(uow: UnitOfWork) -> None:
        await service.block_customer(
            uow, customer_id=customer_id, reason=reason, expected_version=None, actor=cli_actor()
        )

    try:
        run_with_uow(settings, url, work)
    except DomainError as exc:
        raise refused(exc) from exc
    typer.echo(f"blocked {customer_id}")


@app.command("activate")
def activate(customer_id: UUID, data_dir: DataDir = None) -> None:
    """Make a blocked or inactive customer active again."""
    from clientele.customers import service  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.uow import UnitOfWork  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings, url = current_database(data_dir)

    async def work(uow: UnitOfWork) -> None:
        await service.activate_customer(
            uow, customer_id=customer_id, expected_version=None, actor=cli_actor()
        )

    try:
        run_with_uow(settings, url, work)
    except DomainError as exc:
        raise refused(exc) from exc
    typer.echo(f"activated {customer_id}")
