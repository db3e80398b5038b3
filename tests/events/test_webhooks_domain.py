"""Webhook rules without a database: URLs, secrets, the back-off schedule, signatures."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from clientele.errors import InvalidValue
from clientele.events.domain import Event, expand_types, parse_cursor, parse_types
from clientele.webhooks.domain import (
    MAX_RETRY_STEP,
    check_secret,
    check_url,
    new_secret,
    next_attempt,
    signed_request,
)

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "url", ["ftp://x.test/", "http:///nohost", "http://a:99999/", "http://[::1/", "x y", "", "\x00"]
)
def test_only_absolute_http_urls_are_endpoints(url):
    with pytest.raises(InvalidValue):
        check_url(url)


def test_generated_secrets_are_standard_webhooks_secrets():
    secret = new_secret()
    assert check_secret(secret) == secret
    with pytest.raises(InvalidValue):
        check_secret("whsec_short")


def test_retries_double_from_the_base_and_stop_after_the_limit():
    base, limit = timedelta(seconds=5), timedelta(days=3)
    waits = [
        next_attempt(attempts=n, now=NOW, due_since=NOW, base=base, give_up_after=limit) - NOW
        for n in (1, 2, 3, 4)
    ]
    assert waits == [timedelta(seconds=s) for s in (5, 10, 20, 40)]
    late = next_attempt(attempts=40, now=NOW, due_since=NOW, base=base, give_up_after=limit)
    assert late - NOW == MAX_RETRY_STEP
    assert (
        next_attempt(attempts=3, now=NOW, due_since=NOW - limit, base=base, give_up_after=limit)
        is None
    )


def test_a_delivery_is_signed_so_that_standard_webhooks_verifies_it():
    event = Event(
        id=42,
        position=7,
        type="customer.blocked",
        occurred_at=NOW,
        customer_id=uuid.uuid4(),
        sequence=3,
        entity_type="customer",
        entity_id=uuid.uuid4(),
        source="api",
        data={"changes": {"status": {"old": "active", "new": "blocked"}}},
    )
    secret = new_secret()
    now = datetime.now(UTC)
    request = signed_request(secret=secret, event=event, now=now)
    body = Webhook(secret).verify(request.body, dict(request.headers))
    assert request.headers["webhook-id"] == "evt_42"
    assert body["data"]["changes"]["status"]["new"] == "blocked"
    assert json.loads(request.body)["type"] == "customer.blocked"
    with pytest.raises(Exception, match="signature"):
        Webhook(new_secret()).verify(request.body, dict(request.headers))


def test_type_filters_accept_wildcards_and_refuse_unknown_types():
    assert parse_types(["customer.merged,contact.*"]) == ("customer.merged", "contact.*")
    assert expand_types(["contact.*"]) == ("contact.created", "contact.updated", "contact.deleted")
    with pytest.raises(InvalidValue):
        parse_types(["customer.exploded"])
    with pytest.raises(InvalidValue):
        parse_cursor("12a")
    assert parse_cursor(None) == 0
