"""Webhook subscriptions and deliveries as the API shows them."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from clientele.webhooks.domain import Delivery, Endpoint


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="http:// or https:// URL that receives POSTs.")
    event_types: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Types to send (`customer.*` works); empty: every type.",
    )
    description: str | None = Field(None, max_length=500)
    secret: str | None = Field(
        None, max_length=200, description="`whsec_...`; omitted: one is generated."
    )


class WebhookRead(BaseModel):
    id: UUID
    url: str
    description: str | None
    event_types: list[str]
    created_by: str
    created_at: datetime
    consecutive_failures: int
    paused: bool
    paused_at: datetime | None
    pause_reason: str | None

    @classmethod
    def of(cls, endpoint: Endpoint) -> "WebhookRead":
        return cls(
            id=endpoint.id,
            url=endpoint.url,
            description=endpoint.description,
            event_types=list(endpoint.event_types),
            created_by=endpoint.created_by,
            created_at=endpoint.created_at,
            consecutive_failures=endpoint.consecutive_failures,
            paused=endpoint.paused,
            paused_at=endpoint.paused_at,
            pause_reason=endpoint.pause_reason,
        )


class WebhookCreated(WebhookRead):
    secret: str = Field(description="Verify signatures with it; shown only this once.")


class WebhookListRead(BaseModel):
    items: list[WebhookRead]


DeliveryStatus = Literal["pending", "delivered", "exhausted"]


class DeliveryRead(BaseModel):
    id: int
    endpoint_id: UUID
    event_id: int = Field(description="Sent as `webhook-id: evt_<event_id>`.")
    event_type: str | None = Field(description="None once the event is past retention.")
    customer_id: UUID
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, delivery: Delivery) -> "DeliveryRead":
        return cls.model_validate(delivery, from_attributes=True)


class DeliveryPageRead(BaseModel):
    items: list[DeliveryRead]
    next_before: int | None = Field(description="Pass as `before` for older deliveries.")
