"""The stored first answers of requests with an `Idempotency-Key` (see the package), and the
per-key lock that makes a concurrent retry wait its turn."""

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.idempotency import NOT_STORED, StoredAnswer
from clientele.tables import idempotency_keys


async def try_lock(conn: AsyncConnection, *, caller: str, key: str) -> bool:
    """Take the key's transaction-level lock without waiting; False while another request with
    this caller and key is running (on any worker)."""
    got = await conn.execute(
        text("SELECT pg_try_advisory_xact_lock(hashtextextended(:lock_key, 0))"),
        {"lock_key": f"clientele_idempotency:{caller}\x1f{key}"},
    )
    return bool(got.scalar_one())


async def find(conn: AsyncConnection, *, caller: str, key: str) -> StoredAnswer | None:
    """The stored answer for this caller and key, unless it has expired.

    Also deletes this caller's expired keys, so the table holds at most one TTL of each
    caller's keys.
    """
    await conn.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.caller == caller, idempotency_keys.c.expires_at <= func.now()
        )
    )
    row = (
        await conn.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.caller == caller, idempotency_keys.c.key == key
            )
        )
    ).first()
    if row is None:
        return None
    headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in row.response_headers
    ]
    return StoredAnswer(
        request_hash=row.request_hash,
        status_code=row.status_code,
        headers=headers,
        body=row.response_body,
    )


async def save(
    conn: AsyncConnection,
    *,
    caller: str,
    key: str,
    request_hash: bytes,
    status_code: int,
    headers: Sequence[tuple[bytes, bytes]],
    body: bytes,
    ttl: timedelta,
) -> None:
    """Store the first answer (in the request's transaction)."""
    kept = [
        [name.decode("latin-1"), value.decode("latin-1")]
        for name, value in headers
        if name.lower() not in NOT_STORED
    ]
    await conn.execute(
        insert(idempotency_keys).values(
            caller=caller,
            key=key,
            request_hash=request_hash,
            status_code=status_code,
            response_headers=kept,
            response_body=body,
            expires_at=func.now() + ttl,
        )
    )
