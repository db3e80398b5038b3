"""`clientele webhooks ...` (subscriptions, delivery log, replay) and `clientele worker`."""

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar
from uuid import UUID

import typer

from clientele.cli.common import run_with_uow
from clientele.config import Settings, load_settings
from clientele.errors import DomainError

if TYPE_CHECKING:
    from clientele.uow import UnitOfWork

app = typer.Typer(help="Webhook subscriptions (docs/events.md).", no_args_is_help=True)
worker_app = typer.Typer(help="Deliver webhooks (run any number of these).")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="The embedded PostgreSQL's data.", envvar="CLIENTELE_DATA_DIR"),
]

T = TypeVar("T")


def _run(data_dir: Path | None, action: "Callable[[UnitOfWork], Awaitable[T]]") -> T:
    """Run one use case on its own engine; a refused one exits 1 with its message."""
    from clientele.db import resolve_database_url  # noqa: PLC0415 - heavy: loaded when run, not for --help

    settings = load_settings(data_dir=data_dir)
    url = resolve_database_url(settings)

    try:
        return run_with_uow(settings, url, action)
    except DomainError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from exc


@app.command("add")
def add(
    url: str,
    types: Annotated[
        list[str] | None, typer.Option("--type", help="Event type or `customer.*` (repeatable).")
    ] = None,
    description: Annotated[str | None, typer.Option()] = None,
    data_dir: DataDir = None,
) -> None:
    """Subscribe URL; prints its id, then its secret (shown only now) on the last line."""
    from clientele.audit.repository import local_operator  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.webhooks import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    created = _run(
        data_dir,
        lambda uow: service.create_endpoint(
            uow,
            url=url,
            event_types=types or [],
            description=description,
            secret=None,
            actor=local_operator(),
        ),
    )
    typer.echo(f"webhook {created.endpoint.id} -> {created.endpoint.url}")
    typer.echo(created.secret)


@app.command("list")
def list_(data_dir: DataDir = None) -> None:
    """Every subscription: id, state, failures in a row, types, URL."""
    from clientele.audit.repository import local_operator  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.webhooks import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    for e in _run(data_dir, lambda uow: service.list_endpoints(uow, actor=local_operator())):
        state = f"paused ({e.pause_reason})" if e.paused else "active"
        types = ",".join(e.event_types) or "*"
        typer.echo(f"{e.id}  {state}  failures={e.consecutive_failures}  {types}  {e.url}")


@app.command("remove")
def remove(webhook_id: UUID, data_dir: DataDir = None) -> None:
    """Unsubscribe (nothing more is sent, pending deliveries included)."""
    from clientele.audit.repository import local_operator  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.webhooks import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    _run(
        data_dir,
        lambda uow: service.delete_endpoint(uow, endpoint_id=webhook_id, actor=local_operator()),
    )
    typer.echo(f"removed {webhook_id}")


@app.command("resume")
def resume(webhook_id: UUID, data_dir: DataDir = None) -> None:
    """Deliver again to an endpoint paused after repeated failures."""
    from clientele.audit.repository import local_operator  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.webhooks import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    _run(
        data_dir,
        lambda uow: service.resume_endpoint(uow, endpoint_id=webhook_id, actor=local_operator()),
    )
    typer.echo(f"resumed {webhook_id}")


@app.command("deliveries")
def deliveries(
    webhook_id: UUID,
    status: Annotated[str | None, typer.Option(help="pending, delivered or exhausted")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    data_dir: DataDir = None,
) -> None:
    """The delivery log, newest first."""
    from clientele.audit.repository import local_operator  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.webhooks import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    items = _run(
        data_dir,
        lambda uow: service.list_deliveries(
            uow,
            endpoint_id=webhook_id,
            status=status,
            before_id=None,
            limit=limit,
            actor=local_operator(),
        ),
    )
    for d in items:
        answer = d.last_error or (d.last_status_code or "")
        typer.echo(
            f"{d.id}  evt_{d.event_id}  {d.event_type or '-'}  {d.status}  attempts={d.attempts}"
            f"  next={d.next_attempt_at:%Y-%m-%d %H:%M:%S}  {answer}"
        )


@app.command("replay")
def replay(webhook_id: UUID, delivery_id: int, data_dir: DataDir = None) -> None:
    """Send a delivery again (e.g. an exhausted one)."""
    from clientele.audit.repository import local_operator  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.webhooks import service  # noqa: PLC0415 - heavy: loaded when run, not for --help

    _run(
        data_dir,
        lambda uow: service.replay_delivery(
            uow, endpoint_id=webhook_id, delivery_id=delivery_id, actor=local_operator()
        ),
    )
    typer.echo(f"delivery {delivery_id} queued again")


@worker_app.callback(invoke_without_command=True)
def run_worker(
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Parallel requests (CLIENTELE_WORKER_CONCURRENCY).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Sequence the feed, deliver webhooks (in order per customer, retried with back-off),
    prune old events hourly; until SIGINT or SIGTERM. Run as many as you like."""
    from clientele.db import resolve_database_url  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.observability import configure_logging  # noqa: PLC0415 - heavy: loaded when run, not for --help
    from clientele.webhooks import worker  # noqa: PLC0415 - heavy: loaded when run, not for --help

    configure_logging()
    settings: Settings = load_settings(data_dir=data_dir)
    if concurrency is not None:
        settings = dataclasses.replace(settings, worker_concurrency=concurrency)
    url = resolve_database_url(settings)
    worker.run_forever(url, settings)
