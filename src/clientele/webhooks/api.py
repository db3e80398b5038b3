"""Webhook subscriptions (admin): /api/v1/webhooks, their delivery log and replay."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response, status

from clientele.deps import Admin, UoW
from clientele.openapi import COMMON_ERRORS, Responses, problem_response
from clientele.webhooks import service
from clientele.webhooks.schemas import (
    DeliveryPageRead,
    DeliveryRead,
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookListRead,
    WebhookRead,
)

router = APIRouter(tags=["webhooks"])

NO_WEBHOOK: Responses = {404: problem_response("No webhook (or delivery) with this id.")}


@router.post(
    "/webhooks",
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe an endpoint",
    responses=COMMON_ERRORS,
)
async def create_webhook(
    body: WebhookCreate, uow: UoW, actor: Admin, response: Response
) -> WebhookCreated:
    """Deliver events of `event_types` (all when empty) committed from now on to `url`, signed
    as Standard Webhooks with the secret answered here once."""
    created = await service.create_endpoint(
        uow,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        secret=body.secret,
        actor=actor.label,
    )
    response.headers["Location"] = f"/api/v1/webhooks/{created.endpoint.id}"
    read = WebhookRead.of(created.endpoint)
    return WebhookCreated(**read.model_dump(), secret=created.secret)


@router.get("/webhooks", summary="List subscriptions", responses=COMMON_ERRORS)
async def list_webhooks(uow: UoW, actor: Admin) -> WebhookListRead:
    """Every subscription, with whether it is paused after failures and why."""
    return WebhookListRead(
        items=[WebhookRead.of(e) for e in await service.list_endpoints(uow, actor=actor.label)]
    )


@router.get(
    "/webhooks/{webhook_id}", summary="A subscription", responses={**COMMON_ERRORS, **NO_WEBHOOK}
)
async def get_webhook(webhook_id: UUID, uow: UoW, actor: Admin) -> WebhookRead:
    """One subscription."""
    return WebhookRead.of(
        await service.get_endpoint(uow, endpoint_id=webhook_id, actor=actor.label)
    )


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unsubscribe",
    responses={**COMMON_ERRORS, **NO_WEBHOOK},
)
async def delete_webhook(webhook_id: UUID, uow: UoW, actor: Admin) -> Response:
    """Nothing more is sent to it, including what is still pending."""
    await service.delete_endpoint(uow, endpoint_id=webhook_id, actor=actor.label)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/webhooks/{webhook_id}/resume",
    summary="Resume a paused subscription",
    responses={**COMMON_ERRORS, **NO_WEBHOOK},
)
async def resume_webhook(webhook_id: UUID, uow: UoW, actor: Admin) -> WebhookRead:
    """Deliver again to an endpoint paused after repeated failures; what waited goes now."""
    return WebhookRead.of(
        await service.resume_endpoint(uow, endpoint_id=webhook_id, actor=actor.label)
    )


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    summary="Delivery log",
    responses={**COMMON_ERRORS, **NO_WEBHOOK},
)
async def list_deliveries(
    webhook_id: UUID,
    uow: UoW,
    actor: Admin,
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="From `next_before`.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryPageRead:
    """The endpoint's deliveries, newest first: attempts, last answer or error, next try."""
    items = await service.list_deliveries(
        uow,
        endpoint_id=webhook_id,
        status=status_,
        before_id=before,
        limit=limit,
        actor=actor.label,
    )
    next_before = items[-1].id if len(items) == limit else None
    return DeliveryPageRead(items=[DeliveryRead.of(d) for d in items], next_before=next_before)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
    summary="Send a delivery again",
    responses={
        **COMMON_ERRORS,
        **NO_WEBHOOK,
        409: problem_response("The event is past retention."),
    },
)
async def replay_delivery(
    webhook_id: UUID,
    delivery_id: Annotated[int, Path(ge=1, le=2**62)],
    uow: UoW,
    actor: Admin,
) -> DeliveryRead:
    """Queue the delivery again now (same `webhook-id`, so receivers that saw it dedupe it),
    with a fresh retry window; used for exhausted deliveries."""
    return DeliveryRead.of(
        await service.replay_delivery(
            uow, endpoint_id=webhook_id, delivery_id=delivery_id, actor=actor.label
        )
    )
