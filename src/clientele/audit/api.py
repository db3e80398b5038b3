"""GET /api/v1/audit: the audit trail, newest first (admin)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from clientele.audit import service
from clientele.deps import Admin, UoW
from clientele.errors import InvalidValue
from clientele.openapi import COMMON_ERRORS
from clientele.pagination import decode_token, encode_token

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEventRead(BaseModel):
    id: int
    occurred_at: datetime
    actor: str = Field(description="Who: `token:NAME`, `user:NAME` or `cli:OS-USER`.")
    action: str = Field(
        description="What: the use case (`customers.block`, `duplicates.merge`, "
        "`reports.top_customers`, `tokens.revoke` ...); for an attempt refused before it "
        "started (no token, or not an admin), the operation asked for (`block_customer`)."
    )
    target: dict[str, Any] = Field(description="What it acted on: ids, names, parameters.")
    outcome: str = Field(description="success, denied, failed (refused, nothing written), error.")
    status_code: int | None = Field(
        description="The HTTP status of a refusal (401, 403, 404, 409, 422 ...); null for a "
        "success or an unexpected error."
    )
    request_id: str | None = Field(description="Matches `request_id` in the JSON logs.")


class AuditPageRead(BaseModel):
    items: list[AuditEventRead]
    next_cursor: str | None


def _encode(event_id: int) -> str:
    return encode_token(["audit", event_id])


def _decode(token: str) -> int:
    prefix, number = decode_token(token, 2)
    # An id of the bigint column, or it is not a cursor this server issued.
    if prefix != "audit" or type(number) is not int or not 0 <= number < 2**63:
        raise InvalidValue("cursor", "not a cursor this server issued")
    return number


@router.get("", summary="The audit trail of admin actions", responses=COMMON_ERRORS)
async def list_audit_events(
    uow: UoW,
    actor: Admin,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size (max 200).")] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="From `next_cursor`.")] = None,
    by: Annotated[
        str | None, Query(max_length=200, description="Only this actor, e.g. `token:ci-bot`.")
    ] = None,
) -> AuditPageRead:
    """Every admin action (blocks, activations, merges, imports, exports, report runs, token and
    user management), newest first, including refused and failed attempts."""
    before = _decode(cursor) if cursor else None
    events = await service.list_events(
        uow, actor=actor.label, limit=limit + 1, before_id=before, by=by
    )
    page = events[:limit]
    more = len(events) > limit
    return AuditPageRead(
        items=[
            AuditEventRead(
                id=e.id,
                occurred_at=e.occurred_at,
                actor=e.actor,
                action=e.action,
                target=e.target,
                outcome=e.outcome,
                status_code=e.status_code,
                request_id=e.request_id,
            )
            for e in page
        ],
        next_cursor=_encode(page[-1].id) if more and page else None,
    )
