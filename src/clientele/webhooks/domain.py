"""Webhook subscriptions and deliveries: the rules, free of the web and the database.

Deliveries are signed as Standard Webhooks (`webhook-id`, `webhook-timestamp`,
`webhook-signature`: HMAC-SHA256 over "id.timestamp.body" with the endpoint's secret).
"""

import base64
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from standardwebhooks import Webhook

from clientele.errors import InvalidValue
from clientele.events.domain import Event, message_id, parse_types

MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 500
# One step of the back-off never waits longer than this (the 3-day limit is separate).
MAX_RETRY_STEP = timedelta(hours=6)
# Stored with a delivery; a receiver's answer beyond this is cut.
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A subscription: POST these event types (none: all) to `url`."""

    id: UUID
    url: str
    description: str | None
    event_types: tuple[str, ...]
    created_by: str
    created_at: datetime
    consecutive_failures: int
    paused_at: datetime | None
    pause_reason: str | None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one endpoint, and how its delivery went so far."""

    id: int
    endpoint_id: UUID
    event_id: int
    event_type: str | None  # None once retention removed the event
    customer_id: UUID
    status: str  # pending, delivered, exhausted
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks format (`whsec_` + base64)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def check_url(url: str) -> str:
    """The endpoint's URL, stripped. Raises InvalidValue (field `url`)."""
    url = url.strip()
    if "\x00" in url or any(c.isspace() for c in url):
        raise InvalidValue("url", "url must not contain spaces or NUL characters")
    if not url or len(url) > MAX_URL_LENGTH:
        raise InvalidValue("url", f"url must be 1 to {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        raise InvalidValue("url", "url must be an absolute http:// or https:// URL")
    return url


def check_secret(secret: str | None) -> str:
    """The given secret (Standard Webhooks: `whsec_` + base64 of 24 to 64 bytes), or a new
    one. Raises InvalidValue (field `secret`)."""
    if secret is None:
        return new_secret()
    try:
        raw = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        raw = b""
    if not secret.startswith("whsec_") or not 24 <= len(raw) <= 64:
        raise InvalidValue("secret", "secret must be whsec_ followed by base64 of 24 to 64 bytes")
    return secret


def check_event_types(values: Sequence[str]) -> tuple[str, ...]:
    """Subscribed types (`customer.*` allowed; none: all). Raises InvalidValue."""
    try:
        return parse_types(values)
    except InvalidValue as exc:
        raise InvalidValue("event_types", exc.detail) from exc


def check_description(value: str | None) -> str | None:
    """Raises InvalidValue (field `description`) when too long."""
    if value is not None and len(value) > MAX_DESCRIPTION_LENGTH:
        raise InvalidValue("description", f"at most {MAX_DESCRIPTION_LENGTH} characters")
    if value is not None and "\x00" in value:
        raise InvalidValue("description", "description contains a NUL character")
    return value


def next_attempt(
    *, attempts: int, now: datetime, due_since: datetime, base: timedelta, give_up_after: timedelta
) -> datetime | None:
    """When to try again after `attempts` failed tries (exponential: base, 2 base, 4 base, ...
    capped per step), or None once the delivery has been due longer than `give_up_after`
    (exhausted)."""
    if now - due_since >= give_up_after:
        return None
    step: timedelta = base * int(2 ** min(max(attempts - 1, 0), 30))
    return now + min(step, MAX_RETRY_STEP)


@dataclass(frozen=True, slots=True)
class SignedRequest:
    body: bytes
    headers: Mapping[str, str]


def envelope(event: Event) -> dict[str, Any]:
    """The body of a delivery (Standard Webhooks' shape: type, timestamp, data)."""
    return {"type": event.type, "timestamp": event.occurred_at.isoformat(), "data": event.to_json()}


def signed_request(*, secret: str, event: Event, now: datetime) -> SignedRequest:
    """The request for one delivery attempt, signed for `now` (each retry is signed anew, so a
    receiver's timestamp tolerance holds)."""
    body = json.dumps(envelope(event), separators=(",", ":")).encode()
    msg_id = message_id(event.id)
    signature = Webhook(secret).sign(msg_id=msg_id, timestamp=now, data=body)
    return SignedRequest(
        body=body,
        headers={
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
            "user-agent": "clientele-webhooks",
        },
    )
