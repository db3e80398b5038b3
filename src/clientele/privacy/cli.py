"""`clientele privacy ...`: erase, export, legal holds and the access log's retention, for
operators answering a data principal's request outside the API."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from uuid import UUID

import typer
from rich.console import Console

from clientele.cli.common import DataDir, cli_actor, current_database
from clientele.config import Settings
from clientele.errors import DomainError

if TYPE_CHECKING:
    from clientele.privacy.access import AccessLog
    from clientele.uow import UnitOfWork

app = typer.Typer(
    help="Personal data (DPDP Act 2023): erase, export, legal holds, access-log retention.",
    no_args_is_help=True,
)
err = Console(stderr=True)
T = TypeVar("T")


@dataclass(frozen=True)
class Context:
    """What a command's work gets: settings, a unit of work, who runs it, its access log."""

    settings: Settings
    uow: "UnitOfWork"
    actor: str
    log: "AccessLog"


def _run(data_dir: Path | None, work: Callable[[Context], Awaitable[T]]) -> T:
    """Run one use case against the configured database; a refused one exits 1 with why.
    Reads the work logs through `Context.log` are written before the command ends."""
    from clientele.db import create_engine  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.privacy.access import AccessLog  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.uow import EngineUnitOfWork  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings, url = current_database(data_dir)
    actor = cli_actor().label

    async def go() -> T:
        engine = create_engine(url, settings)
        log = AccessLog(engine, flush_interval_s=0, batch_size=1_000_000)
        try:
            result = await work(Context(settings, EngineUnitOfWork(engine), actor, log))
            await log.flush()
            return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except DomainError as exc:
        err.print(f"[red]refused:[/red] {exc.detail}")
        for reason in exc.extra.get("reasons", []):
            err.print(f"  - {reason}")
        raise typer.Exit(1) from exc


def _print(document: Any) -> None:
    from fastapi.encoders import jsonable_encoder  # noqa: PLC0415 - heavy: loaded when run, not for --help

    typer.echo(json.dumps(jsonable_encoder(document), indent=2, ensure_ascii=False))


@app.command("erase")
def erase(
    subject_id: Annotated[UUID, typer.Argument(help="The customer's id (or the contact's).")],
    reason: Annotated[str, typer.Option(help="Why (e.g. the person's erasure request).")],
    request_ref: Annotated[str, typer.Option(help="Your reference of the request.")],
    contact: Annotated[bool, typer.Option(help="SUBJECT_ID is a contact person.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Overwrite an individual's (or a contact person's) personal data everywhere the database
    holds it; prints what was overwritten. Refused under a legal hold (listed)."""
    from clientele.privacy import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    async def work(ctx: Context) -> service.Erasure:
        if contact:
            return await service.erase_contact(
                ctx.uow, contact_id=subject_id, reason=reason, request_ref=request_ref,
                actor=ctx.actor,
            )  # fmt: skip
        return await service.erase_customer(
            ctx.uow,
            customer_id=subject_id,
            reason=reason,
            request_ref=request_ref,
            actor=ctx.actor,
            retention_days=ctx.settings.privacy_retention_days,
        )

    _print(_run(data_dir, work))


@app.command("export")
def export(
    customer_id: UUID,
    out: Annotated[Path | None, typer.Option(help="Write the JSON here (default: stdout).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Everything held about a person, as one JSON document (the read is access-logged)."""
    from fastapi.encoders import jsonable_encoder  # noqa: PLC0415 - heavy: loaded when run, not for --help

    from clientele.privacy import service  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.privacy.access import Reader  # noqa: PLC0415 - heavy: loaded when run, not for --help

    async def work(ctx: Context) -> dict[str, Any]:
        reader = Reader(ctx.log, ctx.actor, "local")
        return await service.personal_data(
            ctx.uow, customer_id=customer_id, actor=ctx.actor, reader=reader
        )

    document = _run(data_dir, work)
    if out is None:
        _print(document)
        return
    out.write_text(json.dumps(jsonable_encoder(document), indent=2, ensure_ascii=False))
    err.print(f"wrote {out}")


@app.command("hold")
def hold(
    customer_id: UUID,
    reason: Annotated[str, typer.Option(help="Why the data must be kept (a dispute, an order).")],
    data_dir: DataDir = None,
) -> None:
    """Place an explicit legal hold: erasure is refused until it is released."""
    from clientele.privacy import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    async def work(ctx: Context) -> None:
        await service.place_hold(ctx.uow, customer_id=customer_id, reason=reason, actor=ctx.actor)

    _run(data_dir, work)
    err.print(f"hold placed on {customer_id}")


@app.command("release")
def release(customer_id: UUID, data_dir: DataDir = None) -> None:
    """Lift the explicit legal hold."""
    from clientele.privacy import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    async def work(ctx: Context) -> bool:
        return await service.release_hold(ctx.uow, customer_id=customer_id, actor=ctx.actor)

    released = _run(data_dir, work)
    err.print("hold released" if released else "there was no hold")


@app.command("prune-access-log")
def prune_access_log(
    days: Annotated[
        int | None,
        typer.Option(
            help="Keep this many days (>= 365; default CLIENTELE_ACCESS_LOG_RETENTION_DAYS)."
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Delete access-log entries older than the retention (run daily, e.g. from cron)."""
    from clientele.privacy import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    async def work(ctx: Context) -> int:
        keep = ctx.settings.access_log_retention_days if days is None else days
        return await service.prune_access_log(ctx.uow, retention_days=keep)

    removed = _run(data_dir, work)
    err.print(f"removed {removed} access-log entries")
