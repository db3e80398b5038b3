"""Retention: old events go in batches, except those a pending webhook delivery still needs."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from clientele.events import service
from tests.events.test_triggers import insert_customer


async def test_prune_deletes_old_events_but_keeps_what_a_pending_delivery_needs(
    connection, uow_factory
):
    await connection.execute(text("DELETE FROM webhook_deliveries"))
    first = await insert_customer(connection)
    second = await insert_customer(connection)
    await connection.execute(
        text(
            "INSERT INTO webhook_endpoints (url, secret, created_by)"
            " VALUES ('http://127.0.0.1:9/hook', 'whsec_QUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJD', 't')"
        )
    )
    await connection.execute(text("SELECT clientele_events_sequence(100000)"))
    await connection.execute(
        text("UPDATE webhook_deliveries SET status = 'delivered' WHERE customer_id = :first"),
        {"first": first},
    )
    later = datetime.now(UTC) + timedelta(days=30)
    report = await service.prune(uow_factory, retention=timedelta(days=7), batch=2, now=later)
    left = (
        (await connection.execute(text("SELECT customer_id::text FROM change_events")))
        .scalars()
        .all()
    )
    assert first not in left  # delivered: gone
    assert second in left  # its delivery is still pending
    assert report.events >= 1
    assert report.deliveries >= 1
    remaining = (
        (await connection.execute(text("SELECT status FROM webhook_deliveries"))).scalars().all()
    )
    assert set(remaining) == {"pending"}
