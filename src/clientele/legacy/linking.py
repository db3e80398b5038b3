"""The linking backfill: tickets walking the primary key, the final sweep of unlinked tickets,
equipment and its contacts, and the review items."""

# SQL text here is built from this package's constants (table, column, constraint names);
# every value typed by a user or read from the data is a bound parameter.
# ruff: noqa: S608, E501

import json
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from clientele.legacy import ddl
from clientele.legacy.customers import Progress
from clientele.legacy.pacing import (
    ACTOR,
    CUSTOMER_HOLD_TARGET_S,
    HOLD_LIMIT_S,
    PARALLEL_MIN_TICKETS,
    TICKET_BATCH_START,
    TICKET_HOLD_TARGET_S,
    Batch,
    Pacer,
    SharedProgress,
    bounded,
    chunks,
    gin_indexes,
    in_parallel,
    merge_gin_pending,
    pipelined_transaction,
)
from clientele.legacy.records import Resolution
from clientele.legacy.state import Conn, get_state, set_state


def link_tickets(
    conn: Conn, plan: Resolution, *, batch_size: int, pause: float, progress: Progress | None,
    stop_after_batches: int | None = None,
    connect: Callable[[], AbstractContextManager[Conn]] | None = None,
) -> tuple[int, Pacer]:  # fmt: skip
    """Set `customer_ref` on unlinked tickets, walking the table's blocks in committed batches.

    A ticket with a legacy id goes to the customer holding that id, as the trigger links it:
    the plan's customer for the ticket is usually that one, but not when the plan merged two
    ids the trigger had meanwhile given a customer each (`write_customers` lists those). The
    id is read from the row being updated, under its row lock, so a re-typed id counts. A
    ticket the plan does not know (written after it was computed, and somehow not linked by
    the trigger) is linked by the same SQL function the trigger uses. Batches are sized by
    time (at most `batch_size` rows); returns the tickets linked and the pacer.

    The walk goes in physical order (block ranges, a TID range scan), not by primary key: ids
    are random uuids, so a batch of consecutive ids touched as many heap pages as rows, and at
    a million tickets the table no longer fits the buffer cache: each page was read, dirtied
    and written back once per ticket on it (tickets cost twice as much per row at a million as
    at 100,000). In block order each page is read and dirtied once. An updated row's new
    version goes to the end of the table, so the walk reads on to the end as it is then
    (those rows are linked already, but for rows the old application moved there meanwhile).
    With `connect` and at least PARALLEL_MIN_TICKETS tickets, the second half of the blocks
    is walked by a second connection beside the first (its cursor: `tickets_block_upper`).
    """
    total_row = conn.execute("SELECT count(*) FROM service_tickets").fetchone()
    total = int(total_row[0]) if total_row else 0
    blocks = _blocks(conn)
    walk = _BlockWalk(plan, rows_per_block=max(1, -(-total // max(blocks, 1))),
                      batch_size=batch_size, pause=pause,
                      stop_after_batches=stop_after_batches)  # fmt: skip
    shared = SharedProgress(progress, "tickets", total)
    if connect is None or total < PARALLEL_MIN_TICKETS:
        return walk.run(conn, "tickets_block", 0, None, shared.part(0))
    middle = blocks // 2

    def lower(stop: threading.Event) -> tuple[int, Pacer]:
        return walk.run(conn, "tickets_block", 0, middle, shared.part(0), stop)

    def upper(stop: threading.Event) -> tuple[int, Pacer]:
        with connect() as other:
            return walk.run(other, "tickets_block_upper", middle, None, shared.part(1), stop)

    (linked, pacer), (linked_upper, pacer_upper) = in_parallel(lower, upper)
    pacer.absorb(pacer_upper)
    return linked + linked_upper, pacer


def _blocks(conn: Conn) -> int:
    """The heap blocks of service_tickets now."""
    row = conn.execute(
        "SELECT pg_relation_size('service_tickets') / current_setting('block_size')::int"
    ).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True, slots=True)
class _BlockWalk:
    """What every range of `link_tickets` shares."""

    plan: Resolution
    rows_per_block: int
    batch_size: int
    pause: float
    stop_after_batches: int | None

    def run(
        self, conn: Conn, state_key: str, first: int, last: int | None,
        progress: Callable[[int], None], stop: threading.Event | None = None,
    ) -> tuple[int, Pacer]:  # fmt: skip
        """Link the blocks from `first` to `last` (None: to the end of the table)."""
        cursor = max(int(get_state(conn, state_key) or first), first)
        pacer = Pacer("tickets", min(TICKET_BATCH_START, self.batch_size), self.batch_size,
                       TICKET_HOLD_TARGET_S, HOLD_LIMIT_S)  # fmt: skip
        linked = 0
        end = last if last is not None else _blocks(conn)
        while not (stop and stop.is_set()):
            if cursor >= end and last is None:
                end = _blocks(conn)  # grown by the rows updated meanwhile
            if cursor >= end:
                break
            count = 0
            upto = cursor
            with bounded(conn, pacer) as batch:
                upto = min(end, cursor + max(1, batch.size // self.rows_per_block))
                batch.arm()
                todo = [
                    r[0]
                    for r in conn.execute(
                        "SELECT id FROM service_tickets WHERE ctid >= %s::tid AND ctid < %s::tid"
                        f" AND {ddl.TICKET_REF} IS NULL",
                        (f"({cursor},0)", f"({upto},0)"),
                    )
                ]
                if todo:
                    batch.arm()
                    count = self._link(conn, batch, todo)
                batch.arm()
                set_state(conn, state_key, upto)
                batch.rows = (upto - cursor) * self.rows_per_block
            if not batch.committed:
                continue
            progress(min(upto - first, end - first) * self.rows_per_block)
            cursor = upto
            linked += count
            if self.stop_after_batches is not None and pacer.batches >= self.stop_after_batches:
                raise ddl.MigrationError("stopped on request (testing)")
            if self.pause:
                time.sleep(self.pause)
        return linked, pacer

    def _link(self, conn: Conn, batch: Batch, todo: list[Any]) -> int:
        plan = self.plan
        planned = [
            plan.customer_id(plan.ticket_customer[t]) if t in plan.ticket_customer else None
            for t in todo
        ]
        result = conn.execute(
            f"UPDATE service_tickets AS t SET {ddl.TICKET_REF} = coalesce("
            "(SELECT coalesce(c.merged_into_id, c.id) FROM customer_legacy_ids AS l"
            " JOIN customers AS c ON c.id = l.customer_id"
            " WHERE l.legacy_id = clientele_legacy_id(t.customer_id)), v.cid,"
            " clientele_legacy_link(t.id, t.customer_id, t.customer_name,"
            " t.customer_phone, t.customer_whatsapp, t.created_at))"
            " FROM unnest(%s::uuid[], %s::uuid[]) AS v(id, cid)"
            f" WHERE t.id = v.id AND t.{ddl.TICKET_REF} IS NULL",
            (todo, planned),
        )
        batch.sync()
        return result.rowcount


def sweep_unlinked(conn: Conn, *, batch_size: int) -> tuple[int, Pacer]:
    """Link any ticket still without a customer (written while the plan was being made)."""
    pacer = Pacer("sweep", min(TICKET_BATCH_START, batch_size), batch_size,
                   CUSTOMER_HOLD_TARGET_S, HOLD_LIMIT_S)  # fmt: skip
    linked = 0
    while True:
        count = 0
        with bounded(conn, pacer) as batch:
            # clientele_legacy_link takes the advisory locks of what it links: paced like
            # the customers batches.
            batch.arm()
            result = conn.execute(
                f"UPDATE service_tickets AS t SET {ddl.TICKET_REF} = clientele_legacy_link(t.id,"
                " t.customer_id, t.customer_name, t.customer_phone, t.customer_whatsapp,"
                " t.created_at) WHERE t.id IN (SELECT id FROM service_tickets"
                f" WHERE {ddl.TICKET_REF} IS NULL ORDER BY id LIMIT %s)",
                (batch.size,),
            )
            batch.sync()
            count = batch.rows = result.rowcount
        if not batch.committed:
            continue
        linked += count
        if count == 0:
            return linked, pacer


def link_equipment(conn: Conn, plan: Resolution, *, batch_size: int) -> tuple[int, int, Pacer]:
    """Contacts first (equipment points at them), then equipment; (contacts new, linked, pacer)."""
    pacer = Pacer("equipment", min(TICKET_BATCH_START, batch_size), batch_size,
                   TICKET_HOLD_TARGET_S, HOLD_LIMIT_S)  # fmt: skip
    contacts_new = 0
    pos = 0
    while pos < len(plan.contacts):
        count = 0
        chunk: Sequence[Any] = ()
        with bounded(conn, pacer) as batch:
            chunk = plan.contacts[pos : pos + batch.size]
            rows = [
                (c.id, plan.customer_id(c.customer_key), c.name, c.phone, c.email) for c in chunk
            ]
            batch.arm()
            result = conn.execute(
                "INSERT INTO customer_contacts (id, customer_id, name, role, phone, email,"
                " created_by) SELECT id, cid, nm, 'equipment contact', ph, em, %s"
                " FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::text[])"
                " AS x(id, cid, nm, ph, em) ON CONFLICT (id) DO NOTHING",
                (ACTOR, *map(list, zip(*rows, strict=True))),
            )
            batch.sync()
            count = result.rowcount
            batch.rows = len(chunk)
        if batch.committed:
            contacts_new += count
            pos += len(chunk)
    linked = 0
    items = sorted(plan.equipment_customer.items())
    pos = 0
    while pos < len(items):
        count = 0
        chunk = ()
        with bounded(conn, pacer) as batch:
            chunk = items[pos : pos + batch.size]
            ids = [e for e, _ in chunk]
            owners = [plan.customer_id(k) for _, k in chunk]
            contacts = [plan.equipment_contact.get(e) for e, _ in chunk]
            batch.arm()
            result = conn.execute(
                "UPDATE equipment AS e SET customer_id = v.cid, contact_id = v.ct"
                " FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[]) AS v(id, cid, ct)"
                " WHERE e.id = v.id AND e.customer_id IS NULL",
                (ids, owners, contacts),
            )
            batch.sync()
            count = result.rowcount
            batch.rows = len(chunk)
        if batch.committed:
            linked += count
            pos += len(chunk)
    return contacts_new, linked, pacer


def write_reviews(conn: Conn, plan: Resolution, *, batch_size: int) -> int:
    """Store the doubtful cases for a person (idempotent by their dedupe key)."""
    written = 0
    gin = gin_indexes(conn, "legacy_review_items")
    for batch in chunks(plan.reviews, batch_size):
        rows = [
            (
                r.kind,
                "{" + ",".join(str(plan.customer_id(k)) for k in r.customer_keys if k in plan.by_key) + "}",
                r.subject_table,
                r.subject_id,
                r.summary,
                r.resolution,
                json.dumps(r.evidence, default=str),
                r.dedupe_key,
            )
            for r in batch
        ]  # fmt: skip
        # Holds no lock the old application takes (its trigger adds items of other keys).
        with pipelined_transaction(conn) as pipeline:
            result = conn.execute(
                "INSERT INTO legacy_review_items (kind, customer_ids, subject_table, subject_id,"
                " summary, resolution, evidence, dedupe_key)"
                " SELECT k, ids::uuid[], st, sid, sm, rs, ev::jsonb, dk FROM unnest(%s::text[],"
                " %s::text[], %s::text[], %s::uuid[], %s::text[], %s::text[], %s::text[],"
                " %s::text[]) AS x(k, ids, st, sid, sm, rs, ev, dk)"
                " ON CONFLICT (dedupe_key) DO NOTHING",
                list(map(list, zip(*rows, strict=True))),
            )
            pipeline.sync()
            written += result.rowcount
        # Else an old-application insert of a review item would merge the pending list.
        merge_gin_pending(conn, gin)
    return written
