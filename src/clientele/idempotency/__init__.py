"""Idempotency-Key on POSTs: a retry gets the first answer and changes nothing.

The first successful (2xx) answer to a POST with an `Idempotency-Key` is stored per caller and
key, **in the same transaction as the request's own writes** (see `clientele.transactions`), so
either both the writes and the answer are durable or neither is. A retry with the same key and
the same request gets that answer again (`Idempotent-Replayed: true`); the same key with a
different request is a 422; a retry while the first is still running is a 409 (`Retry-After`).
Answers that are not 2xx are not stored: nothing was written, so running the request again is
safe, and a client can correct a refused request and retry with the same key.
"""

import hashlib
import json
import re
from dataclasses import dataclass

HEADER = "Idempotency-Key"
REPLAYED_HEADER = b"idempotent-replayed"
# Visible ASCII only, 1-255 characters: a UUID, a ULID, or any client-made token.
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# Headers a replay must not repeat: they describe the connection or another layer, not the
# stored answer (the request id and security headers are added again by outer middleware).
NOT_STORED = {b"set-cookie", b"date", b"server", b"x-request-id"}


def valid_key(value: str) -> bool:
    """True for a key this server accepts."""
    return bool(_VALID_KEY.match(value))


def fingerprint(method: str, path: str, query: bytes, content_type: str, body: bytes) -> bytes:
    """What makes two requests "the same": method, path, query and body (JSON compared as data,
    so key order and whitespace do not matter)."""
    canonical = body
    if content_type.split(";")[0].strip().lower() in ("application/json", ""):
        try:
            canonical = json.dumps(
                json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
        except (ValueError, UnicodeDecodeError):
            canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The first answer to a request with a key (repository.py stores and finds it)."""

    request_hash: bytes
    status_code: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def replay_headers(answer: StoredAnswer) -> list[tuple[bytes, bytes]]:
    """The stored headers plus `Idempotent-Replayed: true`."""
    return [*answer.headers, (REPLAYED_HEADER, b"true")]
