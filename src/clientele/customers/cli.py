"""`clientele customers block|activate`: the same use cases as the API and the web UI (and so
audited alike, as `cli:<os user>`)."""

from typing import Annotated
from uuid import UUID

import typer

from clientele.auth.domain import Actor

# One runner for a use case against the configured database (a refusal exits 1 with why);
# borrowed until the command line becomes a package with its own.
from clientele.privacy.cli import Context, DataDir, _run

app = typer.Typer()


def _actor() -> Actor:
    from clientele import cli  # late: cli.py imports this module

    return cli._cli_actor()


@app.command("block")
def block(
    customer_id: UUID,
    reason: Annotated[str, typer.Option(help="Why (shown to agents).")],
    data_dir: DataDir = None,
) -> None:
    """Block a customer: no new tickets until activated again."""
    from clientele.customers import service

    async def work(ctx: Context) -> None:
        await service.block_customer(
            ctx.uow, customer_id=customer_id, reason=reason, expected_version=None, actor=_actor()
        )

    _run(data_dir, work)
    typer.echo(f"blocked {customer_id}")


@app.command("activate")
def activate(customer_id: UUID, data_dir: DataDir = None) -> None:
    """Make a blocked or inactive customer active again."""
    from clientele.customers import service

    async def work(ctx: Context) -> None:
        await service.activate_customer(
            ctx.uow, customer_id=customer_id, expected_version=None, actor=_actor()
        )

    _run(data_dir, work)
    typer.echo(f"activated {customer_id}")
