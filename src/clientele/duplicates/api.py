"""Duplicates routes: the queue (`/duplicates`), merges (`/customers/{id}/merge`, `/merges`)."""

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from clientele.deps import Admin, UoW, Viewer
from clientele.duplicates import merging, service
from clientele.duplicates.merge_repository import MergeRecord
from clientele.duplicates.schemas import (
    CustomerBrief,
    DuplicateItemRead,
    DuplicatePage,
    FilledFieldRead,
    MergePreviewRead,
    MergeRead,
    MergeRequest,
    PairRead,
)
from clientele.openapi import COMMON_ERRORS, problem_response

router = APIRouter(tags=["duplicates"])


def merge_read(found: MergeRecord) -> MergeRead:
    """The API shape of a stored merge."""
    return MergeRead(
        id=found.id,
        survivor_id=found.survivor_id,
        duplicate_ids=found.duplicate_ids,
        status="undone" if found.status == "undone" else "applied",
        filled_fields=[
            FilledFieldRead(field=name, value=v["value"], from_customer_id=v["from_customer_id"])
            for name, v in found.filled_fields.items()
        ],
        moved_rows=found.moves,
        merged_by=found.merged_by,
        merged_at=found.merged_at,
        undone_by=found.undone_by,
        undone_at=found.undone_at,
    )


def item_read(item: service.QueueItem) -> DuplicateItemRead:
    """The API shape of one queue item."""
    row = item.row
    return DuplicateItemRead(
        id=item.public_id,
        kind="scan" if row.kind == "scan" else "legacy_review",
        status=row.status,
        probability=row.probability,
        customers=[CustomerBrief.of(c) for c in item.customers],
        pairs=[PairRead.model_validate(p) for p in row.pairs],
        review_kind=row.review_kind,
        summary=row.summary,
        created_at=row.created_at,
    )


@router.get("/duplicates", summary="Suspected duplicates", responses=COMMON_ERRORS)
async def list_duplicates(
    uow: UoW,
    actor: Viewer,
    status: Literal["open", "dismissed", "merged"] = "open",
    include_legacy: Annotated[
        bool, Query(description="Also list the legacy migration's review items.")
    ] = True,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> DuplicatePage:
    """Scan groups, most likely first, each with its customers side by side and every pair's
    score and reasons; then the legacy migration's review items (`kind = legacy_review`)."""
    page = await service.list_queue(
        uow, status=status, include_legacy=include_legacy, cursor=cursor, limit=limit
    )
    return DuplicatePage(items=[item_read(i) for i in page.items], next_cursor=page.next_cursor)


@router.post(
    "/duplicates/{item_id}/dismiss",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Not a duplicate",
    responses={
        **COMMON_ERRORS,
        404: problem_response("No such group or review item."),
        409: problem_response("Already dismissed or merged."),
    },
)
async def dismiss_duplicate(item_id: str, uow: UoW, actor: Admin) -> Response:
    """Dismiss a group (`group-N`: its pairs stay dismissed through rescans) or a legacy
    review item (`review-N`)."""
    await service.dismiss(uow, item_id=item_id, actor=actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/customers/{customer_id}/merge",
    summary="Merge duplicates into this customer",
    responses={
        **COMMON_ERRORS,
        200: {"model": MergePreviewRead, "description": "`dry_run=true`: the preview."},
        404: problem_response("A customer does not exist."),
        409: problem_response("The survivor is blocked or merged, or a duplicate is merged."),
    },
    status_code=status.HTTP_201_CREATED,
    response_model=MergeRead | MergePreviewRead,
)
async def merge_customers(
    customer_id: UUID,
    body: MergeRequest,
    uow: UoW,
    actor: Admin,
    response: Response,
    dry_run: Annotated[bool, Query(description="Only show what would happen.")] = False,
) -> MergeRead | MergePreviewRead:
    """Move the duplicates' tickets, equipment, contacts and legacy ids to this customer and
    fill its empty fields from them, in one transaction; the duplicates keep their rows with
    `merged_into_id`. Answers 201 with the merge (its `id` undoes it) and `Location`."""
    plan = await merging.merge(
        uow,
        survivor_id=customer_id,
        duplicate_ids=body.duplicate_ids,
        actor=actor,
        dry_run=dry_run,
    )
    filled = [
        FilledFieldRead(field=f.field, value=f.value, from_customer_id=f.from_customer_id)
        for f in plan.filled
    ]
    if plan.merge_id is None:
        response.status_code = status.HTTP_200_OK
        return MergePreviewRead(
            survivor_id=plan.survivor_id,
            duplicate_ids=plan.duplicate_ids,
            filled_fields=filled,
            skipped=plan.skipped,
            rows_to_move=plan.rows_to_move,
        )
    response.headers["Location"] = f"/api/v1/merges/{plan.merge_id}"
    return merge_read(await merging.get_merge(uow, merge_id=plan.merge_id))


@router.get(
    "/merges/{merge_id}",
    summary="A merge",
    responses={**COMMON_ERRORS, 404: problem_response("No such merge.")},
)
async def get_merge(merge_id: UUID, uow: UoW, actor: Viewer) -> MergeRead:
    """What a merge filled and moved, and whether it was undone."""
    return merge_read(await merging.get_merge(uow, merge_id=merge_id))


@router.post(
    "/merges/{merge_id}/undo",
    summary="Undo a merge exactly",
    responses={
        **COMMON_ERRORS,
        404: problem_response("No such merge."),
        409: problem_response("Already undone, or a later change blocks it (`blockers`)."),
    },
)
async def undo_merge(merge_id: UUID, uow: UoW, actor: Admin) -> MergeRead:
    """Put every moved row back and every field the merge changed, as it was; refused with
    409 and `blockers` if something changed since that the undo would overwrite."""
    return merge_read(await merging.undo_merge(uow, merge_id=merge_id, actor=actor))
