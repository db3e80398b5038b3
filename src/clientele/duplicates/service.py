"""Duplicates use cases: scan, queue, dismiss, merge (with a dry-run preview), undo, online check.

Each opens the unit of work and commits once. A merge and its undo are one transaction each;
their customer versions are recorded by the history trigger with source 'merge'.
"""

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from clientele.audit import trail
from clientele.auth.domain import Actor
from clientele.customers.domain import Customer
from clientele.duplicates import blocking, repository
from clientele.duplicates.matching import (
    GENERIC_WORDS,
    MAX_BLOCK,
    MAX_WEAK_BLOCK,
    WEAK,
    MatchRecord,
    PairScorer,
    Score,
    blocking_keys,
    connected_groups,
    likely,
    score_pair,
)
from clientele.duplicates.repository import FILLABLE_FIELDS, RESTORED_COLUMNS, QueueRow
from clientele.errors import Conflict, InvalidValue, NotFound
from clientele.gstin import InvalidGstin, looks_like_gstin, validate_gstin
from clientele.pagination import Page, decode_token, encode_token
from clientele.uow import UnitOfWork

MAX_MERGE = 50

Progress = Callable[[str, int, int | None], None]


class MergeRefused(Conflict):
    slug = "merge-refused"
    title = "Merge refused"


class UndoRefused(Conflict):
    slug = "undo-refused"
    title = "Undo would not be exact"


class AlreadyDecided(Conflict):
    slug = "already-decided"
    title = "Already decided"


def record_of(row: Any) -> MatchRecord:
    """A customer row (any object with the customer's attribute names) as a match record."""
    return MatchRecord.of(
        id=str(row.id),
        name=row.name or "",
        customer_type=row.customer_type,
        phones=(row.primary_phone, row.secondary_phone, row.whatsapp_number),
        email=row.primary_email,
        gstin=row.tax_id,
        city=row.city,
        state=row.state,
        pincode=row.postal_code,
        address=(row.address_line1, row.address_line2),
    )


# --------------------------------------------------------------------------------------------
# Scan
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScanReport:
    customers: int
    candidate_pairs: int
    likely_pairs: int
    open_pairs: int
    groups: int
    seconds: dict[str, float]
    # How the model's parameters came about ("estimated", or "estimated u, default m" when the
    # EM estimate was not plausible) and the share of duplicates among candidates it found.
    model: str = ""


async def scan(
    uow: UnitOfWork, *, actor: Actor | None = None, progress: Progress | None = None
) -> ScanReport:
    """Score every candidate pair of customers; store likely pairs and rebuild open groups.

    Blocking in PostgreSQL, then every candidate pair compared (field levels only), the model
    estimated by EM on those levels, and only then each pair weighed and the likely ones
    explained. Decided pairs (dismissed, merged) keep their decision whatever the new score.
    """
    report = progress or (lambda stage, done, total: None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    seen_at = datetime.now(UTC)
    ids: list[UUID] = []
    records: list[MatchRecord] = []
    async with uow:
        conn = uow.connection
        if actor is not None:
            await uow.set_actor(actor.label)
        total = await repository.count_customers(conn)
        await repository.create_key_table(conn)
        keys: list[tuple[str, int]] = []
        report("read", 0, total)
        async for row in repository.stream_customers(conn):
            record = record_of(row)
            index = len(records)
            ids.append(row.id)
            records.append(record)
            keys.extend((key, index) for key in blocking_keys(record))
            if len(keys) >= 100_000:
                await repository.copy_keys(conn, keys)
                keys.clear()
                report("read", len(records), total)
        await repository.copy_keys(conn, keys)
        report("read", len(records), total)
        seconds["read_and_keys"] = time.perf_counter() - started

        mark = time.perf_counter()
        scorer = PairScorer(records)
        add = scorer.add
        batches = repository.candidate_pairs(
            conn, max_block=MAX_BLOCK, max_weak_block=MAX_WEAK_BLOCK, weak_prefix=WEAK
        )
        next_report = 100_000
        async for batch in batches:
            for i, j in batch:
                add(i, j)
            if len(scorer) >= next_report:
                report("score", len(scorer), None)
                next_report += 100_000
        candidates = len(scorer)
        seconds["block_and_compare"] = time.perf_counter() - mark
        mark = time.perf_counter()
        model = scorer.fit()
        found = [_found(ids[i], ids[j], score) for i, j, score in scorer.matches()]
        report("score", candidates, candidates)
        seconds["estimate_and_score"] = time.perf_counter() - mark

        mark = time.perf_counter()
        await repository.store_pairs(conn, found, seen_at=seen_at)
        pairs = await repository.open_pairs(conn)
        groups = _groups(pairs)
        await repository.replace_open_groups(conn, groups)
        await uow.commit()
        seconds["store"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - started
    return ScanReport(
        customers=len(records),
        candidate_pairs=candidates,
        likely_pairs=len(found),
        open_pairs=len(pairs),
        groups=len(groups),
        seconds=seconds,
        model=f"{model.source} (duplicate share among candidates {model.duplicate_share:.4f})",
    )


def _found(a: UUID, b: UUID, score: Score) -> repository.FoundPair:
    return repository.FoundPair(
        customer_a=a,
        customer_b=b,
        weight=round(score.weight, 3),
        probability=round(score.probability, 6),
        reasons=[r.as_dict() for r in score.reasons],
    )


def _groups(
    pairs: Sequence[tuple[UUID, UUID, float, float]],
) -> list[tuple[list[UUID], float, float]]:
    best: dict[str, tuple[float, float]] = {}
    for a, b, weight, probability in pairs:
        for member in (str(a), str(b)):
            p, w = best.get(member, (0.0, float("-inf")))
            best[member] = (max(p, probability), max(w, weight))
    groups = []
    for members in connected_groups((str(a), str(b)) for a, b, _, _ in pairs):
        probability = max(best[m][0] for m in members)
        weight = max(best[m][1] for m in members)
        groups.append(([UUID(m) for m in members], probability, weight))
    return groups


# --------------------------------------------------------------------------------------------
# Queue
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueItem:
    row: QueueRow
    customers: list[Any]

    @property
    def public_id(self) -> str:
        return public_id(self.row.kind, self.row.id)

    @property
    def default_survivor(self) -> Any:
        """The customer the merge form offers to keep (its id), or None."""
        return default_survivor(self.customers)


def default_survivor(customers: Sequence[Any]) -> Any:
    """Who a merge of these customers should keep by default: the first active one.

    Else the first inactive one; never a merged one (it cannot be kept) nor a blocked one (a
    merge into it is refused). None when no customer qualifies.
    """
    candidates = [c for c in customers if c.merged_into_id is None and c.status != "blocked"]
    active = [c for c in candidates if c.status == "active"]
    chosen = (active or candidates or [None])[0]
    return None if chosen is None else chosen.id


def public_id(kind: str, number: int) -> str:
    """`group-12` for a scan group, `review-7` for a legacy review item."""
    return f"{'group' if kind == 'scan' else 'review'}-{number}"


def parse_public_id(value: str) -> tuple[str, int]:
    """Raises NotFound for anything but `group-N` / `review-N`."""
    prefix, _, number = value.partition("-")
    if prefix not in ("group", "review") or not number.isdigit() or len(number) > 18:
        raise NotFound(f"no duplicates item {value!r} (ids look like group-12 or review-7)")
    return ("scan" if prefix == "group" else "legacy_review"), int(number)


def _decode_cursor(cursor: str) -> tuple[int, float, int]:
    rank, probability, id = decode_token(cursor, 3)
    try:
        return int(rank), float(probability), int(id)
    except (ValueError, TypeError) as exc:
        raise InvalidValue("cursor", "not a cursor this server issued") from exc


async def list_queue(
    uow: UnitOfWork,
    *,
    status: str = "open",
    include_legacy: bool = True,
    cursor: str | None = None,
    limit: int = 20,
) -> Page[QueueItem]:
    """One page of the queue, most likely groups first, then legacy review items.

    Two statements whatever the page size: the page, then every customer it names.
    """
    after = _decode_cursor(cursor) if cursor else None
    async with uow:
        rows = await repository.queue_page(
            uow.connection,
            status=status,
            include_legacy=include_legacy,
            after=after,
            limit=limit + 1,
        )
        ids = {i for _, row in rows[:limit] for i in row.customer_ids}
        summaries = await repository.customer_summaries(uow.connection, ids) if ids else {}
    items = [
        QueueItem(row=row, customers=[summaries[i] for i in row.customer_ids if i in summaries])
        for _, row in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        rank, last = rows[limit - 1]
        next_cursor = encode_token([rank, last.probability or 0.0, last.id])
    return Page(items=items, next_cursor=next_cursor)


async def dismiss(uow: UnitOfWork, *, item_id: str, actor: Actor) -> None:
    """Mark a group (and its pairs) or a legacy review item "not a duplicate".

    Raises NotFound, AlreadyDecided. A dismissed pair is never reopened by a rescan.
    """
    target = {"item_id": item_id}
    async with (
        trail.attempt(
            uow, actor=actor.label, action="duplicates.dismiss", target=target
        ) as attempt,
        uow,
    ):
        kind, number = parse_public_id(item_id)
        await uow.set_actor(actor.label)
        if kind == "scan":
            previous = await repository.dismiss_group(uow.connection, number, actor=actor.label)
        else:
            previous = await repository.dismiss_review_item(
                uow.connection, number, actor=actor.label
            )
        if previous is None:
            raise NotFound(f"no duplicates item {item_id}")
        if previous != "open":
            raise AlreadyDecided(f"{item_id} is already {previous}", decided=previous)
        await attempt.succeeded()
        await uow.commit()


# --------------------------------------------------------------------------------------------
# Online check
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LikelyDuplicate:
    customer_id: UUID
    name: str
    score: Score


# Which customer fields each piece of candidate evidence reads.
PHONE_FIELDS = frozenset({"primary_phone", "secondary_phone", "whatsapp_number"})
NAME_FIELDS = frozenset({"name", "city"})


async def likely_duplicates_of(
    uow: UnitOfWork,
    *,
    customer: Customer,
    limit: int = 5,
    changed: Collection[str] | None = None,
) -> list[LikelyDuplicate]:
    """Stored customers that are likely duplicates of `customer`, best first (at most one
    statement). With `changed` (the fields an update changed), candidates are looked up only
    by the evidence those fields make new: the rest was looked up when it was written, so an
    edit of the notes or the e-mail runs no name lookup (none at all when nothing identifying
    changed). Candidates are still scored on every field."""
    every = changed is None
    fields = set(changed or ())
    if not every and not fields & (PHONE_FIELDS | NAME_FIELDS | {"primary_email", "tax_id"}):
        return []
    record = record_of(customer)
    # The distinctive words as typed (folded, not transliterated): what the name index holds.
    core = " ".join(w for w in record.key.folded.split() if w not in GENERIC_WORDS)
    core = core or record.key.folded
    by_name = every or bool(fields & NAME_FIELDS)
    async with uow:
        rows = await blocking.online_candidates(
            uow.connection,
            exclude=customer.id,
            phones=sorted(record.phones) if every or fields & PHONE_FIELDS else [],
            email=record.email if every or "primary_email" in fields else None,
            tax_id=record.gstin if every or "tax_id" in fields else None,
            name=customer.name if by_name and len(core) >= 3 else None,
            city=customer.city,
        )
    found = []
    for row in rows:
        other = record_of(row)
        if not likely(record, other):
            continue  # reasons are built only for the customers shown
        score = score_pair(record, other)
        if score.is_match:
            found.append(LikelyDuplicate(customer_id=row.id, name=row.name, score=score))
    found.sort(key=lambda d: -d.score.weight)
    return found[:limit]


# --------------------------------------------------------------------------------------------
# Merge
# --------------------------------------------------------------------------------------------


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
