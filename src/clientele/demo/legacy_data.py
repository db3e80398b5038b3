"""Messy legacy data with known truth: every mess of contract section 4, reproducibly.

The demo loads it and migrates it; the legacy tests and benchmark score the migration with it.

Customers come from the demo generator (realistic Indian names, phones, cities); this module
re-types them the way operators did into the legacy tables: 32-hex ids in either case, CUST-
codes with stray spaces and case, empty and NULL ids, many spellings (upper case, dropped
punctuation, abbreviations, misspellings, Devanagari), phones in every format and invalid ones
(N/A, 0000000000), a switchboard shared by two customers, phone changes over time, two ids for
one customer, customers who never gave a valid phone, and tickets that name nobody.
"""

# ruff: noqa: E501 - seeded test data, not secrets; row tuples read best on one line

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from clientele.demo.customers import _misspell, _short_name, iter_customers
from clientele.legacy.normalize import name_key
from clientele.legacy.shape import LEGACY_SCHEMA

DEVANAGARI = {
    "Hospital": "अस्पताल",
    "Clinic": "क्लिनिक",
    "Diagnostics": "डायग्नोस्टिक्स",
    "Nursing": "नर्सिंग",
    "Home": "होम",
    "Sunrise": "सनराइज",
    "City": "सिटी",
    "Care": "केयर",
    "Lab": "लैब",
    "Dr.": "डॉ.",
}
INVALID_PHONES = ("N/A", "0000000000", "", None, "12345", "na", "-")
STATUSES = ("open", "Open", "IN PROGRESS", "in_progress", "Resolved", "closed", "pending",
            "Closed", "WIP", "cancelled")  # fmt: skip
PRIORITIES = ("medium", "High", "urgent", "P1", "low", "Normal", "critical", "medium")
START = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class LegacyData:
    """Rows for the three legacy tables and the truth: ticket id -> true customer (or None)."""

    organizations: list[tuple[Any, ...]] = field(default_factory=list)
    equipment: list[tuple[Any, ...]] = field(default_factory=list)
    tickets: list[tuple[Any, ...]] = field(default_factory=list)
    truth: dict[uuid.UUID, int | None] = field(default_factory=dict)
    phone_changes: list[tuple[int, datetime, str, str]] = field(default_factory=list)


def _formats(rng: random.Random, e164: str) -> str:
    national = e164[3:]
    mobile = national[0] in "6789"
    choices = [
        e164,
        f"+91 {national[:5]} {national[5:]}",
        f"0{national[:5]} {national[5:]}",
        national,
        f"+91-{national[:5]}-{national[5:]}",
        f"91 {national}",
    ]
    if not mobile:
        choices.append(f"(0{national[:2]}) {national[2:6]} {national[6:]}")
    return rng.choice(choices)


def _spell(rng: random.Random, name: str, devanagari: bool) -> str | None:
    roll = rng.random()
    if roll < 0.04:
        return rng.choice((None, "", "  "))
    if roll < 0.5:
        return name
    if roll < 0.6:
        return name.upper()
    if roll < 0.68:
        return f"  {name.lower()} "
    if roll < 0.8:
        return _misspell(rng, name)
    if roll < 0.88:
        return name.replace("Hospital", "Hosp.").replace("Diagnostics", "Diag.").replace(".", "")
    if devanagari and roll < 0.96:
        return " ".join(DEVANAGARI.get(w, w) for w in name.split())
    return name.replace(",", "").replace("'s", "s")


def generate(
    n_customers: int = 400, *, seed: int = 11, mean_tickets: float = 5.0, unique_names: bool = True
) -> LegacyData:
    """Legacy rows for about `n_customers` customers and `n_customers * mean_tickets` tickets.

    `unique_names` keeps one base customer per folded name (the truth is then exact); the
    benchmark turns it off to reach a million tickets (the demo has ~30,000 distinct names).
    """
    rng = random.Random(seed)
    data = LegacyData()
    for i in range(3):
        data.organizations.append((uuid.UUID(int=rng.getrandbits(128)), f"Group {i}", START))
    data.organizations.append((uuid.UUID(int=rng.getrandbits(128)), "   ", START))
    # The demo generator makes duplicates on purpose (the duplicates feature needs them); here
    # every base customer must be a different real customer, or the truth would be wrong.
    customers = []
    seen: set[str] = set()
    for c in iter_customers(n=n_customers * 2, seed=seed):
        marks = {c.primary_phone, name_key(c.name) or ""} if unique_names else {c.primary_phone}
        if not marks & seen:
            seen |= marks
            customers.append(c)
        if len(customers) == n_customers:
            break
    phones = {c.primary_phone for c in customers}
    number = 0
    for index, c in enumerate(customers):
        ids: list[str] = []
        roll = rng.random()
        if roll < 0.45:
            hexid = uuid.UUID(int=rng.getrandbits(128)).hex
            ids.append(hexid.upper() if rng.random() < 0.3 else hexid)
        elif roll < 0.87:
            ids.append(
                rng.choice(("CUST-{:05d}", "cust-{:05d}", " CUST-{:05d} ")).format(index + 1)
            )
        if ids and rng.random() < 0.08:  # two ids for one customer
            ids.append(uuid.UUID(int=rng.getrandbits(128)).hex)
        phone_now = c.primary_phone
        phone_before: str | None = None
        change_at: datetime | None = None
        if rng.random() < 0.04 and index > 0:  # a switchboard shared with another customer
            phone_now = customers[index - 1].primary_phone
        no_phone = rng.random() < 0.02
        devanagari = rng.random() < 0.15
        name = c.name
        short = _short_name(name)
        n_tickets = max(1, int(rng.expovariate(1 / mean_tickets)))
        times = sorted(START + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60)) for _ in range(n_tickets))  # fmt: skip
        if n_tickets >= 3 and rng.random() < 0.15:  # the phone changed over time
            phone_before = f"+9198{rng.randrange(10**7, 10**8):08d}"
            while phone_before in phones:
                phone_before = f"+9198{rng.randrange(10**7, 10**8):08d}"
            phones.add(phone_before)
            change_at = times[n_tickets // 2]
            data.phone_changes.append((index, change_at, phone_before, phone_now))
        units = []
        for _ in range(rng.choice((0, 1, 1, 2))):
            eid = uuid.UUID(int=rng.getrandbits(128))
            contact_phone = _formats(rng, phone_now) if rng.random() < 0.6 else None
            data.equipment.append((
                eid, f"SN-{rng.randrange(10**8):08d}" if rng.random() > 0.02 else " ",
                "Model X", "Acme Medical", rng.choice(("Ravi Kumar", "Anita Shah", None, "")),
                contact_phone, rng.choice(("biomed@example.in", "not-an-email", None)),
                c.city, c.state, (START - timedelta(days=rng.randrange(1000))).date(), START,
            ))  # fmt: skip
            units.append(eid)
        for when in times:
            number += 1
            tid = uuid.UUID(int=rng.getrandbits(128))
            lid: str | None
            if ids and rng.random() > 0.07:
                chosen: str = rng.choice(ids)
                if rng.random() < 0.2:
                    chosen = chosen.lower() if rng.random() < 0.5 else chosen.upper()
                lid = chosen
            else:
                lid = rng.choice((None, "", " ")) if ids else None
            spelled = short if short and rng.random() < 0.03 else _spell(rng, name, devanagari)
            current = phone_before if phone_before and change_at and when < change_at else phone_now
            if no_phone or rng.random() < 0.06:
                phone: str | None = rng.choice(INVALID_PHONES)
            else:
                phone = _formats(rng, current)
            whatsapp = _formats(rng, c.whatsapp_number) if c.whatsapp_number and rng.random() < 0.3 and not no_phone else None  # fmt: skip
            status = rng.choice(STATUSES)
            closed_at = when + timedelta(days=2) if status.lower() == "closed" and rng.random() < 0.7 else None  # fmt: skip
            data.tickets.append((
                tid, f"TKT-{number:07d}", lid, spelled, phone, whatsapp,
                rng.choice(units) if units and rng.random() < 0.5 else None,
                rng.choice(("Display flickers", "Calibration due", "No power", "")),
                None, status, rng.choice(PRIORITIES), when, when + timedelta(hours=3), closed_at,
            ))  # fmt: skip
            data.truth[tid] = index
    for _ in range(max(2, n_customers // 100)):  # tickets that name nobody
        number += 1
        tid = uuid.UUID(int=rng.getrandbits(128))
        when = START + timedelta(days=rng.randrange(700))
        data.tickets.append((tid, f"TKT-{number:07d}", rng.choice((None, "")), rng.choice((None, " ")),
                             rng.choice(("N/A", None, "0000000000")), None, None, "Unknown caller",
                             None, "open", "medium", when, when, None))  # fmt: skip
        data.truth[tid] = None
    return data


TICKET_COLUMNS = (
    "id, ticket_number, customer_id, customer_name, customer_phone, customer_whatsapp,"
    " equipment_id, title, description, status, priority, created_at, updated_at, closed_at"
)
EQUIPMENT_COLUMNS = (
    "id, serial_number, model, manufacturer, customer_contact_name, customer_contact_phone,"
    " customer_contact_email, installation_city, installation_state, installed_at, created_at"
)


def load(url: str, data: LegacyData) -> None:
    """Create the legacy tables on an empty database and COPY the rows in."""
    with psycopg.connect(url) as conn:
        conn.execute(LEGACY_SCHEMA)
        with conn.cursor() as cur:
            with cur.copy("COPY organizations (id, name, created_at) FROM STDIN") as copy:
                for row in data.organizations:
                    copy.write_row(row)
            with cur.copy(f"COPY equipment ({EQUIPMENT_COLUMNS}) FROM STDIN") as copy:
                for row in data.equipment:
                    copy.write_row(row)
            with cur.copy(f"COPY service_tickets ({TICKET_COLUMNS}) FROM STDIN") as copy:
                for row in data.tickets:
                    copy.write_row(row)
        conn.execute("ANALYZE")
