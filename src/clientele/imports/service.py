"""The customer import: validate every row, decide create / update / flag, write all or
nothing. Rows go through the domain (`Customer.new`, `update_details`)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from rapidfuzz.fuzz import token_set_ratio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from clientele.audit import repository as audit
from clientele.audit import trail
from clientele.auth.domain import Actor
from clientele.customers.domain import Customer, CustomerStatus
from clientele.errors import Conflict, InvalidValue
from clientele.imports import repository
from clientele.imports.csv_format import validate_row
from clientele.names.fold import words
from clientele.names.vocabulary import GENERIC_WORDS, HONORIFICS, LEGAL_WORDS
from clientele.uow import UnitOfWork

# token_set_ratio (0-100) of the distinctive words of a row's name and of the name of the
# active customer holding its phone. At or above: the same customer (an update). Below: the
# names disagree strongly (a shared switchboard, a dealer's number, a mistyped phone), so the
# row is flagged for a person instead of overwriting someone else. Generic words are dropped
# first: otherwise "Fortis Hospital" vs "Apollo Hospital" scores 70. Measured after dropping:
# "Sunrise Hosp." / "Sunrise Multispeciality Hospital" 100, "Sunrise" / "Sunrize" 86,
# "Shree Clinic" / "Shri Clinic" 67, "Fortis Hospital" / "Apollo Hospital" 17,
# "City Diagnostics" / "Sunrise Multispeciality Hospital" 18.
SAME_CUSTOMER_SCORE = 60.0
# Words that say nothing about which customer a name means (clientele.names).
_NOT_DISTINCTIVE = GENERIC_WORDS | LEGAL_WORDS | HONORIFICS

Progress = Callable[[str, int], None]


class ImportConflict(Conflict):
    slug = "import-conflict"
    title = "Import conflicts with a concurrent change"


@dataclass(slots=True)
class RowOutcome:
    """What the import does (or would do) with one row."""

    row: int
    action: str  # create, update, unchanged, duplicate, invalid
    name: str | None = None
    customer_id: UUID | None = None
    changed_fields: list[str] = field(default_factory=list)
    reason: str | None = None
    name_score: float | None = None
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class ImportReport:
    rows: list[RowOutcome]
    dry_run: bool
    written: bool

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def summary(self) -> dict[str, int]:
        actions = ("create", "update", "unchanged", "duplicate", "invalid")
        return {"total": len(self.rows), **{a: self.count(a) for a in actions}}

    @property
    def valid(self) -> bool:
        return self.count("invalid") == 0


def _no_progress(stage: str, n: int) -> None:
    return None


def name_score(a: str, b: str) -> float:
    """How strongly two customer names agree (0-100): their distinctive words compared after
    expanding abbreviations (all words when one name has only generic ones)."""
    full_a, full_b = " ".join(words(a)), " ".join(words(b))
    core_a = " ".join(w for w in words(a) if w not in _NOT_DISTINCTIVE)
    core_b = " ".join(w for w in words(b) if w not in _NOT_DISTINCTIVE)
    if not core_a or not core_b:
        core_a, core_b = full_a, full_b
    return float(token_set_ratio(core_a, core_b))


async def import_customers(
    uow: UnitOfWork,
    *,
    rows: Iterable[tuple[int, dict[str, str]]],
    actor: Actor,
    dry_run: bool,
    progress: Progress = _no_progress,
) -> ImportReport:
    """Plan every row, then (unless `dry_run` or a row is invalid) write all creates and
    updates in one transaction. Duplicates are flagged and skipped.

    Raises BadFile (unreadable file), ImportConflict (a phone was taken while importing).
    """
    outcomes: list[RowOutcome] = []
    valid: list[tuple[RowOutcome, dict[str, Any]]] = []
    for number, cells in rows:
        values, errors = validate_row(cells)
        outcome = RowOutcome(row=number, action="invalid", name=cells.get("name") or None)
        outcomes.append(outcome)
        if values is None:
            outcome.errors = errors
        else:
            if "tags" in values:
                values["tags"] = tuple(values["tags"])
            valid.append((outcome, values))
        if len(outcomes) % 1000 == 0:
            progress("validate", 1000)
    progress("validate", len(outcomes) % 1000)

    target: dict[str, Any] = {"rows": len(outcomes), "dry_run": dry_run}
    async with (
        trail.attempt(uow, actor=actor.label, action="customers.import", target=target) as attempt,
        uow,
    ):
        conn = uow.connection
        phones = sorted({values["primary_phone"] for _, values in valid})
        existing = await repository.by_primary_phone(conn, phones, lock=not dry_run)
        creates, updates = _plan(valid, existing, actor)
        report = ImportReport(rows=outcomes, dry_run=dry_run, written=False)
        if dry_run and report.valid:
            await attempt.succeeded(**report.summary)  # a preview writes nothing else
            await uow.commit()
            return report
        if not report.valid:
            invalid = report.summary
        else:
            invalid = None
            await uow.set_actor(actor.label)
            await _write(conn, creates, updates, progress)
            await attempt.succeeded(**report.summary)
            await uow.commit()
    if invalid is not None:  # refused: nothing written, recorded on its own
        await trail.record_alone(
            uow, actor=actor.label, action="customers.import", outcome=audit.FAILED,
            target={**target, **invalid}, status=422,
        )  # fmt: skip
        return report
    report.written = True
    return report


async def _write(
    conn: AsyncConnection, creates: list[Customer], updates: list[Customer], progress: Progress
) -> None:
    try:
        await repository.insert_many(conn, creates)
        progress("write", len(creates))
        await repository.update_many(conn, updates)
        progress("write", len(updates))
    except IntegrityError as exc:
        raise ImportConflict(
            "another customer took one of these phones while importing; nothing was "
            "written, run the import again"
        ) from exc


def _plan(
    valid: list[tuple[RowOutcome, dict[str, Any]]],
    existing: dict[str, list[Customer]],
    actor: Actor,
) -> tuple[list[Customer], list[Customer]]:
    creates: list[Customer] = []
    updates: list[Customer] = []
    first_row: dict[str, int] = {}
    for outcome, values in valid:
        phone = values["primary_phone"]
        outcome.name = values["name"]
        if phone in first_row:
            outcome.action = "duplicate"
            outcome.reason = f"same primary phone as row {first_row[phone]} of this file"
            continue
        first_row[phone] = outcome.row
        holders = existing.get(phone, [])
        active = [c for c in holders if c.status is CustomerStatus.ACTIVE]
        try:
            if active:
                _update(outcome, values, active[0], actor, updates)
            elif holders:
                holder = holders[0]
                outcome.action = "duplicate"
                outcome.customer_id = holder.id
                outcome.reason = (
                    f"this phone belongs to {holder.status.value} customer {holder.id} "
                    f"({holder.name}); activate or merge it instead"
                )
            else:
                customer = Customer.new(actor=actor.label, **values)
                outcome.action = "create"
                outcome.customer_id = customer.id
                creates.append(customer)
        except InvalidValue as exc:
            outcome.action = "invalid"
            outcome.errors = [{"field": exc.field, "message": exc.detail}]
    return creates, updates


def _update(
    outcome: RowOutcome,
    values: dict[str, Any],
    customer: Customer,
    actor: Actor,
    updates: list[Customer],
) -> None:
    outcome.customer_id = customer.id
    score = name_score(values["name"], customer.name)
    outcome.name_score = round(score, 1)
    if score < SAME_CUSTOMER_SCORE:
        outcome.action = "duplicate"
        outcome.reason = (
            f"the phone belongs to customer {customer.id} named {customer.name!r}, "
            f"whose name disagrees (similarity {score:.0f} < {SAME_CUSTOMER_SCORE:.0f})"
        )
        return
    changed = customer.update_details(values, actor=actor.label)
    if changed:
        outcome.action = "update"
        outcome.changed_fields = sorted(changed)
        updates.append(customer)
    else:
        outcome.action = "unchanged"
