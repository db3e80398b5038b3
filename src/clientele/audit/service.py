"""Reading the audit trail: itself an admin read, so itself audited."""

from collections.abc import Sequence

from clientele.audit import repository, trail
from clientele.uow import UnitOfWork


async def list_events(
    uow: UnitOfWork, *, actor: str, limit: int, before_id: int | None, by: str | None
) -> Sequence[repository.AuditEvent]:
    """Up to `limit` events older than `before_id` (only `by`'s when given), newest first."""
    target = {"by": by} if by is not None else {}
    async with trail.admin_read(uow, actor=actor, action="audit.read", target=target), uow:
        return await repository.list_events(
            uow.connection, limit=limit, before_id=before_id, actor=by
        )
