"""Identity resolution: which customer each legacy ticket means (pure, deterministic, no database).

Rules (issue 4, rule 7), in order:

1. Normalize: legacy ids trimmed and case-folded (uuids as 32 hex), names folded
   (`normalize.name_key`), phones to E.164 (`N/A`, `0000000000` are no phone).
2. Tickets with a legacy id are grouped by it: the id is what the old application used.
3. Two legacy ids become one customer only when they share a phone **and** their names agree
   (the most frequent spelling of each, folded, similarity >= NAME_AGREEMENT). A shared phone
   with different names is a switchboard: two customers, listed for review.
4. Tickets without an id attach by phone (to the one customer holding it whose name agrees, or
   any when the ticket has no name), then by exact folded name (when exactly one customer has
   it); otherwise they form id-less customers among themselves, by phone and name alike.
5. A ticket with no id, no name and no valid phone names nobody: it goes to one placeholder
   customer ("Unidentified legacy customer", inactive) and is listed, not guessed.
6. A customer's name is its latest period's most frequent well-written spelling
   (`canonical_name`: Latin script, Title Case before all-lower or all-upper, ties: most
   recent; honorifics in another script dropped, every spelling kept as an alias), its phone
   the latest valid one, WhatsApp the latest valid one, `created_at` its first ticket.
   Phone-less customers and the second holder of a shared phone are stored inactive (the
   unique index on active phones) and listed for review.
7. City and state: the installation place of the equipment the customer's tickets name (each
   ticket counts once; most frequent, ties: most recent), else of equipment linked to it by
   its contact phone.

Every iteration is over sorted data, so the same input always gives the same output, and
customer ids are uuid5 of a stable key, so a re-run recognizes what an earlier run wrote.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from uuid import UUID

from rapidfuzz import fuzz

from clientele.legacy import normalize
from clientele.legacy.planning import assign_phones, build_customer, link_equipment, place_customers
from clientele.legacy.records import UNIDENTIFIED_KEY as UNIDENTIFIED_KEY
from clientele.legacy.records import UNIDENTIFIED_NAME, Norm, PlannedCustomer, ReviewItem, TicketRow
from clientele.legacy.records import EquipmentRow as EquipmentRow
from clientele.legacy.records import PlannedContact as PlannedContact
from clientele.legacy.records import Resolution as Resolution
from clientele.legacy.spelling import latin, most_frequent, names_agree


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        if parent != item:
            parent = self.parent[item] = self.find(parent)
        return parent

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller key is the root, so the result does not depend on the order of unions.
            low, high = sorted((ra, rb))
            self.parent[high] = low


def _normalize(rows: Iterable[TicketRow]) -> list[Norm]:
    out = []
    for row in rows:
        name = normalize.clean_text(row.name)
        out.append(
            Norm(
                row=row,
                lid=normalize.legacy_id(row.legacy_id),
                name=name,
                key=normalize.name_key(name),
                phone=normalize.phone(row.phone),
                whatsapp=normalize.phone(row.whatsapp),
            )
        )
    out.sort(key=lambda n: n.sort_key)
    return out


def _dominant_key(members: list[Norm]) -> str | None:
    return most_frequent((m.key, m.sort_key) for m in members if m.key)


def resolve(
    tickets: Iterable[TicketRow],
    equipment: Iterable[EquipmentRow] = (),
    *,
    existing_legacy_ids: Mapping[str, UUID] | None = None,
) -> Resolution:
    """Group tickets into customers and link equipment, by the rules in this module's doc.

    `existing_legacy_ids` (normalized legacy id -> customer id) makes a customer that already
    holds one of a group's ids keep its id, so a re-run or a customer the online trigger
    created is found rather than created twice.
    """
    existing = existing_legacy_ids or {}
    norms = _normalize(tickets)
    reviews: list[ReviewItem] = []

    # 2. group by legacy id
    by_lid: dict[str, list[Norm]] = defaultdict(list)
    idless: list[Norm] = []
    for n in norms:
        (by_lid[n.lid] if n.lid else idless).append(n)

    # 3. merge id groups that share a phone and agree on the name
    uf = _UnionFind()
    lid_phones: dict[str, set[str]] = {}
    lid_key: dict[str, str | None] = {}
    phone_lids: dict[str, set[str]] = defaultdict(set)
    for lid in sorted(by_lid):
        uf.find(lid)
        members = by_lid[lid]
        phones = {p for m in members for p in (m.phone, m.whatsapp) if p}
        lid_phones[lid] = phones
        lid_key[lid] = _dominant_key(members)
        for p in phones:
            phone_lids[p].add(lid)
        keys = sorted({m.key for m in members if m.key})
        if len(keys) > 1 and any(
            not names_agree(keys[0], k) and fuzz.token_set_ratio(keys[0], k) < 80 for k in keys[1:]
        ):
            reviews.append(
                ReviewItem(
                    kind="id_several_names",
                    dedupe_key=f"id_several_names:{lid}",
                    customer_keys=(f"lid:{lid}",),  # re-keyed to the cluster below
                    summary=f"legacy id {lid} is used with {len(keys)} different names",
                    resolution="kept as one customer (the id decides); the most frequent "
                    "spelling is its name, the others are aliases",
                    evidence={
                        "legacy_id": lid,
                        "names": sorted({m.name for m in members if m.name}),
                    },
                )
            )
    merged_pairs: list[tuple[str, str, str]] = []
    for p in sorted(phone_lids):
        lids = sorted(phone_lids[p])
        for i, a in enumerate(lids):
            for b in lids[i + 1 :]:
                if names_agree(lid_key[a], lid_key[b]):
                    if uf.find(a) != uf.find(b):
                        merged_pairs.append((a, b, p))
                    uf.union(a, b)

    clusters: dict[str, list[Norm]] = defaultdict(list)
    for lid in sorted(by_lid):
        clusters["lid:" + uf.find(lid)].extend(by_lid[lid])
    for a, b, p in merged_pairs:
        ckey = "lid:" + uf.find(a)
        reviews.append(
            ReviewItem(
                kind="ids_merged",
                dedupe_key=f"ids_merged:{a}:{b}",
                customer_keys=(ckey,),
                summary=f"legacy ids {a} and {b} share the phone {p} and the name",
                resolution="one customer holding both legacy ids",
                evidence={"legacy_ids": [a, b], "phone": p, "names": [lid_key[a], lid_key[b]]},
            )
        )

    # Indexes over the clusters so far, extended as id-less customers appear.
    phone_index: dict[str, set[str]] = defaultdict(set)
    name_index: dict[str, set[str]] = defaultdict(set)
    cluster_keys: dict[str, set[str]] = defaultdict(set)
    for ckey in sorted(clusters):
        for m in clusters[ckey]:
            for number in (m.phone, m.whatsapp):
                if number:
                    phone_index[number].add(ckey)
            if m.key:
                name_index[m.key].add(ckey)
                cluster_keys[ckey].add(m.key)

    def add_member(ckey: str, m: Norm) -> None:
        clusters[ckey].append(m)
        for number in (m.phone, m.whatsapp):
            if number:
                phone_index[number].add(ckey)
        if m.key:
            name_index[m.key].add(ckey)
            cluster_keys[ckey].add(m.key)

    def agrees(ckey: str, key: str | None) -> bool:
        return key is None or any(names_agree(key, k) for k in sorted(cluster_keys[ckey]))

    # 4. id-less tickets, oldest first
    for m in idless:
        if m.key is None and m.phone is None and m.whatsapp is None:
            add_member(UNIDENTIFIED_KEY, m)
            reviews.append(
                ReviewItem(
                    kind="ticket_without_customer",
                    dedupe_key=f"ticket_without_customer:{m.row.id}",
                    customer_keys=(UNIDENTIFIED_KEY,),
                    summary="ticket has no customer id, no name and no valid phone",
                    resolution=f"linked to the placeholder customer '{UNIDENTIFIED_NAME}'",
                    evidence={"phone": m.row.phone, "whatsapp": m.row.whatsapp},
                    subject_table="service_tickets",
                    subject_id=m.row.id,
                )
            )
            continue
        phone_candidates = sorted(
            {c for p in (m.phone, m.whatsapp) if p for c in phone_index.get(p, ())}
            - {UNIDENTIFIED_KEY}
        )
        agreeing = [c for c in phone_candidates if agrees(c, m.key)]
        if not agreeing and len(phone_candidates) == 1 and not latin(m.key):
            # A name in another script (Devanagari) cannot be compared with a Latin one: the
            # phone, held by this one customer only, decides.
            agreeing = phone_candidates
        if len(agreeing) == 1:
            add_member(agreeing[0], m)
            continue
        if len(agreeing) > 1:
            # Several customers hold this phone and the name does not tell them apart: the
            # one with the most tickets, listed for a person.
            chosen = max(agreeing, key=lambda c: (len(clusters[c]), c))
            add_member(chosen, m)
            reviews.append(
                ReviewItem(
                    kind="ambiguous_ticket",
                    dedupe_key=f"ambiguous_ticket:{m.row.id}",
                    customer_keys=tuple(agreeing),
                    summary="ticket without a customer id matches several customers by phone",
                    resolution="linked to the customer with the most tickets",
                    evidence={"phone": m.phone, "name": m.name},
                    subject_table="service_tickets",
                    subject_id=m.row.id,
                )
            )
            continue
        if m.key is not None:
            named = sorted(name_index.get(m.key, set()) - {UNIDENTIFIED_KEY})
            if len(named) == 1 and m.phone is None and m.whatsapp is None:
                add_member(named[0], m)
                continue
        anchor = m.phone or m.whatsapp or ""
        add_member(f"anon:{anchor}|{m.key or ''}", m)

    # 6. build the customers
    customers: list[PlannedCustomer] = []
    for ckey in sorted(clusters):
        customers.append(build_customer(ckey, clusters[ckey], existing, reviews))
    by_key = {c.key: c for c in customers}
    # Re-key the id review items to the cluster that holds the id.
    lid_cluster = {lid: c.key for c in customers for lid in c.legacy_ids}
    reviews = [_rekey(r, lid_cluster) if r.kind == "id_several_names" else r for r in reviews]

    assign_phones(customers, reviews)

    ticket_customer = {t: c.key for c in customers for t in c.ticket_ids}
    equipment = list(equipment)
    eq_customer, eq_contact, contacts = link_equipment(
        equipment, clusters, ticket_customer, phone_index, reviews
    )
    place_customers(customers, equipment, eq_customer)
    reviews.sort(key=lambda r: r.dedupe_key)
    return Resolution(
        customers=customers,
        ticket_customer=ticket_customer,
        equipment_customer=eq_customer,
        equipment_contact=eq_contact,
        contacts=contacts,
        reviews=reviews,
        by_key=by_key,
    )


def _rekey(item: ReviewItem, lid_cluster: Mapping[str, str]) -> ReviewItem:
    lid = str(item.evidence["legacy_id"])
    return ReviewItem(
        kind=item.kind,
        dedupe_key=item.dedupe_key,
        customer_keys=(lid_cluster.get(lid, f"lid:{lid}"),),
        summary=item.summary,
        resolution=item.resolution,
        evidence=item.evidence,
    )
