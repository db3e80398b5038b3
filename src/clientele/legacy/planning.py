"""From clusters of tickets to planned customers (name, phones, history timeline, status), and
equipment to customers and places (rules 6, 7, 10 of `resolve.py`)."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from clientele.legacy import normalize
from clientele.legacy.records import (
    NAMESPACE,
    UNIDENTIFIED_KEY,
    UNIDENTIFIED_NAME,
    EquipmentRow,
    Norm,
    PlannedContact,
    PlannedCustomer,
    ReviewItem,
)
from clientele.legacy.spelling import canonical_name, most_frequent, names_agree


def build_customer(
    ckey: str, members: list[Norm], existing: Mapping[str, UUID], reviews: list[ReviewItem]
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


def _timeline(members: list[Norm], *, use_whatsapp: bool) -> list[tuple[datetime, dict[str, Any]]]:
    """States the tickets show over time: a new state where the (valid) phone changes.

    Within one phone's period the name is that period's most frequent spelling, so spelling
    noise is not history, but a rename that comes with a new number is.
    """
    segments: list[tuple[datetime, str | None, list[Norm]]] = []
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


def assign_phones(customers: list[PlannedCustomer], reviews: list[ReviewItem]) -> None:
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


def link_equipment(
    equipment: list[EquipmentRow],
    clusters: Mapping[str, list[Norm]],
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


def place_customers(
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
    # Each customer's linked units, in id order (looked up per customer, not scanned: a scan of
    # every unit per customer took minutes at 20,000 customers).
    units: dict[str, list[UUID]] = defaultdict(list)
    for eid, key in sorted(equipment_customer.items()):
        if eid in places:
            units[key].append(eid)
    for c in customers:
        if c.placeholder:
            continue
        votes: list[tuple[tuple[str, str | None], tuple[datetime, UUID]]] = [
            (places[eid], when) for eid, when in c.ticket_equipment if eid in places
        ]
        if not votes:
            votes = [(places[eid], (floor, eid)) for eid in units.get(c.key, ())]
        city = most_frequent((place[0], when) for place, when in votes)
        if city is None:
            continue
        c.city = city[:100]
        state = most_frequent((p[1], when) for p, when in votes if p[0] == city and p[1])
        c.state = state[:100] if state else None
