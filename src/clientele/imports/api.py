"""Routes: POST /api/v1/customers/import (CSV in) and GET /api/v1/customers/export (CSV out).

Included before the customers router, so `/customers/export` is never read as an id.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from clientele.customers.api import Filters
from clientele.deps import Admin, UoW
from clientele.errors import DomainError
from clientele.imports.csv_format import BadFile, read_rows
from clientele.imports.export import export_customers
from clientele.imports.service import ImportReport, import_customers
from clientele.openapi import COMMON_ERRORS, problem_response
from clientele.problems import problem

router = APIRouter(prefix="/customers", tags=["customers import and export"])

MAX_IMPORT_BYTES = 20 * 1024 * 1024
CSV_TYPES = ("text/csv", "application/csv", "text/plain")


class PayloadTooLarge(DomainError):
    status = 413
    slug = "payload-too-large"
    title = "File too large"


class UnsupportedMediaType(DomainError):
    status = 415
    slug = "unsupported-media-type"
    title = "Send the file as text/csv"


class RowOutcomeRead(BaseModel):
    row: int = Field(description="Spreadsheet row number; the header is row 1.")
    action: str = Field(description="create, update, unchanged, duplicate or invalid.")
    name: str | None
    customer_id: str | None = Field(description="The created, updated or matched customer.")
    changed_fields: list[str]
    reason: str | None = Field(description="Why a row is flagged as a likely duplicate.")
    name_score: float | None
    errors: list[dict[str, str]]


class ImportReportRead(BaseModel):
    dry_run: bool
    written: bool = Field(description="True when the rows were stored (all of them).")
    summary: dict[str, int]
    rows: list[RowOutcomeRead]

    @classmethod
    def of(cls, report: ImportReport) -> "ImportReportRead":
        return cls(
            dry_run=report.dry_run,
            written=report.written,
            summary=report.summary,
            rows=[
                RowOutcomeRead(
                    row=r.row,
                    action=r.action,
                    name=r.name,
                    customer_id=str(r.customer_id) if r.customer_id else None,
                    changed_fields=r.changed_fields,
                    reason=r.reason,
                    name_score=r.name_score,
                    errors=r.errors,
                )
                for r in report.rows
            ],
        )


async def _read_body(request: Request) -> str:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in CSV_TYPES:
        raise UnsupportedMediaType("send the CSV file as the body with Content-Type text/csv")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"the file is larger than {MAX_IMPORT_BYTES // 2**20} MiB")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_IMPORT_BYTES:
            raise PayloadTooLarge(f"the file is larger than {MAX_IMPORT_BYTES // 2**20} MiB")
        chunks.append(chunk)
    try:
        return b"".join(chunks).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadFile(f"not UTF-8 text (byte {exc.start}); save the file as CSV UTF-8") from exc


@router.post(
    "/import",
    summary="Import customers from CSV",
    response_model=ImportReportRead,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The CSV file itself (UTF-8, a header row; columns as the export)."
            " Generators that know no text/csv can map it to application/octet-stream.",
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses={
        **COMMON_ERRORS,
        409: problem_response("A phone was taken by someone else while importing; retry."),
        413: problem_response(f"The file is over {MAX_IMPORT_BYTES // 2**20} MiB."),
        415: problem_response("The body is not text/csv."),
        422: problem_response(
            "The file cannot be read, or rows are invalid (`errors` names `rows[N].field`, "
            "`report` has every row); nothing was written."
        ),
    },
)
async def import_customers_csv(
    request: Request,
    uow: UoW,
    actor: Admin,
    dry_run: Annotated[bool, Query(description="Report only; write nothing.")] = False,
) -> Any:
    """Validate every row (phones to E.164, types, e-mails), then create new customers and
    update those whose active primary phone matches (when the names agree; otherwise the row
    is flagged as a likely duplicate and skipped). All rows are written or none. Blank cells
    never clear stored values. Columns: see the export."""
    text = await _read_body(request)
    report = await import_customers(
        uow, rows=read_rows(text.splitlines(keepends=True)), actor=actor, dry_run=dry_run
    )
    body = ImportReportRead.of(report)
    if dry_run or report.valid:
        return body
    errors = [
        {"field": f"rows[{r.row}].{e['field']}", "message": e["message"]}
        for r in report.rows
        for e in r.errors
    ]
    invalid = report.count("invalid")
    detail = f"{invalid} of {len(report.rows)} rows are invalid; nothing was written"
    response: JSONResponse = problem(
        422,
        "Invalid rows",
        detail,
        slug="validation-error",
        errors=errors,
        report=body.model_dump(mode="json"),
    )
    return response


@router.get(
    "/export",
    summary="Export customers as CSV",
    response_class=StreamingResponse,
    responses={**COMMON_ERRORS, 200: {"content": {"text/csv": {}}}},
)
async def export_customers_csv(uow: UoW, actor: Admin, filters: Filters) -> StreamingResponse:
    """Every customer matching the list filters, streamed as CSV (newest first). The file
    imports again as is."""
    return StreamingResponse(
        export_customers(uow, filters=filters, actor=actor.label),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="customers.csv"'},
    )
