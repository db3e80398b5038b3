"""Duplicates use cases: scan, queue, dismiss, online check (merge and undo: `merging`).

Each opens the unit of work and commits once.
"""

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from typing import Any
from uuid import UUID

from clientele.audit import trail
from clientele.auth.domain import Actor
from clientele.customers.domain import Customer
from clientele.duplicates import repository
from clientele.duplicates.matching import (
    GENERIC_WORDS,
    MAX_BLOCK,
    MAX_WEAK_BLOCK,
    WEAK,
    MatchRecord,
    PairScorer,
    Score,
    blocking_keys,
    likely,
    score_pair,
)
from clientele.duplicates.repository import QueueRow
from clientele.errors import Conflict, InvalidValue, NotFound
from clientele.pagination import Page, decode_token, encode_token
from clientele.uow import UnitOfWork

Progress = Callable[[str, int, int | None], None]


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
        groups = _groups(pairs, scorer, ids)
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
    pairs: Sequence[tuple[UUID, UUID, float, float]], scorer: PairScorer, ids: Sequence[UUID]
) -> list[tuple[list[UUID], float, float]]:
    """The open pairs as groups (`PairScorer.groups`: two groups join only when their members
    agree), each with the probability and weight of its strongest pair."""
    index = {customer: k for k, customer in enumerate(ids)}
    known = [(index[a], index[b], p) for a, b, _, p in pairs if a in index and b in index]
    strongest: dict[frozenset[UUID], tuple[float, float]] = {
        frozenset((a, b)): (p, w) for a, b, w, p in pairs
    }
    groups = []
    for group in scorer.groups(known):
        members = [ids[k] for k in group]
        inside = [
            strongest[key]
            for x, y in combinations(members, 2)
            if (key := frozenset((x, y))) in strongest
        ]
        groups.append((members, max(p for p, _ in inside), max(w for _, w in inside)))
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
        rows = await repository.online_candidates(
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
