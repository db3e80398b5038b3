"""Webhook use cases: subscriptions, the delivery log, replay. Delivery itself is in worker.py."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from clientele.audit import trail
from clientele.errors import Conflict, NotFound
from clientele.uow import UnitOfWork
from clientele.webhooks import repository
from clientele.webhooks.domain import (
    Delivery,
    Endpoint,
    check_description,
    check_event_types,
    check_secret,
    check_url,
)


class EventGone(Conflict):
    slug = "event-gone"
    title = "The event is no longer kept"


@dataclass(frozen=True, slots=True)
class CreatedEndpoint:
    endpoint: Endpoint
    secret: str


async def create_endpoint(
    uow: UnitOfWork,
    *,
    url: str,
    event_types: Sequence[str],
    description: str | None,
    secret: str | None,
    actor: str,
) -> CreatedEndpoint:
    """Subscribe `url` to `event_types` (none: every type), from the next event on. The secret
    is generated unless given. Raises InvalidValue."""
    async with (
        trail.attempt(uow, actor=actor, action="webhooks.create") as attempt,
        uow,
    ):
        checked_url = check_url(url)
        types = check_event_types(event_types)
        checked_description = check_description(description)
        checked_secret = check_secret(secret)
        endpoint = await repository.add_endpoint(
            uow.connection,
            url=checked_url,
            description=checked_description,
            event_types=types,
            secret=checked_secret,
            created_by=actor,
        )
        await attempt.succeeded(webhook_id=str(endpoint.id))
        await uow.commit()
    return CreatedEndpoint(endpoint=endpoint, secret=checked_secret)


async def list_endpoints(uow: UnitOfWork, *, actor: str) -> list[Endpoint]:
    """Every subscription (an audited admin read)."""
    async with trail.admin_read(uow, actor=actor, action="webhooks.list"), uow:
        return await repository.list_endpoints(uow.connection)


async def get_endpoint(uow: UnitOfWork, *, endpoint_id: UUID, actor: str) -> Endpoint:
    """One subscription (an audited admin read). Raises NotFound."""
    target = {"webhook_id": str(endpoint_id)}
    async with trail.admin_read(uow, actor=actor, action="webhooks.get", target=target):
        async with uow:
            endpoint = await repository.get_endpoint(uow.connection, endpoint_id)
        if endpoint is None:
            raise NotFound(f"no webhook with id {endpoint_id}")
    return endpoint


async def delete_endpoint(uow: UnitOfWork, *, endpoint_id: UUID, actor: str) -> None:
    """Unsubscribe; nothing more is delivered to it (audited). Raises NotFound."""
    target = {"webhook_id": str(endpoint_id)}
    async with (
        trail.attempt(uow, actor=actor, action="webhooks.delete", target=target) as attempt,
        uow,
    ):
        if not await repository.delete_endpoint(uow.connection, endpoint_id):
            raise NotFound(f"no webhook with id {endpoint_id}")
        await attempt.succeeded()
        await uow.commit()


async def resume_endpoint(uow: UnitOfWork, *, endpoint_id: UUID, actor: str) -> Endpoint:
    """Deliver again to an endpoint paused after failures (its waiting deliveries go now;
    audited). Raises NotFound."""
    target = {"webhook_id": str(endpoint_id)}
    async with (
        trail.attempt(uow, actor=actor, action="webhooks.resume", target=target) as attempt,
        uow,
    ):
        conn = uow.connection
        if not await repository.resume_endpoint(conn, endpoint_id):
            raise NotFound(f"no webhook with id {endpoint_id}")
        endpoint = await repository.get_endpoint(conn, endpoint_id)
        await attempt.succeeded()
        await uow.commit()
    assert endpoint is not None
    return endpoint


async def list_deliveries(
    uow: UnitOfWork,
    *,
    endpoint_id: UUID,
    status: str | None,
    before_id: int | None,
    limit: int,
    actor: str,
) -> list[Delivery]:
    """An endpoint's delivery log, newest first (an audited admin read). Raises NotFound."""
    target = {"webhook_id": str(endpoint_id)}
    async with (
        trail.admin_read(uow, actor=actor, action="webhooks.deliveries", target=target),
        uow,
    ):
        conn = uow.connection
        if await repository.get_endpoint(conn, endpoint_id) is None:
            raise NotFound(f"no webhook with id {endpoint_id}")
        return await repository.list_deliveries(
            conn, endpoint_id, status=status, before_id=before_id, limit=limit
        )


async def replay_delivery(
    uow: UnitOfWork, *, endpoint_id: UUID, delivery_id: int, actor: str
) -> Delivery:
    """Send a delivery again as soon as a worker can (delivered, exhausted or pending alike; it
    gets a fresh 3-day retry window; audited). Raises NotFound, EventGone (retention removed
    it)."""
    target = {"webhook_id": str(endpoint_id), "delivery_id": delivery_id}
    async with (
        trail.attempt(uow, actor=actor, action="webhooks.replay", target=target) as attempt,
        uow,
    ):
        conn = uow.connection
        if await repository.get_endpoint(conn, endpoint_id) is None:
            raise NotFound(f"no webhook with id {endpoint_id}")
        delivery, replayed = await repository.replay_delivery(conn, endpoint_id, delivery_id)
        if delivery is None:
            raise NotFound(f"webhook {endpoint_id} has no delivery {delivery_id}")
        if not replayed:
            raise EventGone(f"event {delivery.event_id} is older than the retention period")
        await attempt.succeeded()
        await uow.commit()
    return delivery
