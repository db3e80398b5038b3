"""Merge (with a dry-run preview) and undo: one transaction each; their customer versions are
recorded by the history trigger with source 'merge'."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from clientele.audit import trail
from clientele.auth.domain import Actor
from clientele.duplicates import merge_repository as repository
from clientele.duplicates.merge_repository import FILLABLE_FIELDS, RESTORED_COLUMNS
from clientele.errors import Conflict, InvalidValue, NotFound
from clientele.gstin import InvalidGstin, looks_like_gstin, validate_gstin
from clientele.uow import UnitOfWork

MAX_MERGE = 50


class MergeRefused(Conflict):
    slug = "merge-refused"
    title = "Merge refused"


class UndoRefused(Conflict):
    slug = "undo-refused"
    title = "Undo would not be exact"


@dataclass(frozen=True, slots=True)
class FilledField:
    field: str
    value: Any
    from_customer_id: UUID


@dataclass(frozen=True, slots=True)
class MergePlan:
    survivor_id: UUID
    duplicate_ids: list[UUID]
    filled: list[FilledField]
    skipped: list[str]
    rows_to_move: dict[str, int]
    merge_id: UUID | None = None
    before: dict[UUID, dict[str, Any]] = field(default_factory=dict)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def plan_fills(
    survivor: dict[str, Any], duplicates: Sequence[dict[str, Any]]
) -> tuple[list[FilledField], list[str]]:
    """Which empty survivor fields take a value, from which duplicate (first that has one).

    A GSTIN that does not fit the survivor's state is not taken (listed in the second value).
    """
    filled: list[FilledField] = []
    skipped: list[str] = []
    state = survivor.get("state")
    for name in FILLABLE_FIELDS:
        if not _empty(survivor.get(name)):
            continue
        for dup in duplicates:
            value = dup.get(name)
            if _empty(value):
                continue
            if name == "tax_id" and looks_like_gstin(str(value)):
                try:
                    validate_gstin(str(value), state=state or dup.get("state"))
                except InvalidGstin as exc:
                    skipped.append(f"tax_id {value} of {dup['id']}: {exc}")
                    break
            filled.append(FilledField(name, value, UUID(dup["id"])))
            if name == "state":
                state = value
            break
    return filled, skipped


def _check_merge(
    survivor_id: UUID, duplicate_ids: Sequence[UUID], images: dict[UUID, dict[str, Any]]
) -> None:
    missing = [str(i) for i in [survivor_id, *duplicate_ids] if i not in images]
    if missing:
        raise NotFound(f"no customer with id {', '.join(missing)}", missing_ids=missing)
    survivor = images[survivor_id]
    if survivor["merged_into_id"] is not None:
        raise MergeRefused(
            f"customer {survivor_id} was merged into {survivor['merged_into_id']}; "
            "merge into that customer instead",
            merged_into_id=survivor["merged_into_id"],
        )
    if survivor["status"] == "blocked":
        raise MergeRefused(
            f"customer {survivor_id} is blocked ({survivor['blocked_reason']}); "
            "activate it or pick another survivor",
        )
    for dup_id in duplicate_ids:
        merged_into = images[dup_id]["merged_into_id"]
        if merged_into is not None:
            raise MergeRefused(
                f"customer {dup_id} was already merged into {merged_into}",
                customer_id=str(dup_id),
                merged_into_id=merged_into,
            )


async def merge(
    uow: UnitOfWork,
    *,
    survivor_id: UUID,
    duplicate_ids: Sequence[UUID],
    actor: Actor,
    dry_run: bool = False,
) -> MergePlan:
    """Merge the duplicates into the survivor in one transaction (or only preview it).

    Tickets, equipment, contacts and legacy ids move; empty survivor fields are filled from the
    duplicates; the duplicates keep their rows with `merged_into_id` (active ones become
    inactive). Customers are row-locked in id order, so overlapping merges serialize and the
    second sees the first's result. Raises InvalidValue, NotFound, MergeRefused.
    """
    duplicates = list(dict.fromkeys(duplicate_ids))
    target = {
        "survivor_id": str(survivor_id),
        "duplicate_ids": [str(d) for d in duplicates[: MAX_MERGE + 1]],
        "dry_run": dry_run,
    }
    async with (
        trail.attempt(uow, actor=actor.label, action="duplicates.merge", target=target) as attempt,
        uow,
    ):
        if not duplicates:
            raise InvalidValue("duplicate_ids", "name at least one duplicate")
        if len(duplicates) > MAX_MERGE:
            raise InvalidValue("duplicate_ids", f"at most {MAX_MERGE} customers per merge")
        if survivor_id in duplicates:
            raise InvalidValue("duplicate_ids", "a customer cannot be merged into itself")
        conn = uow.connection
        await uow.set_actor(actor.label)
        await repository.set_merge_source(conn)
        images = await repository.lock_customers(conn, sorted([survivor_id, *duplicates]))
        _check_merge(survivor_id, duplicates, images)
        filled, skipped = plan_fills(images[survivor_id], [images[d] for d in duplicates])
        if dry_run:
            counts = await repository.count_dependents(conn, duplicates)
            await attempt.succeeded()  # a preview writes nothing else
            await uow.commit()
            return MergePlan(survivor_id, duplicates, filled, skipped, counts)
        merge_id = await repository.insert_merge(
            conn,
            survivor_id=survivor_id,
            duplicate_ids=duplicates,
            before=images,
            filled={
                f.field: {"value": f.value, "from_customer_id": str(f.from_customer_id)}
                for f in filled
            },
            actor=actor.label,
        )
        moved = await repository.move_rows(
            conn, merge_id=merge_id, duplicate_ids=duplicates, survivor_id=survivor_id
        )
        await repository.mark_duplicates_merged(
            conn, duplicate_ids=duplicates, survivor_id=survivor_id, actor=actor.label
        )
        await repository.fill_survivor(
            conn,
            survivor_id=survivor_id,
            values={f.field: f.value for f in filled},
            actor=actor.label,
        )
        after = await repository.customer_images(conn, [survivor_id, *duplicates])
        await repository.finish_merge(conn, merge_id=merge_id, after=after)
        await repository.mark_pairs_merged(
            conn, merge_id=merge_id, ids=[survivor_id, *duplicates], actor=actor.label
        )
        await attempt.succeeded(merge_id=str(merge_id))
        await uow.commit()
    return MergePlan(survivor_id, duplicates, filled, skipped, moved, merge_id, images)


async def get_merge(uow: UnitOfWork, *, merge_id: UUID) -> repository.MergeRecord:
    """A merge and what it moved. Raises NotFound."""
    async with uow:
        found = await repository.get_merge(uow.connection, merge_id)
    if found is None:
        raise NotFound(f"no merge with id {merge_id}")
    return found


def _differences(
    current: dict[str, Any], expected: dict[str, Any], columns: Sequence[str]
) -> list[str]:
    return [c for c in columns if current.get(c) != expected.get(c)]


async def undo_merge(uow: UnitOfWork, *, merge_id: UUID, actor: Actor) -> repository.MergeRecord:
    """Put back every moved row and every changed field, exactly. Raises NotFound, UndoRefused.

    Refused (409, with `blockers`) when something changed since that an undo would silently
    overwrite or could not put back: a duplicate edited, a filled survivor field edited, a moved
    row re-pointed or deleted, the survivor merged again, a duplicate's phone now taken.
    """
    target = {"merge_id": str(merge_id)}
    async with (
        trail.attempt(uow, actor=actor.label, action="duplicates.undo", target=target) as attempt,
        uow,
    ):
        conn = uow.connection
        await uow.set_actor(actor.label)
        await repository.set_merge_source(conn)
        found = await repository.get_merge(conn, merge_id, lock=True)
        if found is None:
            raise NotFound(f"no merge with id {merge_id}")
        if found.status == "undone":
            raise UndoRefused(f"merge {merge_id} was already undone at {found.undone_at}")
        ids = sorted([found.survivor_id, *found.duplicate_ids])
        current = await repository.lock_customers(conn, ids)
        blockers: list[str] = []
        survivor_now = current[found.survivor_id]
        if survivor_now["merged_into_id"] is not None:
            blockers.append(
                f"the survivor {found.survivor_id} was merged into "
                f"{survivor_now['merged_into_id']} since; undo that merge first"
            )
        survivor_after = found.customers_after[str(found.survivor_id)]
        changed = _differences(survivor_now, survivor_after, list(found.filled_fields))
        if changed:
            blockers.append(
                f"fields the merge filled on the survivor were changed since: {', '.join(changed)}"
            )
        for dup_id in found.duplicate_ids:
            changed = _differences(
                current[dup_id], found.customers_after[str(dup_id)], RESTORED_COLUMNS
            )
            if changed:
                blockers.append(f"customer {dup_id} was changed since: {', '.join(changed)}")
            before = found.customers_before[str(dup_id)]
            if before["status"] == "active" and before["primary_phone"]:
                holder = await repository.active_phone_holder(
                    conn, before["primary_phone"], exclude=ids
                )
                if holder is not None:
                    blockers.append(
                        f"customer {dup_id}'s phone {before['primary_phone']} now belongs to "
                        f"active customer {holder}"
                    )
        await repository.lock_moved_rows(conn, merge_id)
        for table, key in await repository.moves_not_in_place(conn, merge_id):
            blockers.append(f"{table} {key} no longer belongs to the survivor")
        if blockers:
            raise UndoRefused("; ".join(blockers[:5]), blockers=blockers)
        await repository.move_rows_back(conn, merge_id)
        for dup_id in found.duplicate_ids:
            await repository.restore_customer(
                conn,
                customer_id=dup_id,
                image=found.customers_before[str(dup_id)],
                columns=RESTORED_COLUMNS,
                actor=actor.label,
            )
        await repository.restore_customer(
            conn,
            customer_id=found.survivor_id,
            image=found.customers_before[str(found.survivor_id)],
            columns=list(found.filled_fields),
            actor=actor.label,
        )
        await repository.finish_undo(conn, merge_id=merge_id, actor=actor.label)
        result = await repository.get_merge(conn, merge_id)
        await attempt.succeeded()
        await uow.commit()
    assert result is not None
    return result


async def merges_of(uow: UnitOfWork, *, customer_id: UUID) -> list[Any]:
    """Merges a customer took part in, newest first."""
    async with uow:
        return await repository.merges_of(uow.connection, customer_id)
