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

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from rapidfuzz import fuzz

from clientele.legacy import normalize

NAMESPACE = UUID("5b0c0a8e-3f1e-4c47-9c55-0d1c9f6c2a11")
UNIDENTIFIED_KEY = "unidentified"
UNIDENTIFIED_NAME = "Unidentified legacy customer"
NAME_AGREEMENT = 90.0
LATIN_EXTENDED_END = 0x24F  # letters above U+024F belong to other scripts


@dataclass(frozen=True, slots=True)
class TicketRow:
    """The identity columns of one legacy ticket, as typed."""

    id: UUID
    created_at: datetime
    legacy_id: str | None
    name: str | None
    phone: str | None
    whatsapp: str | None
    equipment_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class EquipmentRow:
    """The contact columns of one legacy equipment row, as typed."""

    id: UUID
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    city: str | None = None
    state: str | None = None


@dataclass(slots=True)
class PlannedCustomer:
    """A customer the migration creates (or finds), with everything it knows about it."""

    key: str
    id: UUID
    name: str
    customer_type: str
    primary_phone: str | None
    whatsapp: str | None
    status: str
    created_at: datetime
    legacy_ids: dict[str, str]
    aliases: list[str]
    raw_phones: list[str]
    ticket_ids: list[UUID]
    # (valid_from, fields) oldest first: the states the tickets show, for backdated history.
    timeline: list[tuple[datetime, dict[str, Any]]]
    placeholder: bool = False
    type_guessed: bool = True
    # Where the customer's equipment is installed (the legacy data has no customer address).
    city: str | None = None
    state: str | None = None
    # (equipment id, ticket time) of each of its tickets that names a unit.
    ticket_equipment: list[tuple[UUID, tuple[datetime, UUID]]] = field(default_factory=list)

    def metadata(self) -> dict[str, Any]:
        """What goes into `customers.metadata.legacy`: every spelling and number typed."""
        return {
            "legacy": {
                "key": self.key,
                "aliases": self.aliases,
                "raw_phones": self.raw_phones,
                "tickets": len(self.ticket_ids),
                "customer_type_guessed": self.type_guessed,
                "placeholder": self.placeholder,
            }
        }


@dataclass(frozen=True, slots=True)
class PlannedContact:
    """An equipment contact person, as a `customer_contacts` row."""

    id: UUID
    customer_key: str
    name: str
    phone: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A doubtful case, listed for a person (legacy_review_items)."""

    kind: str
    dedupe_key: str
    customer_keys: tuple[str, ...]
    summary: str
    resolution: str
    evidence: Mapping[str, Any]
    subject_table: str | None = None
    subject_id: UUID | None = None


@dataclass(slots=True)
class Resolution:
    """The whole plan: customers, which ticket and equipment goes where, contacts, reviews."""

    customers: list[PlannedCustomer]
    ticket_customer: dict[UUID, str]
    equipment_customer: dict[UUID, str]
    equipment_contact: dict[UUID, UUID]
    contacts: list[PlannedContact]
    reviews: list[ReviewItem]
    by_key: dict[str, PlannedCustomer] = field(default_factory=dict)

    def customer_id(self, key: str) -> UUID:
        """The id of the customer planned under `key`."""
        return self.by_key[key].id


@dataclass(slots=True)
class _Norm:
    row: TicketRow
    lid: str | None
    name: str | None
    key: str | None
    phone: str | None
    whatsapp: str | None

    @property
    def sort_key(self) -> tuple[datetime, UUID]:
        return (self.row.created_at, self.row.id)


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


def names_agree(a: str | None, b: str | None) -> bool:
    """Two folded names that mean the same customer (word order and small typos ignored)."""
    if a is None or b is None:
        return False
    return a == b or fuzz.token_sort_ratio(a, b) >= NAME_AGREEMENT


def _latin(key: str | None) -> bool:
    return key is None or any("a" <= ch <= "z" for ch in key)


def _most_frequent(names: Iterable[tuple[str, tuple[datetime, UUID]]]) -> str | None:
    counts: Counter[str] = Counter()
    latest: dict[str, tuple[datetime, UUID]] = {}
    for name, when in names:
        counts[name] += 1
        if name not in latest or when > latest[name]:
            latest[name] = when
    if not counts:
        return None
    return max(counts, key=lambda n: (counts[n], latest[n], n))


def _has_other_script(word: str) -> bool:
    """A letter outside the Latin script (Devanagari, Tamil...)."""
    return any(ch.isalpha() and ord(ch) > LATIN_EXTENDED_END for ch in word)


def _latin_form(name: str) -> str | None:
    """The name without its words in another script (e.g. an honorific "डॉ."), when Latin
    words remain; None for a name with no Latin word."""
    words = [w for w in name.split() if not _has_other_script(w)]
    if len(words) == len(name.split()):
        return name
    if not any(ch.isalpha() for w in words for ch in w):
        return None
    return " ".join(words)


def _casing(name: str) -> int:
    """2 for mixed case (Title Case, "Dr. Rao's Clinic"), 1 for all-upper or all-lower."""
    letters = [ch for ch in name if ch.isalpha()]
    if any(ch.isupper() for ch in letters) and any(ch.islower() for ch in letters):
        return 2
    return 1


def canonical_name(names: Iterable[tuple[str, tuple[datetime, UUID]]]) -> str | None:
    """The name to store among the spellings typed (with when each was typed).

    Spellings written wholly in Latin script compete first: well-cased ones (mixed case)
    before all-lower or all-upper, then the most frequent, then the most recent. Without one,
    a spelling with words in another script counts for its Latin words (an honorific "डॉ."
    is dropped); a customer whose every spelling is in another script keeps its most frequent.
    A name only ever typed in lower case gets capital initials.
    """
    typed = list(names)
    candidates = [(name, when) for name, when in typed if _latin_form(name) == name]
    if not candidates:
        candidates = [(form, when) for name, when in typed if (form := _latin_form(name))]
    if not candidates:
        return _most_frequent(typed)
    best_casing = max(_casing(name) for name, _ in candidates)
    chosen = _most_frequent((n, when) for n, when in candidates if _casing(n) == best_casing)
    if chosen is not None and chosen.islower():
        # Only ever typed in lower case: capitalize each word (the typed form stays an alias).
        chosen = " ".join(word[:1].upper() + word[1:] for word in chosen.split(" "))
    return chosen


def _normalize(rows: Iterable[TicketRow]) -> list[_Norm]:
    out = []
    for row in rows:
        name = normalize.clean_text(row.name)
        out.append(
            _Norm(
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


def _dominant_key(members: list[_Norm]) -> str | None:
    return _most_frequent((m.key, m.sort_key) for m in members if m.key)


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
    by_lid: dict[str, list[_Norm]] = defaultdict(list)
    idless: list[_Norm] = []
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

    clusters: dict[str, list[_Norm]] = defaultdict(list)
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

    def add_member(ckey: str, m: _Norm) -> None:
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
        if not agreeing and len(phone_candidates) == 1 and not _latin(m.key):
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
        customers.append(_build(ckey, clusters[ckey], existing, reviews))
    by_key = {c.key: c for c in customers}
    # Re-key the id review items to the cluster that holds the id.
    lid_cluster = {lid: c.key for c in customers for lid in c.legacy_ids}
    reviews = [_rekey(r, lid_cluster) if r.kind == "id_several_names" else r for r in reviews]

    _assign_phones(customers, reviews)

    ticket_customer = {t: c.key for c in customers for t in c.ticket_ids}
    equipment = list(equipment)
    eq_customer, eq_contact, contacts = _link_equipment(
        equipment, clusters, ticket_customer, phone_index, reviews
    )
    _place_customers(customers, equipment, eq_customer)
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


def _build(
    ckey: str, members: list[_Norm], existing: Mapping[str, UUID], reviews: list[ReviewItem]
) -> PlannedCustomer:
    members.sort(key=lambda m: m.sort_key)
    placeholder = ckey == UNIDENTIFIED_KEY
    legacy_ids: dict[str, str] = {}
    for m in members:
        if m.lid and m.lid not in legacy_ids and m.row.legacy_id is not None:
            legacy_ids[m.lid] = m.row.legacy_id
    held = sorted(lid for lid in legacy_ids if lid in existing)
    customer_id = existing[held[0]] if held else uuid5(NAMESPACE, ckey)
    phones = [m.phone for m in members if m.phone]
    history = [] if placeholder else _timeline(members, use_whatsapp=not phones)
    # The name now is the latest state's: a customer renamed along with a new number is known
    # by its new name, however often the old one was typed.
    name = history[-1][1].get("name") if history else None
    name = name or canonical_name((m.name, m.sort_key) for m in members if m.name)
    whatsapps = [m.whatsapp for m in members if m.whatsapp]
    primary = phones[-1] if phones else (whatsapps[-1] if whatsapps else None)
    raw_phones = sorted(
        {r for m in members for r in (m.row.phone, m.row.whatsapp) if r is not None and r.strip()}
    )
    if placeholder:
        name, primary = UNIDENTIFIED_NAME, None
    elif name is None:
        label = next(iter(legacy_ids.values()), None) or primary or ckey
        name = f"Unnamed legacy customer ({label.strip()})"
        reviews.append(
            ReviewItem(
                kind="no_name",
                dedupe_key=f"no_name:{ckey}",
                customer_keys=(ckey,),
                summary="no ticket of this customer carries a name",
                resolution=f"stored as '{name}'",
                evidence={"legacy_ids": sorted(legacy_ids), "phone": primary},
            )
        )
    invalid = sorted(
        {
            r
            for m in members
            for r in (m.row.phone, m.row.whatsapp)
            if r is not None and r.strip() and normalize.phone(r) is None
        }
    )
    if invalid and not placeholder:
        reviews.append(
            ReviewItem(
                kind="invalid_phone",
                dedupe_key=f"invalid_phone:{ckey}",
                customer_keys=(ckey,),
                summary=f"{len(invalid)} typed phone value(s) are not phone numbers",
                resolution="ignored for matching; kept in metadata.legacy.raw_phones",
                evidence={"values": invalid},
            )
        )
    key = normalize.name_key(name)
    return PlannedCustomer(
        key=ckey,
        id=customer_id,
        name=name[:500],
        customer_type="individual" if placeholder else normalize.guess_customer_type(key),
        primary_phone=primary,
        whatsapp=whatsapps[-1] if whatsapps else None,
        status="active",
        created_at=members[0].row.created_at,
        legacy_ids=legacy_ids,
        aliases=sorted({m.name for m in members if m.name}),
        raw_phones=raw_phones,
        ticket_ids=[m.row.id for m in members],
        ticket_equipment=[
            (m.row.equipment_id, m.sort_key) for m in members if m.row.equipment_id is not None
        ],
        timeline=history,
        placeholder=placeholder,
    )


def _timeline(members: list[_Norm], *, use_whatsapp: bool) -> list[tuple[datetime, dict[str, Any]]]:
    """States the tickets show over time: a new state where the (valid) phone changes.

    Within one phone's period the name is that period's most frequent spelling, so spelling
    noise is not history, but a rename that comes with a new number is.
    """
    segments: list[tuple[datetime, str | None, list[_Norm]]] = []
    for m in members:
        number = m.whatsapp if use_whatsapp else m.phone
        if not segments or (number is not None and number != segments[-1][1]):
            if segments and segments[-1][1] is None:
                start, _, seg = segments[-1]
                segments[-1] = (start, number, seg)
            else:
                segments.append((m.row.created_at, number, []))
        segments[-1][2].append(m)
    states: list[tuple[datetime, dict[str, Any]]] = []
    for start, number, seg in segments:
        name = canonical_name((m.name, m.sort_key) for m in seg if m.name)
        state: dict[str, Any] = {"primary_phone": number}
        if name is not None:
            state["name"] = name[:500]
        if states and states[-1][0] >= start:
            continue  # two segments starting at one instant: keep the first
        states.append((start, state))
    # Spelling noise is not history: a period whose name means the latest one is written the
    # latest way ("HELIX BIOMEDICAL LTD" then "Helix Biomedical Ltd" is one name).
    latest = next((state["name"] for _, state in reversed(states) if "name" in state), None)
    latest_key = normalize.name_key(latest)
    for _, state in states:
        if "name" in state and names_agree(normalize.name_key(state["name"]), latest_key):
            state["name"] = latest
    return states


def _assign_phones(customers: list[PlannedCustomer], reviews: list[ReviewItem]) -> None:
    """One active customer per phone (most tickets, then oldest); the others inactive."""
    holders: dict[str, list[PlannedCustomer]] = defaultdict(list)
    for c in customers:
        if c.primary_phone is None:
            c.status = "inactive"
            if not c.placeholder:
                reviews.append(
                    ReviewItem(
                        kind="no_phone",
                        dedupe_key=f"no_phone:{c.key}",
                        customer_keys=(c.key,),
                        summary=f"no valid phone was typed for '{c.name}'",
                        resolution="stored inactive without a phone (nothing invented)",
                        evidence={"raw_phones": c.raw_phones, "legacy_ids": sorted(c.legacy_ids)},
                    )
                )
        else:
            holders[c.primary_phone].append(c)
    for number in sorted(holders):
        group = sorted(holders[number], key=lambda c: (-len(c.ticket_ids), c.created_at, c.key))
        for c in group[1:]:
            c.status = "inactive"
        if len(group) > 1:
            reviews.append(
                ReviewItem(
                    kind="shared_phone",
                    dedupe_key=f"shared_phone:{number}",
                    customer_keys=tuple(c.key for c in group),
                    summary=f"{number} is the phone of {len(group)} customers whose names differ",
                    resolution=f"'{group[0].name}' keeps it active; the others are stored "
                    "inactive with the same phone until a person decides",
                    evidence={"phone": number, "names": [c.name for c in group]},
                )
            )


def _link_equipment(
    equipment: list[EquipmentRow],
    clusters: Mapping[str, list[_Norm]],
    ticket_customer: Mapping[UUID, str],
    phone_index: Mapping[str, set[str]],
    reviews: list[ReviewItem],
) -> tuple[dict[UUID, str], dict[UUID, UUID], list[PlannedContact]]:
    """Equipment goes to a customer when that is certain; its contact person becomes a contact.

    Certain: every ticket raised against the unit belongs to one customer, or (no tickets) its
    contact phone is the phone of exactly one customer. Otherwise it stays unlinked (in stock,
    or listed when the evidence conflicts).
    """
    by_equipment: dict[UUID, set[str]] = defaultdict(set)
    for ckey, members in clusters.items():
        if ckey == UNIDENTIFIED_KEY:
            continue
        for m in members:
            if m.row.equipment_id is not None:
                by_equipment[m.row.equipment_id].add(ticket_customer.get(m.row.id, ckey))
    links: dict[UUID, str] = {}
    contact_of: dict[UUID, UUID] = {}
    contacts: dict[UUID, PlannedContact] = {}
    for e in sorted(equipment, key=lambda e: e.id):
        owners = sorted(by_equipment.get(e.id, set()))
        number = normalize.phone(e.contact_phone)
        if not owners and number:
            owners = sorted(phone_index.get(number, set()) - {UNIDENTIFIED_KEY})
        if len(owners) > 1:
            reviews.append(
                ReviewItem(
                    kind="equipment_ambiguous",
                    dedupe_key=f"equipment_ambiguous:{e.id}",
                    customer_keys=tuple(owners),
                    summary="equipment points at several customers (tickets or contact phone)",
                    resolution="left without a customer",
                    evidence={"contact_phone": e.contact_phone, "contact_name": e.contact_name},
                    subject_table="equipment",
                    subject_id=e.id,
                )
            )
            continue
        if not owners:
            continue
        owner = owners[0]
        links[e.id] = owner
        person = normalize.clean_text(e.contact_name)
        if person is None:
            continue
        person = person[:255]
        mail = normalize.email(e.contact_email)
        contact_id = uuid5(
            NAMESPACE, f"contact:{owner}:{normalize.name_key(person)}:{number or ''}:{mail or ''}"
        )
        contacts.setdefault(contact_id, PlannedContact(contact_id, owner, person, number, mail))
        contact_of[e.id] = contact_id
    return links, contact_of, sorted(contacts.values(), key=lambda c: c.id)


def _place_customers(
    customers: list[PlannedCustomer],
    equipment: list[EquipmentRow],
    equipment_customer: Mapping[UUID, str],
) -> None:
    """City and state from where the customer's equipment is installed (rule 7).

    Each ticket that names a unit votes for the unit's place once, at the ticket's time; a unit
    linked by its contact phone alone votes once, older than any ticket. The state is the one
    most often typed with the chosen city.
    """
    places = {
        e.id: (city, normalize.clean_text(e.state))
        for e in equipment
        if (city := normalize.clean_text(e.city)) is not None
    }
    if not places:
        return
    floor = datetime.min.replace(tzinfo=UTC)
    for c in customers:
        if c.placeholder:
            continue
        votes: list[tuple[tuple[str, str | None], tuple[datetime, UUID]]] = [
            (places[eid], when) for eid, when in c.ticket_equipment if eid in places
        ]
        if not votes:
            votes = [
                (places[eid], (floor, eid))
                for eid, key in sorted(equipment_customer.items())
                if key == c.key and eid in places
            ]
        city = _most_frequent((place[0], when) for place, when in votes)
        if city is None:
            continue
        c.city = city[:100]
        state = _most_frequent((p[1], when) for p, when in votes if p[0] == city and p[1])
        c.state = state[:100] if state else None
