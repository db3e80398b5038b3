"""The customer CSV: its columns, reading rows out of it and writing customers into it.

One format both ways: an exported file imports again unchanged (every row `unchanged`).
"""

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import ValidationError

from clientele.customers.domain import EDITABLE_FIELDS, Customer, customer_field_names
from clientele.customers.schemas import CustomerCreate
from clientele.errors import InvalidValue

# Columns an import reads, in the customer's field order: every editable field that is plain
# text in a spreadsheet (not the organization link or metadata). All but the required three
# may be left out.
IMPORT_COLUMNS = tuple(
    name
    for name in customer_field_names()
    if name in EDITABLE_FIELDS - {"organization_id", "metadata"}
)
REQUIRED_COLUMNS = ("customer_type", "name", "primary_phone")
# Written by the export, ignored by the import: the server owns them.
SERVER_COLUMNS = (
    "id",
    "status",
    "blocked_reason",
    "organization_id",
    "merged_into_id",
    "version",
    "created_by",
    "updated_by",
    "created_at",
    "updated_at",
)
EXPORT_COLUMNS = (
    "id",
    *IMPORT_COLUMNS,
    "status",
    "blocked_reason",
    "organization_id",
    "merged_into_id",
    "version",
    "created_at",
    "updated_at",
)
# Files written before the design doc's names (revision 0006) still import.
FORMER_COLUMNS = {"email": "primary_email", "pincode": "postal_code", "gstin": "tax_id"}
TAG_SEPARATOR = ";"
# Spreadsheets run a cell starting with these as a formula; the export neutralizes such a
# cell with a leading apostrophe (E.164 phones like +9198... are left alone), the import
# takes it off again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-][0-9 ]+")

csv.field_size_limit(1_000_000)


class BadFile(InvalidValue):
    """The file as a whole cannot be read (encoding, header, CSV syntax): field `file`."""

    def __init__(self, detail: str) -> None:
        super().__init__("file", detail)


def _unescape(cell: str) -> str:
    if len(cell) > 1 and cell[0] == "'" and cell[1:].startswith(_FORMULA_START):
        return cell[1:]
    return cell


def escape_cell(value: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def read_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {column: cell}) for each record; the header is row 1.

    Blank records are skipped; a record with more cells than the header yields a `__extra__`
    entry. Raises BadFile for a missing or unknown header, or broken CSV syntax.
    """
    reader = csv.reader(lines)
    number = 1
    try:
        header = next(reader, None)
        if header is None:
            raise BadFile("the file is empty; the first line must name the columns")
        names = [h.strip().lower().lstrip("\ufeff") for h in header]
        names = [FORMER_COLUMNS.get(n, n) for n in names]
        unknown = [n for n in names if n not in IMPORT_COLUMNS and n not in SERVER_COLUMNS]
        if unknown:
            raise BadFile(
                f"unknown column(s) {', '.join(repr(n) for n in unknown[:5])}; "
                f"known: {', '.join(IMPORT_COLUMNS)}"
            )
        missing = [n for n in REQUIRED_COLUMNS if n not in names]
        if missing:
            raise BadFile(f"missing required column(s): {', '.join(missing)}")
        if len(set(names)) != len(names):
            raise BadFile("a column is named twice")
        for record in reader:
            number += 1
            if not any(cell.strip() for cell in record):
                continue
            row = {
                name: _unescape(cell)
                for name, cell in zip(names, record, strict=False)
                if name in IMPORT_COLUMNS
            }
            if len(record) > len(names):
                row["__extra__"] = "1"
            yield number, row
    except csv.Error as exc:
        raise BadFile(f"not readable as CSV near row {number + 1}: {exc}") from exc


def validate_row(row: dict[str, str]) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:
    """The row's values (phones in E.164, only the cells given) or its field errors.

    Blank cells are absent: an import never clears a stored value.
    """
    if "__extra__" in row:
        return None, [{"field": "row", "message": "more cells than the header has columns"}]
    nul = sorted(name for name, cell in row.items() if "\x00" in cell)
    if nul:
        return None, [{"field": name, "message": "contains a NUL character"} for name in nul]
    given: dict[str, Any] = {}
    for name, cell in row.items():
        text = cell.strip()
        if not text:
            continue
        if name == "tags":
            given[name] = [t.strip() for t in text.split(TAG_SEPARATOR) if t.strip()]
        elif name in ("customer_type", "tier"):
            given[name] = text.lower()
        else:
            given[name] = text
    try:
        model = CustomerCreate.model_validate(given)
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            location = error.get("loc", ())
            field = str(location[0]) if location else "row"
            message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
            errors.append({"field": field, "message": message})
        return None, errors
    return model.model_dump(exclude_unset=True), []


def customer_record(customer: Customer) -> list[str]:
    """One exported CSV record, in EXPORT_COLUMNS order."""
    cells: list[str] = []
    for name in EXPORT_COLUMNS:
        value = getattr(customer, name)
        if value is None:
            cells.append("")
        elif name == "tags":
            cells.append(TAG_SEPARATOR.join(value))
        elif hasattr(value, "isoformat"):
            cells.append(value.isoformat())
        else:
            cells.append(escape_cell(str(value)))
    return cells
